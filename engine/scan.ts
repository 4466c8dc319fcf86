/**
 * Runs a plan: the port scan with the engine that fits its scan type, then the phases that
 * build on its results (version detection), as one stream of events.
 */
import type { EndEvent, PortEvent, ReplyFingerprint, ScanEvent } from "./events.ts";
import { passiveOsHint } from "../probes/os/passive.ts";
import type { ScanPlan } from "./plan_types.ts";
import { connectScan } from "./connect.ts";
import { rawScan } from "./raw/mod.ts";
import { detectServices } from "../probes/service/mod.ts";
import type { ServiceTarget } from "../probes/service/mod.ts";

/** Options for running a plan. */
export interface RunOptions {
  /** Aborting stops sending; the engine still yields what it found and an `end` event. */
  signal?: AbortSignal;
}

/** The port-scan phase for the plan's scan type. */
function portScan(plan: ScanPlan, options: RunOptions): AsyncIterable<ScanEvent> {
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
  }
}

/** Ports version detection should look at: open TCP ports, open or possibly open UDP ports. */
function wantsVersion(event: PortEvent): boolean {
  return event.state === "open" || (event.protocol === "udp" && event.state === "open|filtered");
}

/**
 * Run `plan` and yield its events as they happen. The port scan's `end` event is held back
 * until the later phases are done, so the stream always ends with exactly one `end`.
 */
export async function* runPlan(plan: ScanPlan, options: RunOptions = {}): AsyncIterable<ScanEvent> {
  const versionTargets: ServiceTarget[] = [];
  const fingerprints = new Map<string, ReplyFingerprint[]>();
  let end: EndEvent | undefined;
  for await (const event of portScan(plan, options)) {
    if (event.type === "end") {
      end = event;
      continue;
    }
    if (event.type === "port" && event.fingerprint) {
      const list = fingerprints.get(event.address) ?? [];
      // A handful of replies say all a host's stack will say; keep memory flat on -p- scans.
      if (list.length < 32) list.push(event.fingerprint);
      fingerprints.set(event.address, list);
    }
    if (plan.serviceDetection && event.type === "port" && wantsVersion(event)) {
      versionTargets.push({ address: event.address, port: event.port, protocol: event.protocol });
    }
    yield event;
  }
  // Passive OS hints: free, from the SYN-ACKs and RSTs the port scan already received.
  for (const [address, samples] of fingerprints) {
    const hint = passiveOsHint(
      samples.map((f) => ({ ...f, ipVersion: address.includes(":") ? 6 : 4 })),
    );
    if (hint) yield { type: "os", address, passive: hint };
  }
  let partial = end?.partial ?? true;
  if (plan.serviceDetection && versionTargets.length > 0 && !options.signal?.aborted) {
    for await (
      const result of detectServices(versionTargets, {
        intensity: plan.serviceDetection.intensity,
        signal: options.signal,
      })
    ) {
      yield { type: "service", ...result };
    }
    partial ||= options.signal?.aborted ?? false;
  }
  yield { type: "end", time: Date.now(), partial };
}
