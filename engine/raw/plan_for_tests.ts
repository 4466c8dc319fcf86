/**
 * Build a `ScanPlan` for the raw engine directly (tests and the lab runner), while the
 * command line does not dispatch to it yet.
 */
import { defaultOptions, type Options } from "../../cli/options.ts";
import type { ScanPlan } from "../plan_types.ts";
import { parseTargets } from "../targets.ts";
import { timingPlan } from "../timing.ts";
import type { RawScanType } from "./technique.ts";

/** What {@linkcode rawTestPlan} needs. */
export interface RawTestPlanSpec {
  targets: string[];
  scanType: RawScanType;
  tcp?: number[];
  udp?: number[];
  skipDiscovery?: boolean;
  /** Options overriding the defaults before the timing plan is built (timing, maxRate...). */
  options?: Partial<Options>;
  seed?: number;
  sequentialPorts?: boolean;
  /** Targets are IPv6 (`-6`). */
  ipv6?: boolean;
  /** Every technique, for a TCP technique plus UDP (`-sS -sU`); `scanType` is the TCP one. */
  scanTypes?: RawScanType[];
  /** `--shard index/count`. */
  shard?: { index: number; count: number };
}

/** A plan for `spec`, timing from `-T` and the timing options as the CLI would build it. */
export async function rawTestPlan(spec: RawTestPlanSpec): Promise<ScanPlan> {
  const options = { ...defaultOptions(), ...spec.options };
  return {
    targets: await parseTargets(spec.targets, { ipv6: spec.ipv6 ?? false, exclude: [] }),
    ports: {
      tcp: [...(spec.tcp ?? [])].sort((a, b) => a - b),
      udp: [...(spec.udp ?? [])].sort((a, b) => a - b),
    },
    scanType: spec.scanType,
    ...(spec.scanTypes ? { scanTypes: spec.scanTypes } : {}),
    ...(spec.shard ? { shard: spec.shard } : {}),
    skipDiscovery: spec.skipDiscovery ?? false,
    timing: timingPlan(options),
    seed: spec.seed ?? 1,
    sequentialPorts: spec.sequentialPorts ?? false,
    resolve: "never",
  };
}
