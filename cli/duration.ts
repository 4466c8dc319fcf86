/**
 * nmap-style time specifications (`--host-timeout 30m`, `--max-rtt-timeout 250ms`).
 *
 * @module
 */
import { UsageError } from "./errors.ts";

/** Options for {@linkcode parseDuration}. */
export interface ParseDurationOptions {
  /** The option the value belongs to, named in the error message (e.g. `--host-timeout`). */
  option?: string;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

// A plain decimal, then an optional unit. Exponents, signs and hex are refused on purpose:
// they are far more likely to be typos than intent.
const DURATION = /^(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)?$/i;

/**
 * Parse an nmap time specification into milliseconds.
 *
 * A bare number means seconds (as in nmap); the suffixes `ms`, `s`, `m` and `h` are
 * accepted in any case, and decimals are allowed. Negative, empty or malformed values
 * throw a {@linkcode UsageError} that names the option when one is given.
 *
 * @example
 * ```ts
 * parseDuration("1.5h"); // 5_400_000
 * parseDuration("250ms"); // 250
 * parseDuration("30"); // 30_000
 * ```
 */
export function parseDuration(text: string, options: ParseDurationOptions = {}): number {
  const match = DURATION.exec(text.trim());
  if (match === null) {
    const where = options.option === undefined ? "" : ` for ${options.option}`;
    const shown = text === "" ? "an empty value" : `'${text}'`;
    throw new UsageError(
      `invalid duration ${shown}${where} (use a number with ms, s, m or h, e.g. 500ms, 30s, 5m)`,
    );
  }
  const unit = (match[2] ?? "s").toLowerCase();
  // Rounded to the microsecond so that "1.1s" is 1100, not 1100.0000000000002.
  return Math.round(Number(match[1]) * UNIT_MS[unit] * 1000) / 1000;
}
