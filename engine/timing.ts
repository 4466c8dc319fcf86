/**
 * Timing: the `-T0`..`-T5` templates, the explicit timing options that override them, and
 * the per-host round-trip-time estimator that turns measured RTTs into probe timeouts.
 *
 * The template values follow nmap's documented (man page) semantics; they are facts about
 * the command-line interface, not code.
 */
import type { Options } from "../cli/options.ts";
import { UsageError } from "../cli/errors.ts";
import type { TimingPlan } from "./plan_types.ts";

/** Names of the timing templates, indexed by level. */
export const TIMING_NAMES: readonly string[] = [
  "paranoid",
  "sneaky",
  "polite",
  "normal",
  "aggressive",
  "insane",
];

/** The template half of a timing plan: everything `-T` decides. */
type Template = Omit<TimingPlan, "level" | "minRate" | "maxRate">;

const FIFTEEN_MINUTES = 15 * 60 * 1000;

/**
 * Why the parallelism numbers: T0/T1 serialise (IDS evasion), T2 stays light, T3 keeps
 * about two thousand connects in flight, which is what saturates loopback without piling up
 * descriptors; T4/T5 allow more for fast, reliable networks. The file-descriptor limit caps
 * all of them again at run time (engine/fd_limit.ts).
 */
const TEMPLATES: readonly Template[] = [
  {
    maxRetries: 10,
    initialRttMs: 1000,
    minRttMs: 100,
    maxRttMs: 10_000,
    scanDelayMs: 5 * 60 * 1000,
    maxParallelism: 1,
    hostParallelism: 1,
  },
  {
    maxRetries: 10,
    initialRttMs: 1000,
    minRttMs: 100,
    maxRttMs: 10_000,
    scanDelayMs: 15_000,
    maxParallelism: 1,
    hostParallelism: 1,
  },
  {
    maxRetries: 10,
    initialRttMs: 1000,
    minRttMs: 100,
    maxRttMs: 10_000,
    scanDelayMs: 400,
    maxParallelism: 64,
    hostParallelism: 16,
  },
  {
    maxRetries: 10,
    initialRttMs: 1000,
    minRttMs: 100,
    maxRttMs: 10_000,
    scanDelayMs: 0,
    maxParallelism: 2048,
    hostParallelism: 64,
  },
  {
    maxRetries: 6,
    initialRttMs: 500,
    minRttMs: 100,
    maxRttMs: 1250,
    scanDelayMs: 0,
    maxParallelism: 4096,
    hostParallelism: 128,
  },
  {
    maxRetries: 2,
    initialRttMs: 250,
    minRttMs: 50,
    maxRttMs: 300,
    scanDelayMs: 0,
    maxParallelism: 8192,
    hostParallelism: 256,
    hostTimeoutMs: FIFTEEN_MINUTES,
  },
];

/**
 * Build the timing plan from `-T` and the explicit timing options, which win over the
 * template. Throws `UsageError` for contradictory values (min above max).
 *
 * @example
 * ```ts
 * const t = timingPlan({ ...defaultOptions(), timing: 4, maxRetries: 1 });
 * // t.initialRttMs === 500, t.maxRetries === 1
 * ```
 */
