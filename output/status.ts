/**
 * Progress as people read it: the live status line on a terminal, `--stats-every` lines and
 * the line printed when the user presses Enter. Pure formatting over the engine's progress
 * events; `main.ts` decides where and when to print.
 *
 * @module
 */
import type { ProgressEvent } from "../engine/events.ts";

/** The latest progress of a scan, with what the status line needs to estimate the end. */
export class ProgressTracker {
  #startedMs: number;
  #latest?: ProgressEvent;
  #hostsDone = 0;

  /** Start tracking at `startedMs` (a `performance.now()`-style clock). */
  constructor(startedMs: number) {
    this.#startedMs = startedMs;
  }

  /** Record a progress event. */
  update(event: ProgressEvent): void {
    this.#latest = event;
  }

  /** Record that one more host finished. */
  hostDone(): void {
    this.#hostsDone++;
  }

  /** True once any progress has been seen. */
  get started(): boolean {
    return this.#latest !== undefined;
  }

  /**
   * One line: percent done, probes sent, replies, rate, elapsed and time remaining.
   *
   * @example
   * tracker.line(performance.now()); // "Stats: 0:00:04 elapsed; 45.0% done; 30000 probes sent ..."
   */
  line(nowMs: number): string {
    const elapsedMs = Math.max(0, nowMs - this.#startedMs);
    const p = this.#latest;
    if (p === undefined || p.total === 0) {
      return `Stats: ${clock(elapsedMs)} elapsed; starting`;
    }
    const fraction = Math.min(1, p.done / p.total);
    const parts = [
      `Stats: ${clock(elapsedMs)} elapsed`,
      `${(fraction * 100).toFixed(1)}% done (${p.done}/${p.total})`,
      `${p.sent} probes sent`,
    ];
    if (p.replies !== undefined) parts.push(`${p.replies} replies`);
    parts.push(`${Math.round(p.rate)}/s`);
    if (this.#hostsDone > 0) parts.push(`${this.#hostsDone} hosts completed`);
    // Remaining time from the average pace so far: honest for multi-host and sharded scans
    // because `done` and `total` count target x port pairs of this run only.
    if (fraction > 0 && fraction < 1) {
      const remaining = elapsedMs / fraction - elapsedMs;
      parts.push(`ETC ${clock(remaining)} remaining`);
    }
    return parts.join("; ");
  }
}

/** Milliseconds as h:mm:ss. */
export function clock(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}
