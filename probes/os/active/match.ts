/**
 * Point-weighted matching of a fingerprint against the OS database.
 *
 * For every attribute that both the subject fingerprint and a database entry have, the
 * attribute's weight ({@linkcode WEIGHTS}) is added to the possible points, and to the
 * scored points when the entry's expression accepts the subject's value. Accuracy is scored
 * over possible, in percent, rounded down, so 100 means every compared attribute agreed: a
 * perfect match. A line the entry leaves out is not compared (entries written from public
 * sources describe only what those sources say); a line the subject lacks is not compared
 * either. When the subject's line says R=N, only R is compared, so "no reply" against an
 * entry expecting one costs exactly the R weight.
 *
 * Expressions (our own notation, close to the familiar one): alternatives split by `|`;
 * `A-B` a hexadecimal range; `>A` and `<A` bounds; `*` inside an alternative stands for
 * any run of hex digits (`M*ST11NW*` accepts any MSS and window scale); an empty
 * alternative accepts the empty value.
 */
import type { OsClass, OsDbEntry } from "../../../registry/os_db.ts";
import type { FingerprintLines } from "./fingerprint.ts";
import { ttlGuess } from "./tests.ts";

/**
 * Points per attribute, per line. Our own choice, by how much an attribute separates
 * stacks and how stable it is for one stack:
 * - Heavy (60-100): whether a probe is answered at all (R), the IP ID classes, the timestamp
 *   clock, the ECN answer (CC) and the U1 quote tests: design decisions of a stack that do
 *   not change with tuning or the network path.
 * - Medium (20-40): flags, sequence/acknowledgment choices, option layouts, DF, quirks.
 * - Light (10-20): windows (tunable with sysctls and buffers), TTL (a single sysctl, and
 *   blurred by hops), ISN statistics (noisy by nature), option strings of T2-T7 resets.
 */
export const WEIGHTS: Record<string, Record<string, number>> = {
  SEQ: { SP: 20, GCD: 60, ISR: 20, TI: 100, CI: 60, II: 80, SS: 60, TS: 80 },
  OPS: { O1: 25, O2: 25, O3: 25, O4: 25, O5: 25, O6: 25 },
  WIN: { W1: 15, W2: 15, W3: 15, W4: 15, W5: 15, W6: 15 },
  ECN: { R: 100, DF: 25, T: 15, TG: 15, W: 15, O: 20, CC: 80, Q: 25 },
  T1: { R: 100, DF: 25, T: 15, TG: 15, S: 30, A: 30, F: 40, RD: 20, Q: 25 },
  T: { R: 80, DF: 25, T: 15, TG: 15, W: 20, S: 30, A: 30, F: 40, O: 10, RD: 20, Q: 25 },
  U1: {
    R: 60,
    DF: 25,
    T: 15,
    TG: 15,
    IPL: 80,
    UN: 80,
    RIPL: 80,
    RID: 80,
    RIPCK: 80,
    RUCK: 80,
    RUD: 80,
  },
  IE: { R: 60, DFI: 40, T: 15, TG: 15, CD: 80 },
};

/** One ranked candidate. */
export interface OsMatch {
  name: string;
  /** Percent, 0-100, rounded down; 100 is a perfect match. */
  accuracy: number;
  cpe: string[];
  /** The entry's first (main) class. */
  class: OsClass;
  /** All classes of the entry. */
  classes: OsClass[];
}

/** Options of {@linkcode matchOs}. */
export interface OsMatchOptions {
  /** Leave out candidates below this accuracy. Default 0 (rank everything). */
  minAccuracy?: number;
  /** The floor for reporting guesses (`--osscan-guess`); used by callers. Default 85. */
  guessThreshold?: number;
}

/** Weight of `attribute` on line `line` (T2-T7 share one table); 0 when not weighted. */
export function weightOf(line: string, attribute: string): number {
  const table = WEIGHTS[/^T[2-7]$/.test(line) ? "T" : line];
  return table?.[attribute] ?? 0;
}

const HEX = /^[0-9A-F]+$/i;

/** Does `value` satisfy `expression`? */
export function matchExpression(expression: string, value: string): boolean {
  for (const alt of expression.split("|")) {
    if (alt === value) return true;
    if (alt === "" || value === "") continue;
    const range = alt.match(/^([0-9A-F]+)-([0-9A-F]+)$/i);
    if (range && HEX.test(value)) {
      const v = parseInt(value, 16);
      if (v >= parseInt(range[1], 16) && v <= parseInt(range[2], 16)) return true;
      continue;
    }
    const bound = alt.match(/^([<>])([0-9A-F]+)$/i);
    if (bound && HEX.test(value)) {
      const v = parseInt(value, 16);
      const b = parseInt(bound[2], 16);
      if (bound[1] === ">" ? v > b : v < b) return true;
      continue;
    }
    if (alt.includes("*")) {
      const pattern = alt.split("*").map((s) => s.replace(/[.+?^${}()[\]\\]/g, "\\$&")).join(
        "[0-9A-F]*",
      );
      if (new RegExp(`^${pattern}$`, "i").test(value)) return true;
    }
  }
  return false;
}

/** Scored and possible points of one entry against a fingerprint. */
export function scoreEntry(
  fingerprint: FingerprintLines,
  entry: OsDbEntry,
): { scored: number; possible: number } {
  let scored = 0;
  let possible = 0;
  for (const [line, attrs] of Object.entries(fingerprint)) {
    if (line === "SCAN") continue;
    const ref = entry.tests[line];
    if (!ref) continue;
    const subjectSilent = attrs.R === "N";
    for (const [attr, value] of Object.entries(attrs)) {
      if (subjectSilent && attr !== "R") continue;
      let expr = ref[attr];
      let compared = value;
      // An exact initial TTL can be checked against an entry that only gives the guess.
      if (expr === undefined && attr === "T" && ref.TG !== undefined && HEX.test(value)) {
        expr = ref.TG;
        compared = ttlGuess(parseInt(value, 16));
      }
      if (expr === undefined) continue;
      const w = weightOf(line, attr);
      if (w === 0) continue;
      possible += w;
      if (matchExpression(expr, compared)) scored += w;
    }
  }
  return { scored, possible };
}

/**
 * Rank the database against a fingerprint, best first (ties: more points compared first,
 * then database order, which lists measured entries before public-source ones).
 *
 * @example
 * ```ts
 * import { OS_DB } from "../../../registry/os_db.ts";
 * import { parseFingerprint } from "./fingerprint.ts";
 * matchOs(parseFingerprint("T5(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)"), OS_DB)[0].name;
 * ```
 */
export function matchOs(
  fingerprint: FingerprintLines,
  db: readonly OsDbEntry[],
  options: OsMatchOptions = {},
): OsMatch[] {
  const min = options.minAccuracy ?? 0;
  const ranked: (OsMatch & { possible: number; order: number })[] = [];
  for (const [order, entry] of db.entries()) {
    const { scored, possible } = scoreEntry(fingerprint, entry);
    if (possible === 0) continue;
    const accuracy = Math.floor((scored / possible) * 100);
    if (accuracy < min) continue;
    ranked.push({
      name: entry.name,
      accuracy,
      cpe: [...entry.cpe],
      class: entry.classes[0],
      classes: [...entry.classes],
      possible,
      order,
    });
  }
  ranked.sort((a, b) => b.accuracy - a.accuracy || b.possible - a.possible || a.order - b.order);
  return ranked.map(({ possible: _p, order: _o, ...m }) => m);
}
