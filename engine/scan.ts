/**
 * Runs a plan with the engine that fits its scan type.
 */
import type { ScanEvent } from "./events.ts";
import type { ScanPlan } from "./plan_types.ts";
import { connectScan } from "./connect.ts";
import { rawScan } from "./raw/mod.ts";
import { RuntimeError } from "../cli/errors.ts";

/** Options for running a plan. */
export interface RunOptions {
  /** Aborting stops sending; the engine still yields what it found and an `end` event. */
  signal?: AbortSignal;
}

/** Run `plan` and yield its events as they happen. */
export function runPlan(plan: ScanPlan, options: RunOptions = {}): AsyncIterable<ScanEvent> {
  switch (plan.scanType) {
    case "connect":
      return connectScan(plan, { signal: options.signal });
    case "syn":
    case "ack":
    case "fin":
    case "null":
    case "xmas":
    case "window":
    case "udp":
      return rawScan(plan, { signal: options.signal });
    default:
      throw new RuntimeError(`no engine for scan type '${plan.scanType}' yet`);
  }
}
