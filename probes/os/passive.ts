/**
 * Passive OS hints: guess a host's operating system from the SYN-ACKs, RSTs (and, from a
 * capture, SYNs) it sent anyway, without a single extra probe.
 *
 * Each reply is tested against the signatures in `registry/os_passive_data.ts`: initial TTL,
 * DF, IP id, window, option layout and window scale, each with a weight. A signature's fit is
 * the weighted share of its tested criteria that matched (each criterion scored by the share of
 * replies that matched it, a RST counting half); the confidence also accounts for how
 * much of the signature the replies could test at all (a RST shows only TTL, DF and IP id) and
 * for how well the best other family fits (TTL 64 alone cannot tell Linux from FreeBSD).
 */

import type { ReplyFingerprint } from "../../engine/events.ts";
import {
  DEFAULT_PASSIVE_WEIGHTS,
  type InitialTtl,
  PASSIVE_SIGNATURES,
  type PassiveSignature,
  type PassiveWeights,
} from "../../registry/os_passive_data.ts";

/** Which packet a fingerprint was taken from. */
export type SampleKind = "syn" | "syn-ack" | "rst";

/**
 * A fingerprint plus what we know about where it came from. Port events carry a bare
 * {@link ReplyFingerprint}; its kind is then inferred (a window of 0 without options is a RST).
 */
export type PassiveSample = ReplyFingerprint & {
  kind?: SampleKind;
  /** IP version; with 6, DF and IP id are not tested (IPv6 has neither). */
  ipVersion?: 4 | 6;
};

/** The passive verdict for one host. */
export interface PassiveHint {
  family: string;
  versionRange?: string;
  /** CPE 2.3 names. */
  cpe: string[];
  /** 0-100: how well the replies fit, scaled by how much they could show and by ambiguity. */
  confidence: number;
  /** What matched and what did not, for the user to judge. */
  reasons: string[];
  /** Network hops, from the initial TTL. */
  distance: number;
  /** Id of the signature that fits best (registry/os_passive_data.ts). */
  signature: string;
}

/** A signature's fit is below this: no hint. */
export const MIN_FIT = 0.7;

/** How much one reply counts: a RST shows so little that it counts half. */
const SAMPLE_WEIGHT: Record<SampleKind, number> = { "syn": 1, "syn-ack": 1, "rst": 0.5 };

type Criterion = keyof PassiveWeights;

/**
 * The initial TTL a received TTL most likely started from (the next of 32, 64, 128, 255 at or
 * above it) and the hops taken since.
 * @throws {RangeError} when `ttl` is not an integer in 0..255.
 * @example
 * inferInitialTtl(57); // { initial: 64, hops: 7 }
 */
export function inferInitialTtl(ttl: number): { initial: InitialTtl; hops: number } {
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) {
    throw new RangeError(`TTL must be an integer in 0..255, got ${ttl}`);
  }
  const initial: InitialTtl = ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
  return { initial, hops: initial - ttl };
}

/** What kind of packet a sample came from, when the caller did not say. */
export function sampleKind(sample: PassiveSample): SampleKind {
  if (sample.kind) return sample.kind;
  return sample.options === "" && sample.window === 0 ? "rst" : "syn-ack";
}

/** Trailing EOL padding is written once: the packet decoder stops at the first EOL. */
function normaliseLayout(layout: string): string {
  return layout.replace(/(,E)+$/, ",E");
}

/** A layout says something only when the peer offered more than an MSS. */
function layoutInformative(layout: string): boolean {
  return /[WST]/.test(layout);
}

interface Test {
  criterion: Criterion;
  ok: boolean;
  detail: string;
}

/** The tests one sample allows against one signature. */
function testsFor(sig: PassiveSignature, s: PassiveSample): Test[] {
  const c = sig.criteria;
  const kind = sampleKind(s);
  const tests: Test[] = [];
  const { initial } = inferInitialTtl(s.ttl);
  tests.push({
    criterion: "ttl",
    ok: initial === c.initialTtl,
    detail: `initial TTL ${initial} (ttl ${s.ttl})${
      initial === c.initialTtl ? "" : `, ${sig.family} uses ${c.initialTtl}`
    }`,
  });
  const ipv4 = s.ipVersion !== 6;
  if (ipv4 && c.df !== undefined) {
    tests.push({ criterion: "df", ok: s.df === c.df, detail: `DF ${s.df ? "set" : "clear"}` });
  }
  if (ipv4 && c.ipId && kind !== "syn" && s.df) {
    const zero = s.ipId === 0;
    tests.push({
      criterion: "ipId",
      ok: (c.ipId === "zero") === zero,
      detail: `IP id ${zero ? "0" : "non-zero"} with DF`,
    });
  }
  if (kind === "rst") return tests;
  const window = windowTest(c, s);
  if (window) tests.push(window);
  const layout = normaliseLayout(s.options);
  if (c.layouts && layoutInformative(layout)) {
    tests.push({
      criterion: "layout",
      ok: c.layouts.includes(layout),
      detail: `options ${layout}`,
    });
  }
  if (c.windowScales && s.windowScale !== undefined) {
    tests.push({
      criterion: "windowScale",
      ok: c.windowScales.includes(s.windowScale),
      detail: `window scale ${s.windowScale}`,
    });
  }
  return tests;
}

