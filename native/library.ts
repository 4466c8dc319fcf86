/**
 * Finding and opening a shared library: an environment override first, then a
 * list of versioned sonames and absolute paths, then one error naming them all.
 */
import { RuntimeError } from "../cli/errors.ts";

/** Where to look for one library. */
export interface LibrarySpec {
  /** Short name used in messages, e.g. `libpcap`. */
  name: string;
  /** Environment variable that, when set, is the only path tried. */
  envVar: string;
  /** Sonames and absolute paths, tried in order. */
  candidates: readonly string[];
}

/** One failed attempt to open a library. */
export interface LibraryAttempt {
  path: string;
  reason: string;
}

/**
 * A library could not be opened from any path. `attempts` lists every path
 * tried, in order, with the loader's reason; the message names them too.
 */
export class LibraryLoadError extends RuntimeError {
  /** The library's short name. */
  readonly library: string;
  /** Every path tried, in order. */
  readonly attempts: readonly LibraryAttempt[];

  /** Build the error from the attempts made. */
  constructor(library: string, attempts: readonly LibraryAttempt[], hint = "") {
    const list = attempts.map((a) => `${a.path} (${a.reason})`).join("; ");
    super(`cannot load ${library}: tried ${list}${hint}`);
    this.name = "LibraryLoadError";
    this.library = library;
    this.attempts = attempts;
  }
}

/** Options for {@linkcode openLibrary}. */
export interface OpenLibraryOptions {
  /** Environment lookup; defaults to `Deno.env.get`, treating a denied permission as unset. */
  getEnv?: (name: string) => string | undefined;
}

/**
 * Open a library with `Deno.dlopen`.
 *
 * When `spec.envVar` is set it is the only path tried: a user who names a
 * library means that one, and a silent fallback would hide the mistake.
 * Otherwise every candidate is tried in order.
 *
 * @throws {LibraryLoadError} listing every path tried.
 */
export function openLibrary<const S extends Deno.ForeignLibraryInterface>(
  spec: LibrarySpec,
  symbols: S,
  options: OpenLibraryOptions = {},
): Deno.DynamicLibrary<S> {
  const getEnv = options.getEnv ?? readEnv;
  const override = getEnv(spec.envVar);
  const paths = override ? [override] : spec.candidates;
  const attempts: LibraryAttempt[] = [];
  for (const path of paths) {
    try {
      return Deno.dlopen(path, symbols);
    } catch (error) {
      attempts.push({ path, reason: firstLine(error) });
      // Without --allow-ffi every path fails alike: one is enough to say why.
      if (error instanceof Deno.errors.NotCapable) break;
    }
  }
  const hint = override ? ` (from ${spec.envVar}; unset it to search the usual paths)` : "";
  throw new LibraryLoadError(spec.name, attempts, hint);
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    // Without --allow-env the override simply does not apply.
    return undefined;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0].trim();
}
