/**
 * The raw packet engine: SYN, ACK, FIN, NULL, Xmas, window and UDP scans and nmap's
 * privileged host discovery, through libpcap and raw sockets.
 *
 * @module
 */
import type { ScanEvent } from "../events.ts";
import type { ScanPlan } from "../plan_types.ts";
import { pickSourcePort, type RawEngineOptions, runRawEngine } from "./engine.ts";
import { nativeRoute, openNativeTransport } from "./native_transport.ts";
import { EventQueue, type EventQueueBounds } from "./event_queue.ts";

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
  /** Bounds of the event queue between the engine and the reader (event_queue.ts). */
  queueBounds?: EventQueueBounds;
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
  return flatten(stream(plan, options, false));
}

/**
 * {@linkcode rawScan}'s events in the batches the engine produced them in: a `-p-` scan or a
 * sweep has one event per port, and an async iteration step per event costs more than the
 * reader's own work on it.
 */
export function rawScanBatches(
  plan: ScanPlan,
  options: RawScanOptions = {},
): AsyncIterable<ScanEvent[]> {
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
  return flatten(stream(plan, options, true));
}

/** {@linkcode rawDiscovery}'s events, in batches (see {@linkcode rawScanBatches}). */
export function rawDiscoveryBatches(
  plan: ScanPlan,
  options: RawScanOptions = {},
): AsyncIterable<ScanEvent[]> {
  return stream(plan, options, true);
}

async function* flatten(batches: AsyncIterable<ScanEvent[]>): AsyncGenerator<ScanEvent> {
  for await (const batch of batches) yield* batch;
}

/** Events per batch at most, so the reader sees progress while a fast engine keeps queueing. */
const MAX_BATCH = 1024;

async function* stream(
  plan: ScanPlan,
  options: RawScanOptions,
  discoveryOnly: boolean,
): AsyncGenerator<ScanEvent[]> {
  const internal = new AbortController();
  const outer = options.signal;
  const onAbort = () => internal.abort();
  if (outer?.aborted) internal.abort();
  outer?.addEventListener("abort", onAbort, { once: true });
  const srcPort = options.engine?.srcPort ??
    pickSourcePort(plan.ports.tcp, plan.ports.udp);
  // UDP payloads load only for scans that send UDP (-sU, -PU).
  const udp = plan.ports.udp.length > 0 || (plan.discovery?.udp.length ?? 0) > 0;
  const udpPayload = udp ? (await import("../../registry/udp_payloads.ts")).udpPayload : undefined;
  const route = nativeRoute();
  const queue = new EventQueue(options.queueBounds);
  const running = runRawEngine(plan, (e) => queue.push(e), {
    route,
    // A test's own route function gets no native shortcut beside it.
    ...(options.engine?.route ? {} : { routeIPv4: route.ipv4 }),
    openTransport: (endpoints) =>
      openNativeTransport(endpoints, {
        srcPort,
        // --min-rate lifts the congestion window's bound on replies in flight.
        ...(plan.timing.minRate !== undefined ? { captureBufferBytes: 16 << 20 } : {}),
      }),
    ...(udpPayload ? { udpPayload } : {}),
    backpressure: () => queue.backpressure(),
    ...options.engine,
    srcPort,
    discoveryOnly,
    signal: internal.signal,
  }).then(() => queue.finish(), (e) => queue.finish(e ?? new Error("raw engine failed")));
  try {
    // Everything queued goes out as one batch: one iteration step per batch, not per event.
    while (!queue.done) {
      const batch: ScanEvent[] = [];
      for (let e = queue.take(); e !== undefined; e = queue.take()) {
        batch.push(e);
        if (batch.length >= MAX_BATCH) break;
      }
      if (batch.length > 0) yield batch;
      else await queue.more();
    }
    queue.rethrow();
  } finally {
    // The reader is gone (or done): the engine must not wait for it any more.
    queue.close();
    internal.abort();
    await running;
    outer?.removeEventListener("abort", onAbort);
  }
}