function windowTest(c: PassiveSignature["criteria"], s: PassiveSample): Test | undefined {
  if (c.windows?.includes(s.window)) {
    return { criterion: "window", ok: true, detail: `window ${s.window}` };
  }
  const m = c.windowMssMultiple;
  if (m && s.mss !== undefined && s.mss > 12) {
    for (const seg of [s.mss, s.mss - 12]) {
      const n = s.window / seg;
      if (Number.isInteger(n) && n >= m.min && n <= m.max) {
        return { criterion: "window", ok: true, detail: `window ${s.window} = ${n} x ${seg}` };
      }
    }
  }
  if (!c.windows && !(m && s.mss !== undefined)) return undefined;
  return { criterion: "window", ok: false, detail: `window ${s.window}` };
}

interface Fit {
  sig: PassiveSignature;
  /** Matched / applicable weight, 0..1. */
  fit: number;
  applicable: number;
  /** Share of the signature's defined weight the samples could test, 0..1. */
  coverage: number;
  matched: string[];
  missed: string[];
}

function weightsOf(sig: PassiveSignature): PassiveWeights {
  return { ...DEFAULT_PASSIVE_WEIGHTS, ...sig.weights };
}

function definedCriteria(sig: PassiveSignature): Criterion[] {
  const c = sig.criteria;
  const out: Criterion[] = ["ttl"];
  if (c.df !== undefined) out.push("df");
  if (c.ipId) out.push("ipId");
  if (c.windows || c.windowMssMultiple) out.push("window");
  if (c.layouts) out.push("layout");
  if (c.windowScales) out.push("windowScale");
  return out;
}

function fitOf(sig: PassiveSignature, samples: readonly PassiveSample[]): Fit {
  const w = weightsOf(sig);
  // Per criterion: how many (sample-weighted) replies tested it, and how many matched. Each
  // criterion then counts once: ten SYN-ACKs with the same TTL are one fact, not ten.
  const seen = new Map<Criterion, { tested: number; matched: number }>();
  const good = new Set<string>();
  const bad = new Set<string>();
  for (const s of samples) {
    const sw = SAMPLE_WEIGHT[sampleKind(s)];
    for (const t of testsFor(sig, s)) {
      const tally = seen.get(t.criterion) ?? { tested: 0, matched: 0 };
      tally.tested += sw;
      if (t.ok) tally.matched += sw;
      seen.set(t.criterion, tally);
      (t.ok ? good : bad).add(t.detail);
    }
  }
  let applicable = 0;
  let matched = 0;
  for (const [c, tally] of seen) {
    applicable += w[c];
    matched += (w[c] * tally.matched) / tally.tested;
  }
  const defined = definedCriteria(sig);
  const total = defined.reduce((sum, k) => sum + w[k], 0);
  return {
    sig,
    fit: applicable > 0 ? matched / applicable : 0,
    applicable,
    coverage: total > 0 ? applicable / total : 0,
    matched: [...good],
    missed: [...bad],
  };
}

function better(a: Fit, b: Fit): boolean {
  if (a.fit !== b.fit) return a.fit > b.fit;
  return a.applicable > b.applicable;
}

/** Hops to the host: the fewest seen, since every path adds hops and none removes them. */
function distanceOf(samples: readonly PassiveSample[]): number {
  return Math.min(...samples.map((s) => inferInitialTtl(s.ttl).hops));
}

/**
 * Combine the replies of one host into an OS hint, or `undefined` when no signature fits
 * well enough (fit below {@link MIN_FIT}) or there are no replies.
 *
 * Replies with a TTL outside 0..255 are ignored.
 * @example
 * const fps = events.filter((e) => e.type === "port" && e.address === host && e.fingerprint)
 *   .map((e) => e.fingerprint!);
 * const hint = passiveOsHint(fps); // { family: "Linux", confidence: 63, ... }
 */
export function passiveOsHint(
  fingerprints: readonly PassiveSample[],
  options: { signatures?: readonly PassiveSignature[] } = {},
): PassiveHint | undefined {
  const samples = fingerprints.filter((s) => Number.isInteger(s.ttl) && s.ttl >= 0 && s.ttl <= 255);
  if (samples.length === 0) return undefined;
  const signatures = options.signatures ?? PASSIVE_SIGNATURES;
  const fits = signatures.map((sig) => fitOf(sig, samples));
  let best: Fit | undefined;
  for (const f of fits) if (!best || better(f, best)) best = f;
  if (!best || best.fit < MIN_FIT) return undefined;
  const family = best.sig.family;
  const rival = fits.filter((f) => f.sig.family !== family).reduce((m, f) => Math.max(m, f.fit), 0);
  // A rival family that fits as well halves the confidence; one that fits badly costs little.
  const ambiguity = Math.min(1, rival / best.fit);
  const confidence = Math.round(
    100 * best.fit * (0.35 + 0.65 * best.coverage) * (1 - 0.5 * ambiguity * ambiguity),
  );
  const reasons = [
    ...best.matched,
    ...best.missed.map((d) => `not ${family}-like: ${d}`),
  ];
  if (ambiguity >= 0.8) reasons.push("other families fit almost as well");
  // Versions of one family the replies cannot tell apart: name the family, not a range.
  const twins = fits.filter((f) => f.sig.family === family && f.fit === best.fit);
  const hint: PassiveHint = {
    family,
    cpe: [...new Set(twins.flatMap((f) => f.sig.cpe))],
    confidence,
    reasons,
    distance: distanceOf(samples),
    signature: best.sig.id,
  };
  if (best.sig.versionRange && twins.length === 1) hint.versionRange = best.sig.versionRange;
  return hint;
}

/**
 * One line for normal output: "Linux 3.x-6.x (passive, 63%)".
 */
export function formatPassiveHint(hint: PassiveHint): string {
  const name = hint.versionRange ? `${hint.family} ${hint.versionRange}` : hint.family;
  return `${name} (passive, ${hint.confidence}%)`;
}
