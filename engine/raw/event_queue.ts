/**
 * The bounded queue between the raw engine (which emits events synchronously, from inside
 * its reply handling) and the async iterator its reader pulls from.
 *
 * The engine cannot wait inside `emit`, so the bound is kept at the engine's pause points:
 * it asks {@linkcode EventQueue.backpressure} between batches and every so many events of
 * its long loops, and waits on the promise it gets while more than `high` events are not
 * yet taken, until the reader is down to `low`. Without a bound, an engine that emits faster
 * than the reader takes (65536 host events at the start of a sweep, or a reader slower than
 * the network) grows the queue without limit; and a reader with a long backlog, which runs
 * in microtasks, starves the engine's sending until the backlog is gone.
 *
 * @module
 */
import type { ScanEvent } from "../events.ts";

/** Bounds of an {@linkcode EventQueue}. */
export interface EventQueueBounds {
  /** Events not yet taken past which the engine waits. */
  high: number;
  /** Events not yet taken at which a waiting engine goes on. */
  low: number;
}

/** Default bounds: a few milliseconds of a reader's work either way. */
export const DEFAULT_QUEUE_BOUNDS: EventQueueBounds = { high: 8192, low: 1024 };

/** A FIFO of events with back-pressure for the writer and an async iterator for the reader. */
export class EventQueue {
  readonly #bounds: EventQueueBounds;
  #items: (ScanEvent | undefined)[] = [];
  #head = 0;
  #wake?: () => void;
  #drained?: () => void;
  #lagging?: Promise<void>;
  #finished = false;
  #closed = false;
  #failure: unknown;
  #failed = false;

  /** An empty queue with `bounds` (default {@linkcode DEFAULT_QUEUE_BOUNDS}). */
  constructor(bounds: EventQueueBounds = DEFAULT_QUEUE_BOUNDS) {
    this.#bounds = { high: Math.max(1, bounds.high), low: Math.max(0, bounds.low) };
  }

  /** Events pushed and not yet taken. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Add an event (never blocks; see {@linkcode backpressure}). */
  push(event: ScanEvent): void {
    this.#items.push(event);
    this.#signal();
  }

  /**
   * A promise to await before pushing more when the reader lags (more than `high` events
   * not taken), else undefined. Resolves once the reader is down to `low`, or has gone.
   */
  backpressure(): Promise<void> | undefined {
    if (this.#closed || this.size <= this.#bounds.high) return undefined;
    return this.#lagging ??= new Promise<void>((r) => (this.#drained = r));
  }

  /** No more events will come; `failure`, when given, is thrown to the reader after the rest. */
  finish(failure?: unknown): void {
    this.#finished = true;
    if (failure !== undefined) {
      this.#failure = failure;
      this.#failed = true;
    }
    this.#signal();
  }

  /** The reader is gone: the writer must not wait for it any more. */
  close(): void {
    this.#closed = true;
    this.#release();
  }

  /** The next event, or undefined when none is waiting. */
  take(): ScanEvent | undefined {
    if (this.#head >= this.#items.length) {
      this.#release();
      return undefined;
    }
    const e = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#drained && this.size <= this.#bounds.low) this.#release();
    return e;
  }

  /** True once {@linkcode finish} was called and every event was taken. */
  get done(): boolean {
    return this.#finished && this.#head >= this.#items.length;
  }

  /** Resolves when an event is pushed or the queue is finished. */
  more(): Promise<void> {
    if (this.#finished || this.size > 0) return Promise.resolve();
    return new Promise<void>((r) => (this.#wake = r));
  }

  /** Throw the failure given to {@linkcode finish}, if any. */
  rethrow(): void {
    if (this.#failed) throw this.#failure;
  }

  #signal(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  #release(): void {
    const d = this.#drained;
    this.#drained = undefined;
    this.#lagging = undefined;
    d?.();
  }
}
