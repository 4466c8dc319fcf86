/**
 * Rate control: a limiter that paces probes to `--max-rate` and reports whether the scan is
 * running below `--min-rate`.
 *
 * Pacing uses the generic cell rate algorithm (a token bucket expressed as one "theoretical
 * arrival time"): every `take()` reserves the next slot synchronously, so concurrent callers
 * are served in call order without a queue, and memory stays O(1).
 */

/** Settings for a `RateLimiter`. */
export interface RateLimiterOptions {
  /** Probes per second never to exceed (beyond `burst`); undefined means unlimited. */
  maxRate?: number;
  /** Probes per second the scan should stay above; only reported, see `belowMinRate`. */
  minRate?: number;
  /**
   * How many probes may go back to back before pacing starts. Default: 1/50 of `maxRate`
   * (20 ms worth), at least 1, so any one-second window holds at most `maxRate + burst`.
   */
  burst?: number;
  /** Clock in milliseconds (tests pass a fake one). Default `performance.now`. */
  now?: () => number;
  /** Sleep for the given milliseconds (tests pass a fake one). Default `setTimeout`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Stops pending `take()` waits early (they then resolve, not reject). */
  signal?: AbortSignal;
}

const RESOLVED: Promise<void> = Promise.resolve();
/** Width of each of the two buckets the current rate is estimated from. */
const WINDOW_MS = 1000;

/**
 * Paces probes to a maximum rate and measures the achieved rate.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ maxRate: 100 });
 * for (const port of ports) {
 *   await limiter.take();
 *   probe(port);
 * }
 * ```
 */
export class RateLimiter {
  readonly #interval: number;
  readonly #tolerance: number;
  readonly #minRate: number | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #signal: AbortSignal | undefined;
  readonly #start: number;
  #tat = -Infinity;
  #windowStart: number;
  #current = 0;
  #previous = 0;
  #total = 0;

  /** Create a limiter; with no `maxRate` it never waits. */
  constructor(options: RateLimiterOptions = {}) {
    const maxRate = options.maxRate;
    this.#interval = maxRate !== undefined && maxRate > 0 ? 1000 / maxRate : 0;
    const burst = Math.max(1, Math.floor(options.burst ?? (maxRate ?? 0) / 50));
    this.#tolerance = (burst - 1) * this.#interval;
    this.#minRate = options.minRate;
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? abortableSleep;
    this.#signal = options.signal;
    this.#start = this.#now();
    this.#windowStart = this.#start;
  }

  /** True when `take()` can wait, i.e. a maximum rate is set. */
  get limited(): boolean {
    return this.#interval > 0;
  }

  /** Probes counted so far. */
  get total(): number {
    return this.#total;
  }

  /**
   * Wait for the next sending slot and count one probe. Resolves immediately when
   * unlimited, or when the limiter's signal is aborted.
   */
  take(): Promise<void> {
    const now = this.#now();
    this.#count(now);
    if (this.#interval === 0) return RESOLVED;
    const tat = Math.max(this.#tat, now);
    const wait = tat - this.#tolerance - now;
    this.#tat = tat + this.#interval;
    if (wait <= 0 || this.#signal?.aborted) return RESOLVED;
    return this.#sleep(wait, this.#signal);
  }

  /** Estimated probes per second over roughly the last second. */
  rate(): number {
    const now = this.#now();
    this.#roll(now);
    const elapsed = now - this.#windowStart;
    const sinceStart = now - this.#start;
    if (sinceStart < WINDOW_MS) {
      return sinceStart > 0 ? (this.#current * 1000) / sinceStart : 0;
    }
    // Sliding-window estimate: the part of the previous bucket still inside the window.
    const weight = Math.max(0, 1 - elapsed / WINDOW_MS);
    return this.#previous * weight + this.#current;
  }

  /**
   * True when `--min-rate` is set, the scan has run for at least a second and the achieved
   * rate is below it: the engine then stops holding probes back (e.g. skips scan delay).
   */
  belowMinRate(): boolean {
    if (this.#minRate === undefined) return false;
    if (this.#now() - this.#start < WINDOW_MS) return false;
    return this.rate() < this.#minRate;
  }

  #count(now: number): void {
    this.#roll(now);
    this.#current++;
    this.#total++;
  }

  #roll(now: number): void {
    const elapsed = now - this.#windowStart;
    if (elapsed < WINDOW_MS) return;
    if (elapsed < 2 * WINDOW_MS) {
      this.#previous = this.#current;
      this.#windowStart += WINDOW_MS;
    } else {
      this.#previous = 0;
      this.#windowStart = now;
    }
    this.#current = 0;
  }
}

/** Sleep that resolves early, not rejects, when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return RESOLVED;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