export function timingPlan(options: Options): TimingPlan {
  const level = Math.min(5, Math.max(0, Math.trunc(options.timing ?? 3)));
  const plan: TimingPlan = { level, ...TEMPLATES[level] };

  if (options.maxRetries !== undefined) plan.maxRetries = Math.max(0, options.maxRetries);
  if (options.hostTimeout !== undefined) {
    // nmap treats a zero host timeout as "no timeout".
    plan.hostTimeoutMs = options.hostTimeout > 0 ? options.hostTimeout : undefined;
  }
  if (options.minRate !== undefined) plan.minRate = options.minRate;
  if (options.maxRate !== undefined) plan.maxRate = options.maxRate;
  if (
    plan.minRate !== undefined && plan.maxRate !== undefined && plan.minRate > plan.maxRate
  ) {
    throw new UsageError("--min-rate must not be greater than --max-rate");
  }

  if (options.minRttTimeout !== undefined) plan.minRttMs = options.minRttTimeout;
  if (options.maxRttTimeout !== undefined) plan.maxRttMs = options.maxRttTimeout;
  if (plan.minRttMs > plan.maxRttMs) {
    if (options.minRttTimeout !== undefined && options.maxRttTimeout !== undefined) {
      throw new UsageError("--min-rtt-timeout must not be greater than --max-rtt-timeout");
    }
    // Only one bound was given and it crossed the template's other bound: move that one.
    if (options.minRttTimeout !== undefined) plan.maxRttMs = plan.minRttMs;
    else plan.minRttMs = plan.maxRttMs;
  }
  if (options.initialRttTimeout !== undefined) {
    plan.initialRttMs = options.initialRttTimeout;
    if (plan.initialRttMs < plan.minRttMs) {
      if (options.minRttTimeout !== undefined) {
        throw new UsageError("--initial-rtt-timeout must not be less than --min-rtt-timeout");
      }
      plan.minRttMs = plan.initialRttMs;
    }
    if (plan.initialRttMs > plan.maxRttMs) {
      if (options.maxRttTimeout !== undefined) {
        throw new UsageError(
          "--initial-rtt-timeout must not be greater than --max-rtt-timeout",
        );
      }
      plan.maxRttMs = plan.initialRttMs;
    }
  } else {
    plan.initialRttMs = clamp(plan.initialRttMs, plan.minRttMs, plan.maxRttMs);
  }
  return plan;
}

/** Bounds for an `RttEstimator`, in milliseconds; a `TimingPlan` fits. */
export interface RttBounds {
  initialRttMs: number;
  minRttMs: number;
  maxRttMs: number;
}

/**
 * Round-trip-time estimator after RFC 6298: smoothed RTT and RTT variance, with the
 * retransmission timeout `srtt + 4 * rttvar` clamped to `[minRttMs, maxRttMs]`. Before the
 * first sample the timeout is the initial RTT timeout.
 */
export class RttEstimator {
  #srtt: number | undefined;
  #rttvar = 0;
  #bounds: RttBounds;
  #samples = 0;

  /** Create an estimator with the plan's RTT bounds. */
  constructor(bounds: RttBounds) {
    this.#bounds = {
      initialRttMs: bounds.initialRttMs,
      minRttMs: bounds.minRttMs,
      maxRttMs: bounds.maxRttMs,
    };
  }

  /** Feed one measured round trip, in milliseconds. Negative or NaN samples are ignored. */
  sample(rttMs: number): void {
    if (!(rttMs >= 0)) return;
    this.#samples++;
    if (this.#srtt === undefined) {
      this.#srtt = rttMs;
      this.#rttvar = rttMs / 2;
      return;
    }
    // RFC 6298 section 2.3: update RTTVAR with the old SRTT before updating SRTT.
    this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - rttMs);
    this.#srtt = 0.875 * this.#srtt + 0.125 * rttMs;
  }

  /** Smoothed RTT, or undefined before the first sample. */
  get srttMs(): number | undefined {
    return this.#srtt;
  }

  /** RTT variance estimate (0 before the first sample). */
  get rttvarMs(): number {
    return this.#rttvar;
  }

  /** How many samples were taken. */
  get samples(): number {
    return this.#samples;
  }

  /** The timeout to use for the next probe, milliseconds. */
  timeoutMs(): number {
    const { initialRttMs, minRttMs, maxRttMs } = this.#bounds;
    if (this.#srtt === undefined) return clamp(initialRttMs, minRttMs, maxRttMs);
    return clamp(this.#srtt + 4 * this.#rttvar, minRttMs, maxRttMs);
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
