/**
 * Active OS detection (`-O`): probes, derived tests, the fingerprint text and matching
 * against Portolan's own OS database.
 *
 * @module
 */
export {
  collectFingerprint,
  detectOs,
  type DetectOsOptions,
  type OsResult,
  type OsTarget,
  pickMatches,
} from "./detect.ts";
export {
  extractNmapFingerprint,
  type FingerprintLines,
  formatFingerprint,
  parseFingerprint,
  wrapFingerprint,
} from "./fingerprint.ts";
export { matchExpression, matchOs, type OsMatch, type OsMatchOptions, WEIGHTS } from "./match.ts";
export type { TestLine } from "./tests.ts";
