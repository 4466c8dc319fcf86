/**
 * Portolan as a library: build a plan from nmap-style options and stream its events.
 *
 * @example
 * import { defaultOptions, scan } from "./mod.ts";
 * for await (const event of scan({ ...defaultOptions(), targets: ["127.0.0.1"], ports: "22,80" })) {
 *   if (event.type === "port" && event.state === "open") console.log(event.port);
 * }
 * @module
 */
import type { Options } from "./cli/options.ts";
import type { ScanEvent } from "./engine/events.ts";
import { buildPlan } from "./engine/plan.ts";
import { runPlan } from "./engine/scan.ts";

export type { Options, ScanType } from "./cli/options.ts";
export { defaultOptions } from "./cli/options.ts";
export { RuntimeError, UsageError } from "./cli/errors.ts";
export { parseArgs } from "./cli/args.ts";
export type * from "./engine/events.ts";
export type { PortSet, ScanPlan, Target, TargetSet, TimingPlan } from "./engine/plan_types.ts";
export { buildPlan } from "./engine/plan.ts";
export { runPlan } from "./engine/scan.ts";
export * from "./output/mod.ts";

/** Scan with `options`; events arrive as they happen. Abort with `signal` to stop early. */
export async function* scan(
  options: Options,
  { signal }: { signal?: AbortSignal } = {},
): AsyncIterable<ScanEvent> {
  const plan = await buildPlan(options);
  yield* runPlan(plan, { signal });
}
