/**
 * The raw packet engine: SYN, ACK, FIN, NULL, Xmas, window and UDP scans and nmap's
 * privileged host discovery, through libpcap and raw sockets.
 *
 * @module
 */
import type { ScanEvent } from "../events.ts";
import type { ScanPlan } from "../plan_types.ts";
import { udpPayload } from "../../registry/udp_payloads.ts";
import { pickSourcePort, type RawEngineOptions, runRawEngine } from "./engine.ts";
import { nativeRoute, openNativeTransport } from "./native_transport.ts";

export * from "./types.ts";
export {
  defaultRate,
  pickSourcePort,
  type RawEndpoint,
  type RawEngineOptions,
  type RawRoute,
  runRawEngine,
} from "./engine.ts";
export * from "./technique.ts";
export { nativeRoute, openNativeTransport, replyFilter } from "./native_transport.ts";

/** Options of {@linkcode rawScan} and {@linkcode rawDiscovery}. */
export interface RawScanOptions {
  /** Stops the scan: sending stops, replies in flight are read for a short cooldown. */
  signal?: AbortSignal;
  /** Replace parts of the engine (transport, routes, clocks) — for tests. */
  engine?: Partial<RawEngineOptions>;
}

/**
 * Run a raw scan of `plan` and yield its events (start, host, port, host-done, progress,
 * warning, end), as the connect engine does. Port events are {@linkcode RawPortEvent}s.
 *
 * @example
 * ```ts
 * for await (const e of rawScan(plan)) if (e.type === "port") console.log(e.port, e.state);
 * ```
 */
export function rawScan(plan: ScanPlan, options: RawScanOptions = {}): AsyncIterable<ScanEvent> {
  return stream(plan, options, false);
}

/**
 * nmap's privileged host discovery alone (`-sn`): ICMP echo, SYN to 443, ACK to 80, ICMP
 * timestamp; yields start, host (up or down), progress and end.
 */
export function rawDiscovery(
  plan: ScanPlan,
  options: RawScanOptions = {},
): AsyncIterable<ScanEvent> {
  return stream(plan, options, true);
}

async function* stream(
  plan: ScanPlan,
  options: RawScanOptions,
  discoveryOnly: boolean,
): AsyncGenerator<ScanEvent> {
  const internal = new AbortController();
  const outer = options.signal;
  const onAbort = () => internal.abort();
  if (outer?.aborted) internal.abort();
  outer?.addEventListener("abort", onAbort, { once: true });
  const srcPort = options.engine?.srcPort ??
    pickSourcePort(plan.ports.tcp.concat(plan.ports.udp));
  const queue: ScanEvent[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  const emit = (e: ScanEvent) => {
    queue.push(e);
    const w = wake;
    wake = undefined;
    w?.();
  };
  const running = runRawEngine(plan, emit, {
    route: nativeRoute(),
    openTransport: (endpoints) => openNativeTransport(endpoints, { srcPort }),
    udpPayload,
    ...options.engine,
    srcPort,
    discoveryOnly,
    signal: internal.signal,
  }).catch((e) => (failure = e)).finally(() => {
    finished = true;
    const w = wake;
    wake = undefined;
    w?.();
  });
  try {
    let head = 0;
    while (true) {
      while (head < queue.length) {
        const e = queue[head];
        queue[head++] = undefined as unknown as ScanEvent;
        if (head > 4096 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        yield e;
      }
      if (finished) break;
      await new Promise<void>((r) => (wake = r));
    }
    if (failure !== undefined) throw failure;
  } finally {
    internal.abort();
    await running;
    outer?.removeEventListener("abort", onAbort);
  }
}
