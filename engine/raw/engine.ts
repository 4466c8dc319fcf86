/**
 * The raw scan engine over an abstract transport: host discovery, then the port scan, in
 * host groups, with stateless reply validation (technique.ts), retransmission passes and
 * rate control. The I/O lives behind `RawTransport` (native_transport.ts in production, a
 * fake in tests).
 *
 * How a group is scanned:
 * 1. Pass 0 walks target x port in a seeded full-cycle permutation (or, with `-r`, ports
 *    ascending per host with hosts interleaved), sending in paced batches and draining the
 *    capture between batches. State is one byte per (host, port) in a `Uint8Array`; send
 *    times are kept per (host, port) in a `Float64Array` so every answer feeds the RTT
 *    estimator.
 * 2. After a pass the engine waits one RTT timeout (RFC 6298 over measured RTTs, clamped to
 *    the timing plan) past its last send, then retransmits what is still undecided. A
 *    retransmission pass that draws no new answer proves there was no loss: the rest is
 *    silent for real and the scan stops early. One that does draw answers found loss: the
 *    rate halves and another pass follows, up to `maxRetries`.
 * 3. Undecided ports then get the technique's "silence" state (filtered, open|filtered).
 *
 * Per-host fairness: each host has its own RTT estimator (its probes expire, and the pass
 * cooldown is sized, by its own timeout) and a cap on its probes in flight, max(16, window /
 * hosts still scanning). A unit whose host is at its cap is set aside and sent once the host
 * has room, while the walk goes on with other hosts: a slow host never fills the window
 * and holds up a fast one. The group estimator still drives the congestion window.
 *
 * `-sS -sU` (one TCP technique plus UDP) is one walk over host x (TCP ports, then UDP
 * ports). `--shard i/n` keeps the units whose place in the seeded walk over (target index x
 * port index) falls in slice i; hosts with no unit there are not probed at all.
 *
 * On-link IPv4 targets on Ethernet are discovered by ARP, as nmap's -PR does on a LAN: a
 * host that answers is up ("arp-response", with its MAC); no IP discovery probe is sent.
 * On-link IPv6 targets get an ICMPv6 neighbour solicitation instead ("nd-response").
 * `--disable-arp-ping` turns both off.
 */
import type { HostEvent, ScanEvent } from "../events.ts";
import { AddressIndex } from "./address_index.ts";
import type { ScanPlan, Target } from "../plan_types.ts";
import { createPermutation, type Permutation } from "../permutation.ts";
import { RttEstimator } from "../timing.ts";
import { addressToString, parseAddress, ProbeCookie } from "../../packet/mod.ts";
import {
  discoveryProbeCount,
  discoveryProbes,
  interpretDiscoveryReply,
  interpretPortReply,
  linkAnswer,
  portProbe,
  protocolOf,
  type RawScanType,
  silentVerdict,
} from "./technique.ts";
import type { RawPortEvent, RawProbe, RawReply, RawTransport } from "./types.ts";
import { parseDottedQuad } from "./dotted_quad.ts";

/** Where probes to one target leave from. */
export interface RawRoute {
  interface: string;
  source: string;
  linkType?: number;
  /** The target is on a directly attached network (no gateway): ARP or ND can find it. */
  onLink?: boolean;
  /** Our hardware address on `interface`, when it has one. */
  mac?: string;
}

/** One (interface, source) pair a group sends from: what a transport must listen on. */
export interface RawEndpoint extends RawRoute {
  family: 4 | 6;
  /** Some target behind this endpoint is discovered by ARP: capture ARP replies too. */
  arp?: boolean;
}

/** Options of {@linkcode runRawEngine}. */
export interface RawEngineOptions {
  /** Stops sending; the engine waits a short cooldown, then ends with `partial: true`. */
  signal?: AbortSignal;
  /**
   * Back-pressure from whoever reads the events: a promise to await before going on when
   * the reader lags (too many events not yet taken), else undefined. The engine asks at
   * points where it may pause: between batches, and every EMIT_CHECK events of its long
   * emitting loops.
   */
  backpressure?: () => Promise<void> | undefined;
  /** Route lookup for a target address. */
  route: (address: string) => RawRoute;
  /**
   * Route of an IPv4 target given as a number, when known without its text (undefined: ask
   * `route`). Lets a sweep route its targets before making their text.
   */
  routeIPv4?: (value: number) => RawRoute | undefined;
  /** Opens the transport for a group, listening on every endpoint before any probe. */
  openTransport: (endpoints: RawEndpoint[]) => RawTransport;
  /** Our fixed TCP/UDP source port; default a random one outside the scanned ports. */
  srcPort?: number;
  /** Cookie key; default random. */
  cookie?: ProbeCookie;
  /** Starting rate in probes per second; default from the plan (see {@linkcode defaultRate}). */
  rate?: number;
  /** Only discover hosts (for `-sn`): no port scan. */
  discoveryOnly?: boolean;
  /** Treat loopback targets as up without probing (nmap's "localhost-response"); default true. */
  loopbackAlwaysUp?: boolean;
  /** UDP payload for a port (registry/udp_payloads.ts); default none. */
  udpPayload?: (port: number) => Uint8Array | undefined;
  /** Clock for send and reply times (`performance.now` scale). */
  now?: () => number;
  /** Wall clock for event timestamps. */
  wallClock?: () => number;
  /** Largest (hosts x ports) state per group; default 2^22. */
  groupUnits?: number;
  /**
   * ARP discovery of on-link IPv4 targets on Ethernet (nmap's -PR), neighbour discovery of
   * on-link IPv6 ones; default true.
   */
  arp?: boolean;
}

/**
 * Rate ceiling per `-T` level, probes per second, when `--max-rate` is not given: T3
 * 300 000, T4 1 000 000, T5 3 000 000. The pace itself comes from the congestion window
 * (probes in flight, opened by answers, halved on loss), so a fast path is scanned as fast
 * as the replies can be read and a slow one as fast as it answers. T0-T2 are paced by their
 * scan delay instead.
 */
export function defaultRate(level: number): number {
  if (level >= 5) return 3_000_000;
  if (level === 4) return 1_000_000;
  return 300_000;
}

/** The starting rate for a plan with `hosts` hosts in a group. */
export function planRate(plan: ScanPlan, hosts: number): number {
  const t = plan.timing;
  let rate = t.maxRate ?? defaultRate(t.level);
  if (t.maxRate === undefined && t.scanDelayMs > 0) {
    // T0-T2: one probe per host per scan delay, hosts interleaved.
    rate = Math.min(rate, Math.max(1, hosts) * 1000 / t.scanDelayMs);
  }
  if (t.minRate !== undefined) rate = Math.max(rate, t.minRate);
  return Math.max(rate, 0.01);
}

/**
 * Bounds of the congestion window (probes in flight) for a plan: up to the plan's
 * parallelism, starting at a quarter of it; `--min-rate` lifts the cap, since the user
 * asked for a pace regardless of answers.
 */
export function planWindow(plan: ScanPlan): { initial: number; min: number; max: number } {
  const t = plan.timing;
  const max = t.minRate !== undefined ? 1 << 30 : Math.max(1, t.maxParallelism);
  return { initial: Math.max(Math.min(max, BATCH), max / 4), min: Math.min(max, 16), max };
}

const BATCH = 256;
/** A paced scan sends at least this many milliseconds' worth of probes per batch. */
const MIN_BATCH_MS = 2;
/** Fewest probes a host may have in flight, however many hosts share the window. */
export const HOST_MIN_IN_FLIGHT = 16;
/** Ethernet in pcap's link types (DLT_EN10MB). */
const DLT_EN10MB = 1;
const PROGRESS_MS = 1000;
/** How often the capture's drop counter is read during a pass. */
const DROP_CHECK_MS = 20;
/** How long an aborted scan still listens for replies in flight. */
const ABORT_COOLDOWN_MS = 250;
/** Deferred -Pn host events emitted per read of the capture during the first pass. */
const HOST_EVENTS_PER_READ = 1024;
/** The engine asks for back-pressure every this many events of a loop. */
const EMIT_CHECK = 1024;
/** Least time an unanswered probe holds its place in the congestion window. */
const IN_FLIGHT_FLOOR_MS = 10;
/** Up to this many silent units after the first pass are all retransmitted (no sample). */
export const SAMPLE_ALL = 1024;
/** A retransmission sample is one silent unit in this many (at least SAMPLE_ALL units). */
export const SAMPLE_STRIDE = 16;

/**
 * The retransmission policy after a first pass that showed no loss (no capture overrun,
 * no drop in the local stack). Retransmitting every silent unit doubles a sparse sweep's
 * packets (zmap sends one probe per address); sending none misses whatever the path lost.
 * So a sample goes first: every SAMPLE_STRIDE-th silent unit of the walk (a spread over
 * hosts and ports, since the walk is a seeded permutation), at least SAMPLE_ALL. If no
 * unit of the sample answers, the silence is taken as real and the rest is not
 * retransmitted; if any answers, the path loses packets and every silent unit goes again.
 *
 * The trade-off: a loss rate too small for the sample to catch goes undetected. With a
 * fraction `f` of all units answering and loss rate `p`, a lost answer is among the silent
 * units with odds about p * f, so a sample of n catches one with probability
 * 1 - (1 - p * f)^n: for the 65536-address sweep with 1 in 16 answering (n = 3840), 92%
 * at 1% loss, 22% at 0.1% (when a lost answer or two out of 4096 go unnoticed).
 */
export function retransmitSample(silent: readonly number[]): { sample: number[]; rest: number[] } {
  if (silent.length <= SAMPLE_ALL) return { sample: [...silent], rest: [] };
  const size = Math.max(SAMPLE_ALL, Math.ceil(silent.length / SAMPLE_STRIDE));
  const stride = silent.length / size;
  const sample: number[] = [];
  const rest: number[] = [];
  let nextPick = 0;
  for (let j = 0; j < silent.length; j++) {
    if (j >= nextPick && sample.length < size) {
      sample.push(silent[j]);
      nextPick += stride;
    } else rest.push(silent[j]);
  }
  return { sample, rest };
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopbackAddress(address: string): boolean {
  return address === "::1" || /^127\./.test(address);
}

const QUAD = new Uint8Array(4);

/** The textual form decoded packets use for `address`. */
function canonical(address: string): string {
  // Already canonical dotted quads (a sweep's every target) need no round trip.
  if (parseDottedQuad(address, QUAD)) return address;
  const bytes = parseAddress(address);
  return bytes ? addressToString(bytes) : address;
}

/** A source port in 33000..60999 that is not among `avoid` (when one exists). */
export function pickSourcePort(...avoid: (readonly number[])[]): number {
  const taken = new Uint8Array(65536);
  for (const list of avoid) for (let i = 0; i < list.length; i++) taken[list[i] & 0xffff] = 1;
  for (let i = 0; i < 64; i++) {
    const p = 33000 + Math.floor(Math.random() * 28000);
    if (!taken[p]) return p;
  }
  return 33000 + Math.floor(Math.random() * 28000);
}

/** A token bucket whose rate can change (loss backoff). */
class Pacer {
  rate: number;
  #tokens = 1;
  #last: number;
  readonly #now: () => number;

  constructor(rate: number, now: () => number) {
    this.rate = rate;
    this.#now = now;
    this.#last = now();
  }

  /** Probes that may go now (at most `max`), or 0 with the milliseconds to wait. */
  take(max: number): { n: number; waitMs: number } {
    if (this.rate === Infinity) return { n: max, waitMs: 0 };
    const now = this.#now();
    const burst = Math.max(1, Math.min(BATCH * 4, this.rate / 100));
    this.#tokens = Math.min(burst, this.#tokens + (now - this.#last) * this.rate / 1000);
    this.#last = now;
    // Wait for MIN_BATCH_MS worth of tokens (up to `max`): every send call costs a hand-over
    // to another thread, so a paced scan sends batches rather than a probe or two per call.
    const least = Math.max(1, Math.min(max, Math.floor((this.rate * MIN_BATCH_MS) / 1000)));
    if (this.#tokens < least) {
      return { n: 0, waitMs: ((least - this.#tokens) * 1000) / this.rate };
    }
    const n = Math.min(max, Math.floor(this.#tokens));
    this.#tokens -= n;
    return { n, waitMs: 0 };
  }

  /** Give back probes granted by `take` that were not sent. */
  refund(n: number): void {
    if (n > 0 && this.rate !== Infinity) this.#tokens += n;
  }
}

/**
 * The congestion window: how many probes may be in flight (sent, unanswered, younger than
 * one RTT timeout). Answers open it by one each (slow start, as TCP and nmap do), loss
 * halves it. A fast path answers within microseconds, so the window refills as fast as the
 * replies are read and the scan runs at the speed of the machine; a slow or lossy one
 * keeps few probes outstanding. Sends are grouped in batches sharing one send time, so a
 * reply finds its batch by its probe's send time.
 */
class Window {
  cwnd: number;
  readonly max: number;
  readonly min: number;
  inFlight = 0;
  #times: number[] = [];
  #open: number[] = [];
  #head = 0;

  constructor(initial: number, bounds: { min: number; max: number }) {
    this.max = Math.max(1, bounds.max);
    this.min = Math.max(1, Math.min(bounds.min, this.max));
    this.cwnd = Math.max(this.min, Math.min(initial, this.max));
  }

  /** Room for this many more probes now. */
  room(): number {
    return Math.max(0, Math.floor(this.cwnd) - this.inFlight);
  }

  /** Record `count` probes sent at `time`. */
  sent(time: number, count: number): void {
    if (count <= 0) return;
    const last = this.#times.length - 1;
    if (last >= this.#head && this.#times[last] === time) this.#open[last] += count;
    else {
      this.#times.push(time);
      this.#open.push(count);
    }
    this.inFlight += count;
  }

  /** The last `count` probes recorded by `sent` did not go out after all. */
  unsent(count: number): void {
    const last = this.#times.length - 1;
    if (count <= 0 || last < this.#head) return;
    const n = Math.min(count, this.#open[last]);
    this.#open[last] -= n;
    this.inFlight -= n;
  }

  /** A probe sent at `sendTime` was answered. */
  answered(sendTime: number): void {
    if (this.cwnd < this.max) this.cwnd = Math.min(this.max, this.cwnd + 1);
    const times = this.#times;
    let lo = this.#head;
    let hi = times.length - 1;
    // Replies are mostly to recent batches: look at the newest first.
    if (hi >= lo && times[hi] === sendTime) lo = hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < sendTime) lo = mid + 1;
      else hi = mid;
    }
    if (lo <= hi && hi >= this.#head && times[lo] === sendTime && this.#open[lo] > 0) {
      this.#open[lo]--;
      this.inFlight--;
    }
  }

  /** Probes sent before `cutoff` are no longer in flight (their timeout passed). */
  expire(cutoff: number): void {
    const times = this.#times;
    while (this.#head < times.length && times[this.#head] < cutoff) {
      this.inFlight -= this.#open[this.#head];
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#open = this.#open.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Send time of the oldest batch still in flight, or undefined. */
  oldest(): number | undefined {
    return this.#head < this.#times.length ? this.#times[this.#head] : undefined;
  }

  /** Loss: halve the window. */
  loss(): void {
    this.cwnd = Math.max(this.min, this.cwnd / 2);
  }
}

/** One phase of a group: units to probe until decided. */
interface PhaseSpec {
  units: number;
  /** Unit probed at step `i` of pass 0. */
  order: (i: number) => number;
  /** The probe for `unit`, to be sent at `time` (one time per batch). */
  probe: (unit: number, time: number) => RawProbe | undefined;
  decided: (unit: number) => boolean;
  /** Units not decided yet, over the whole phase. */
  undecided: () => number;
  /** Take a reply; returns the send time of the probe it decided, or -1. */
  handle: (reply: RawReply) => number;
  /** Called after every read of the capture (the host timeout's clock). */
  tick?: () => void;
  /** Whether `unit` may go now (its host has room); default always. */
  admit?: (unit: number, time: number) => boolean;
  /** The host (a small integer) `unit` belongs to; needed with `admit`. */
  hostOf?: (unit: number) => number;
  /** How long to wait after a pass for its last answers; default the group RTT timeout. */
  cooldownMs?: () => number;
  /**
   * When the last probe to `unit` went out: the wait after a pass ends one timeout after
   * the last probe to a unit still undecided, not after the pass's last probe. Default: the
   * pass's last probe.
   */
  sentAt?: (unit: number) => number;
}

/**
 * Run `plan` through the raw engine, calling `emit` for every event (start, host, port,
 * host-done, progress, warning, end).
 */
export async function runRawEngine(
  plan: ScanPlan,
  emit: (event: ScanEvent) => void,
  options: RawEngineOptions,
): Promise<void> {
  const scanType = plan.scanType as RawScanType;
  const types = (plan.scanTypes ?? [plan.scanType]) as RawScanType[];
  if (types.includes("connect" as RawScanType)) {
    throw new TypeError("the raw engine does not connect");
  }
  const tcpType = types.find((t) => t !== "udp");
  const withUdp = types.includes("udp");
  const signal = options.signal;
  const now = options.now ?? (() => performance.now());
  const wall = options.wallClock ?? (() => Date.now());
  // One walk over TCP ports then UDP ports: port index pi < PT is TCP.
  const tcpPorts = options.discoveryOnly || !tcpType ? [] : plan.ports.tcp;
  const udpPorts = options.discoveryOnly || !withUdp ? [] : plan.ports.udp;
  const PT = tcpPorts.length;
  const P = PT + udpPorts.length;
  const portAt = (pi: number) => (pi < PT ? tcpPorts[pi] : udpPorts[pi - PT]);
  const srcPort = options.srcPort ?? pickSourcePort(plan.ports.tcp, plan.ports.udp);
  const cookie = options.cookie ?? new ProbeCookie();
  const timing = plan.timing;
  const loopbackUp = options.loopbackAlwaysUp ?? true;
  const tcpIndex = new Int32Array(65536).fill(-1);
  for (let i = 0; i < tcpPorts.length; i++) tcpIndex[tcpPorts[i]] = i;
  const udpIndex = new Int32Array(65536).fill(-1);
  for (let i = 0; i < udpPorts.length; i++) udpIndex[udpPorts[i]] = PT + i;
  // --shard: units are numbered target index x port index (one unit per host for -sn).
  const S = Math.max(1, P);
  const shard: Permutation | undefined = plan.shard
    ? createPermutation(plan.targets.size * S, plan.seed).shard(plan.shard.index, plan.shard.count)
    : undefined;
  const total = shard ? (P === 0 ? 0 : shard.size) : plan.targets.size * P;
  let sent = 0;
  let done = 0;
  let lastProgress = now();
  let rateNow = 0;
  const aborted = () => signal?.aborted === true;
  /** Wait while the event reader lags (see `backpressure`). */
  const readerCatchUp = async () => {
    const lag = options.backpressure?.();
    if (lag) await lag;
  };

  emit({
    type: "start",
    time: wall(),
    scanType: options.discoveryOnly ? "ping" : scanType,
    ports: { tcp: PT, udp: P - PT },
    hosts: plan.targets.size,
  });
  if (plan.fallbackReason) emit({ type: "warning", message: plan.fallbackReason });
  const protocol = protocolOf(scanType);
  const skipped = types.length > 1
    ? 0
    : protocol === "tcp"
    ? plan.ports.udp.length
    : plan.ports.tcp.length;
  if (!options.discoveryOnly && skipped > 0) {
    emit({
      type: "warning",
      message: `this scan type covers ${protocol.toUpperCase()} only; ${skipped} ` +
        `${protocol === "tcp" ? "UDP" : "TCP"} ports skipped`,
    });
  }

  function progress(force = false): void {
    const t = now();
    if (!force && t - lastProgress < PROGRESS_MS) return;
    lastProgress = t;
    emit({ type: "progress", sent, done, total, rate: Math.round(rateNow) });
  }

  const groupUnits = options.groupUnits ?? 1 << 22;
  const perGroup = Math.max(1, Math.min(65536, Math.floor(groupUnits / Math.max(1, P))));
  let groupNo = 0;
  for (let start = 0; start < plan.targets.size && !aborted(); start += perGroup) {
    const end = Math.min(plan.targets.size, start + perGroup);
    await scanGroup({ groupNo: groupNo++, start, end });
  }
  progress(true);
  emit({ type: "end", time: wall(), partial: aborted() });

  async function scanGroup(where: { groupNo: number; start: number; end: number }): Promise<void> {
    const { groupNo, start } = where;
    const H = where.end - start;
    // Targets are made when first needed: the text and objects of a /16's 65536 addresses
    // cost a sweep's start ~70 ms, while most are needed only when their probe goes out,
    // during the paced pass. IPv4 targets are routed and indexed by number (NaN: by text).
    const targets: (Target | undefined)[] = new Array(H);
    const target = (h: number): Target => (targets[h] ??= plan.targets.at(start + h));
    const values = new Float64Array(H).fill(NaN);
    if (plan.targets.ipv4At) {
      for (let h = 0; h < H; h++) values[h] = plan.targets.ipv4At(start + h) ?? NaN;
    }
    const isLoopback = (h: number): boolean =>
      Number.isNaN(values[h])
        ? isLoopbackAddress(canonical(target(h).address))
        : values[h] >>> 24 === 127;
    // Units of each host inside the shard (all of them without --shard).
    const unitsOf = new Int32Array(H).fill(P);
    let member: Uint8Array | undefined;
    const outside = new Uint8Array(H);
    if (shard) {
      member = new Uint8Array(H * S);
      for (let h = 0; h < H; h++) {
        let c = 0;
        const base = (start + h) * S;
        for (let pi = 0; pi < S; pi++) {
          if (shard.indexOf(base + pi) >= 0) {
            member[h * S + pi] = 1;
            c++;
          }
        }
        // -sn: one unit per host says whether the host is ours; it has no ports to count.
        unitsOf[h] = P === 0 ? 0 : c;
        if (c === 0) outside[h] = 1;
      }
    }
    const routes: (RawRoute | undefined)[] = [];
    const endpoints = new Map<string, RawEndpoint>();
    const arpHost = new Uint8Array(H);
    const useArp = (options.arp ?? true) && plan.discovery?.arp !== false;
    // --host-timeout: every host of a group starts together, so they share one deadline.
    const deadline = timing.hostTimeoutMs !== undefined ? now() + timing.hostTimeoutMs : Infinity;
    let lastRoute: RawRoute | undefined;
    let lastKey = "";
    for (let h = 0; h < H; h++) {
      if (plan.skip?.host(target(h).address)) {
        // Finished by the interrupted run this scan resumes: no discovery, no ports.
        routes.push(undefined);
        continue;
      }
      if (outside[h]) {
        routes.push(undefined); // nothing of this host is in our shard: never probed
        continue;
      }
      try {
        const numeric = !Number.isNaN(values[h]);
        const r = (numeric ? options.routeIPv4?.(values[h]) : undefined) ??
          options.route(target(h).address);
        const family = numeric ? 4 : target(h).family;
        routes.push(r);
        // Targets share route objects (native_transport.ts): one endpoint check per route.
        if (r !== lastRoute) {
          lastRoute = r;
          lastKey = `${r.interface}|${r.source}`;
          if (!endpoints.has(lastKey)) endpoints.set(lastKey, { ...r, family });
        }
        const key = lastKey;
        if (
          useArp && !plan.skipDiscovery && r.onLink && r.mac &&
          r.linkType === DLT_EN10MB && !isLoopback(h)
        ) {
          arpHost[h] = 1; // ARP, or ND for IPv6: advertisements come in with the ICMPv6
          if (family === 4) endpoints.get(key)!.arp = true;
        }
      } catch (error) {
        routes.push(undefined);
        emit({
          type: "warning",
          message: `${target(h).address}: ${error instanceof Error ? error.message : error}`,
        });
      }
    }
    const index = new AddressIndex(H);
    for (let h = 0; h < H; h++) {
      if (Number.isNaN(values[h])) index.set(canonical(target(h).address), h);
      else index.setIPv4(values[h], h);
    }
    // Routes are shared between targets (native_transport.ts), so most sources repeat.
    let lastSource = "";
    let lastCanonical = "";
    const sources = routes.map((r) => {
      if (!r) return "";
      if (r.source !== lastSource) {
        lastSource = r.source;
        lastCanonical = canonical(r.source);
      }
      return lastCanonical;
    });

    const transport = options.openTransport([...endpoints.values()]);
    try {
      const pacer = new Pacer(planRate(plan, H), now);
      rateNow = pacer.rate;
      const w = planWindow(plan);
      const window = new Window(w.initial, w);
      const rtt = new RttEstimator(timing);

      // ---- discovery
      const up = new Uint8Array(H);
      const downReason: (string | undefined)[] = new Array(H);
      const hostEvent = (h: number, reason: string, latencyMs?: number, mac?: string) => {
        up[h] = 1;
        const event: HostEvent = { type: "host", address: target(h).address, status: "up", reason };
        if (target(h).hostname !== undefined) event.hostname = target(h).hostname;
        if (latencyMs !== undefined) event.latencyMs = round(latencyMs);
        if (mac !== undefined) event.mac = mac;
        emit(event);
      };
      let probeHosts = 0;
      let probedUp = 0;
      // -Pn: every routed host is up ("user-set"). Their host events go out in target order a
      // chunk at a time while the first pass runs (see `hostsInOrder`), not all before the
      // first probe: a sweep has tens of thousands, and the paced pass has time to spare.
      // Port events wait (in order) until every host event is out, so each still follows its
      // host's event.
      let hostCursor = plan.skipDiscovery && P > 0 && !options.discoveryOnly ? 0 : H;
      for (let h = 0; h < H; h++) {
        if (!routes[h]) continue;
        if (plan.skipDiscovery) {
          if (hostCursor < H) up[h] = 1;
          else hostEvent(h, "user-set");
        } else if (loopbackUp && isLoopback(h)) hostEvent(h, "localhost-response");
        else probeHosts++;
        if (h % EMIT_CHECK === EMIT_CHECK - 1) await readerCatchUp();
      }
      const held: ScanEvent[] = [];
      /** Emit a port or host-done event, or hold it while host events are still to come. */
      const ordered = (event: ScanEvent) => {
        if (hostCursor < H) held.push(event);
        else emit(event);
      };
      /** The next `budget` deferred host events; once all are out, the held events follow. */
      const hostsInOrder = (budget: number) => {
        if (hostCursor >= H) return;
        for (; hostCursor < H && budget > 0; hostCursor++) {
          if (!routes[hostCursor]) continue;
          hostEvent(hostCursor, "user-set");
          budget--;
        }
        if (hostCursor < H) return;
        for (const event of held) emit(event);
        held.length = 0;
      };
      if (probeHosts > 0) {
        // Units per host: the most probes a target gets (ARP hosts use the first one only).
        const K = Math.max(1, discoveryProbeCount(plan.discovery));
        const probeSets: (RawProbe[] | undefined)[] = new Array(H);
        const sendTimes = new Float64Array(H * K);
        await runPasses({
          units: H * K,
          order: (i) => (i % H) * K + Math.floor(i / H),
          decided: (u) => up[Math.floor(u / K)] === 1 || !routes[Math.floor(u / K)],
          undecided: () => probeHosts - probedUp,
          probe: (u, t) => {
            const h = Math.floor(u / K);
            const r = routes[h]!;
            const set = probeSets[h] ??= arpHost[h]
              ? [{
                kind: target(h).family === 4 ? "arp" : "nd",
                family: target(h).family,
                source: r.source,
                destination: target(h).address,
                interface: r.interface,
                sourceMac: r.mac,
              }]
              : discoveryProbes(
                {
                  family: target(h).family,
                  source: r.source,
                  destination: target(h).address,
                  srcPort,
                },
                cookie,
                { probes: plan.discovery, udpPayload: options.udpPayload },
              );
            const p = set[u % K];
            if (p) sendTimes[u] = t;
            return p;
          },
          handle: (reply) => {
            const earliestSend = (h: number) => {
              let earliest = Infinity;
              for (let k = 0; k < K; k++) {
                const t = sendTimes[h * K + k];
                if (t > 0 && t < earliest) earliest = t;
              }
              return earliest;
            };
            const link = linkAnswer(reply);
            if (link) {
              const h = index.get(link.address);
              if (h === undefined || !arpHost[h] || up[h]) return -1;
              if (sources[h] !== link.source) return -1;
              const earliest = earliestSend(h);
              if (earliest === Infinity) return -1; // not asked yet: a stray reply
              const latency = Math.max(0, reply.timeMs - earliest);
              rtt.sample(latency);
              hostEvent(h, link.reason, latency, link.mac);
              probedUp++;
              return earliest;
            }
            if (!reply.packet) return -1;
            const v = interpretDiscoveryReply(reply.packet, { srcPort, cookie });
            if (!v) return -1;
            const h = index.get(v.address);
            // An ARP- or ND-probed host is decided by ARP or ND alone.
            if (h === undefined || up[h] || arpHost[h] || sources[h] !== v.source) return -1;
            if (!v.up) {
              downReason[h] ??= v.reason;
              return -1;
            }
            let latency: number | undefined;
            const earliest = earliestSend(h);
            if (earliest < Infinity) {
              latency = Math.max(0, reply.timeMs - earliest);
              rtt.sample(latency);
            }
            hostEvent(h, v.reason, latency);
            probedUp++;
            return earliest < Infinity ? earliest : -1;
          },
        }, { transport, pacer, rtt, window });
        for (let h = 0; h < H; h++) {
          if (!up[h] && routes[h] && !aborted()) {
            emit({
              type: "host",
              address: target(h).address,
              ...(target(h).hostname !== undefined ? { hostname: target(h).hostname } : {}),
              status: "down",
              reason: downReason[h] ?? "no-response",
            });
          }
        }
      }
      for (let h = 0; h < H; h++) if (!up[h]) done += unitsOf[h];
      if (options.discoveryOnly || P === 0 || aborted()) {
        hostsInOrder(Infinity);
        return;
      }

      // ---- ports
      const live: number[] = [];
      for (let h = 0; h < H; h++) if (up[h]) live.push(h);
      const L = live.length;
      if (L === 0) return;
      const liveIndex = new Int32Array(H).fill(-1);
      live.forEach((h, i) => (liveIndex[h] = i));
      const state = new Uint8Array(L * P);
      const sendTimes = new Float64Array(L * P);
      const remaining = new Int32Array(L);
      for (let l = 0; l < L; l++) remaining[l] = unitsOf[live[l]];
      let decidedUnits = 0;
      if (member) {
        // Units outside our shard count as decided and are never probed nor reported.
        for (let l = 0; l < L; l++) {
          const h = live[l];
          for (let pi = 0; pi < P; pi++) {
            if (member[h * S + pi]) continue;
            state[l * P + pi] = 2;
            decidedUnits++;
          }
        }
      }
      let activeHosts = L;
      const finishHost = (l: number) => {
        activeHosts--;
        ordered({ type: "host-done", address: target(live[l]).address, timedOut: false });
      };
      if (plan.skip) {
        for (let l = 0; l < L; l++) {
          const address = target(live[l]).address;
          for (let pi = 0; pi < P; pi++) {
            if (state[l * P + pi]) continue;
            if (!plan.skip.port(address, pi < PT ? "tcp" : "udp", portAt(pi))) continue;
            state[l * P + pi] = 1;
            decidedUnits++;
            remaining[l]--;
            done++;
          }
          if (remaining[l] === 0) finishHost(l);
        }
      }
      let timedOut = false;
      const hostTimeout = () => {
        if (timedOut || now() < deadline) return;
        timedOut = true;
        // Keep what each host has shown; its undecided ports get no verdict at all.
        for (let l = 0; l < L; l++) {
          if (remaining[l] === 0) continue;
          for (let u = l * P; u < (l + 1) * P; u++) if (!state[u]) state[u] = 2;
          decidedUnits += remaining[l];
          done += remaining[l];
          remaining[l] = 0;
          activeHosts--;
          ordered({ type: "host-done", address: target(live[l]).address, timedOut: true });
        }
      };
      // Per host: probes in flight (a Window used as a counter) and an RTT estimator, both
      // made on first use. A host with no more units than HOST_MIN_IN_FLIGHT can never pass
      // its cap, so a sweep (one port, tens of thousands of hosts) keeps neither; with one
      // port there is no later probe of the host for its estimator to time either.
      const perHostCap = L > 1 && P > HOST_MIN_IN_FLIGHT;
      const hostWindow: (Window | undefined)[] = perHostCap ? new Array(L) : [];
      const hostRtt: (RttEstimator | undefined)[] = P > 1 ? new Array(L) : [];
      const hostTimeoutMs = (l: number) => {
        const r = hostRtt[l];
        return r !== undefined && r.samples > 0 ? r.timeoutMs() : rtt.timeoutMs();
      };
      const hostCap = () =>
        Math.max(HOST_MIN_IN_FLIGHT, Math.floor(window.cwnd / Math.max(1, activeHosts)));
      const perm = plan.sequentialPorts ? undefined : createPermutation(L * P, plan.seed + groupNo);
      const payload = options.udpPayload;
      const check = { srcPort, cookie };
      try {
        await runPasses({
          units: L * P,
          order: perm ? (i) => perm.at(i) : (i) => (i % L) * P + Math.floor(i / L),
          decided: (u) => state[u] !== 0,
          undecided: () => L * P - decidedUnits,
          sentAt: (u) => sendTimes[u],
          hostOf: (u) => Math.floor(u / P),
          admit: perHostCap
            ? (u, t) => {
              const w = hostWindow[Math.floor(u / P)];
              if (w === undefined) return true;
              w.expire(t - hostTimeoutMs(Math.floor(u / P)));
              return w.inFlight < hostCap();
            }
            : undefined,
          cooldownMs: () => {
            let most = rtt.timeoutMs();
            for (let l = 0; l < hostRtt.length; l++) {
              if (remaining[l] > 0 && hostRtt[l] !== undefined) {
                most = Math.max(most, hostTimeoutMs(l));
              }
            }
            return most;
          },
          probe: (u, t) => {
            const l = Math.floor(u / P);
            const h = live[l];
            const pi = u - l * P;
            const udp = pi >= PT;
            const port = udp ? udpPorts[pi - PT] : tcpPorts[pi];
            sendTimes[u] = t;
            if (perHostCap) (hostWindow[l] ??= new Window(1, { min: 1, max: 1 })).sent(t, 1);
            const data = udp ? payload?.(port) : undefined;
            return portProbe(udp ? "udp" : tcpType!, {
              family: target(h).family,
              source: routes[h]!.source,
              destination: target(h).address,
              srcPort,
              dstPort: port,
            }, { cookie, ...(data ? { payload: data } : {}) });
          },
          handle: (reply) => {
            const packet = reply.packet;
            if (!packet) return -1;
            let v = PT > 0 ? interpretPortReply(tcpType!, packet, check) : undefined;
            if (!v && P > PT) v = interpretPortReply("udp", packet, check);
            if (!v) return -1;
            const h = index.get(v.address);
            if (h === undefined || sources[h] !== v.source) return -1;
            const l = liveIndex[h];
            const pi = v.protocol === "udp" ? udpIndex[v.port] : tcpIndex[v.port];
            if (l < 0 || pi < 0) return -1;
            const u = l * P + pi;
            if (state[u]) return -1;
            state[u] = 1;
            decidedUnits++;
            const rttMs = Math.max(0, reply.timeMs - sendTimes[u]);
            rtt.sample(rttMs);
            if (P > 1) (hostRtt[l] ??= new RttEstimator(timing)).sample(rttMs);
            hostWindow[l]?.answered(sendTimes[u]);
            const event: RawPortEvent = {
              type: "port",
              address: target(h).address,
              protocol: v.protocol,
              port: v.port,
              state: v.state,
              reason: v.reason,
              reasonTtl: v.ttl,
              rttMs: round(rttMs),
            };
            if (v.fingerprint) event.fingerprint = v.fingerprint;
            ordered(event);
            done++;
            if (--remaining[l] === 0) finishHost(l);
            return sendTimes[u];
          },
          tick: () => {
            hostTimeout();
            hostsInOrder(HOST_EVENTS_PER_READ);
          },
        }, { transport, pacer, rtt, window });
      } finally {
        // Whatever ended the passes, every host event and held event goes out.
        hostsInOrder(Infinity);
      }
      if (aborted()) return;
      const silentTcp = tcpType ? silentVerdict(tcpType) : undefined;
      const silentUdp = silentVerdict("udp");
      let sinceCheck = 0;
      for (let l = 0; l < L; l++) {
        if (remaining[l] === 0) continue;
        const h = live[l];
        for (let pi = 0; pi < P; pi++) {
          if (state[l * P + pi]) continue;
          state[l * P + pi] = 1;
          if (++sinceCheck >= EMIT_CHECK) {
            sinceCheck = 0;
            await readerCatchUp();
          }
          const silent = pi < PT ? silentTcp! : silentUdp;
          emit({
            type: "port",
            address: target(h).address,
            protocol: pi < PT ? "tcp" : "udp",
            port: portAt(pi),
            state: silent.state,
            reason: silent.reason,
          });
          done++;
        }
        remaining[l] = 0;
        finishHost(l);
        sinceCheck++;
      }
    } finally {
      transport.close();
    }
  }

  /** Send, wait, retransmit: the pass loop shared by discovery and the port scan. */
  async function runPasses(
    spec: PhaseSpec,
    io: { transport: RawTransport; pacer: Pacer; rtt: RttEstimator; window: Window },
  ): Promise<void> {
    const { transport, pacer, rtt, window } = io;
    let lastDropCheck = now();
    const lossCheck = () => {
      const t = now();
      if (t - lastDropCheck < DROP_CHECK_MS) return 0;
      lastDropCheck = t;
      const d = transport.drops?.() ?? 0;
      if (d > 0) window.loss();
      return d;
    };
    let droppedInPass = 0;
    const drain = async (waitMs: number) => {
      const replies = await transport.receive(waitMs);
      for (let k = 0; k < replies.length; k++) {
        const sentAt = spec.handle(replies[k]);
        if (sentAt >= 0) window.answered(sentAt);
      }
      window.expire(now() - horizon());
      droppedInPass += lossCheck();
      spec.tick?.();
    };
    // How long an unanswered probe holds its place in the window: about one measured round
    // trip (srtt + 4 rttvar, at least IN_FLIGHT_FLOOR_MS), not the RTT timeout, which the
    // timing plan clamps to at least 100 ms. A probe to a silent address is answered by no
    // one, and in a sweep 15 of 16 are: held for the timeout, 2048 of them capped the scan
    // at ~20 000 probes/s whatever the rate. Its answer still counts if it comes later; only
    // the wait for late answers (the cooldown) uses the full timeout.
    const horizon = () => {
      const timeout = rtt.timeoutMs();
      const srtt = rtt.srttMs;
      if (srtt === undefined) return timeout;
      return Math.min(timeout, Math.max(IN_FLIGHT_FLOOR_MS, srtt + 4 * rtt.rttvarMs));
    };
    transport.pathDrops?.(); // count from here
    let list: number[] | undefined;
    // Units left out of a sample pass, retransmitted only if the sample shows loss.
    let unsampled: number[] | undefined;
    // Units of the previous pass still within their timeout when this one began: each joins
    // this pass once its timeout has passed, unless its answer came first.
    let latecomers: number[] | undefined;
    let latecomerWait = 0;
    const floor = timing.minRate ?? Math.min(pacer.rate, 100);
    // Two batch arrays: one is built while the other may still be with the kernel.
    const batchA: RawProbe[] = [];
    const batchB: RawProbe[] = [];
    let batch = batchA;
    let pendingSend: { done: Promise<number>; probes: RawProbe[] } | undefined;
    const finishSend = async () => {
      const ps = pendingSend;
      if (!ps) return;
      pendingSend = undefined;
      let offset = await ps.done;
      sent += offset;
      while (offset < ps.probes.length && !aborted()) {
        // The kernel's queue was full (or the rest needs another socket): let it drain while
        // we read replies, then offer the rest.
        await drain(1);
        const n = await transport.sendAsync!(ps.probes.slice(offset));
        offset += n;
        sent += n;
      }
      window.unsent(ps.probes.length - offset);
    };
    try {
      for (let pass = 0; pass <= timing.maxRetries; pass++) {
        let count = list ? list.length : spec.units;
        let i = 0;
        let lastSend = now();
        droppedInPass = 0;
        // Units whose host was at its in-flight cap, queued per host until it has room.
        const deferred: { units: number[]; head: number }[] = [];
        const waiting: number[] = [];
        let deferredCount = 0;
        while ((i < count || deferredCount > 0 || latecomers) && !aborted()) {
          await readerCatchUp();
          if (latecomers && i >= count) {
            // Everything else of this pass went out: take the latecomers whose timeout has
            // passed, or wait for the next one's.
            const cutoff = now() - latecomerWait;
            let kept = 0;
            let earliest = Infinity;
            for (let k = 0; k < latecomers.length; k++) {
              const u = latecomers[k];
              if (spec.decided(u)) continue;
              const at = spec.sentAt!(u);
              if (at <= cutoff) list!.push(u);
              else {
                latecomers[kept++] = u;
                earliest = Math.min(earliest, at);
              }
            }
            latecomers.length = kept;
            if (kept === 0) latecomers = undefined;
            count = list!.length;
            if (i >= count) {
              if (latecomers) {
                await drain(Math.max(0.05, Math.min(50, earliest + latecomerWait - now())));
              }
              continue;
            }
          }
          const room = window.room();
          if (room === 0) {
            // Window full: wait for answers, or for the oldest batch to time out.
            const oldest = window.oldest() ?? now();
            await drain(Math.max(0.05, Math.min(5, oldest + horizon() - now())));
            continue;
          }
          const grant = pacer.take(Math.min(BATCH, room));
          if (grant.n === 0) {
            await drain(Math.max(0, grant.waitMs));
            continue;
          }
          batch.length = 0;
          const t = now();
          if (deferredCount > 0) {
            // Hosts with room again go first, so set-aside units are not starved.
            let kept = 0;
            for (let w = 0; w < waiting.length; w++) {
              const q = deferred[waiting[w]];
              while (q.head < q.units.length && batch.length < grant.n) {
                const u = q.units[q.head];
                if (!spec.decided(u)) {
                  if (!spec.admit!(u, t)) break;
                  const p = spec.probe(u, t);
                  if (p) batch.push(p);
                }
                q.head++;
                deferredCount--;
              }
              if (q.head < q.units.length) waiting[kept++] = waiting[w];
              else {
                q.units = [];
                q.head = 0;
              }
            }
            waiting.length = kept;
          }
          while (batch.length < grant.n && i < count) {
            const u = list ? list[i] : spec.order(i);
            i++;
            if (spec.decided(u)) continue;
            if (spec.admit && !spec.admit(u, t)) {
              const k = spec.hostOf!(u);
              const q = deferred[k] ??= { units: [], head: 0 };
              if (q.head === q.units.length) waiting.push(k);
              q.units.push(u);
              deferredCount++;
              continue;
            }
            const p = spec.probe(u, t);
            if (p) batch.push(p);
          }
          if (batch.length === 0) {
            // Every host with units left is at its cap: wait for answers or expiries.
            pacer.refund(grant.n);
            await drain(1);
            continue;
          }
          pacer.refund(grant.n - batch.length);
          // The batch still with the kernel is finished first: its unsent tail goes out before
          // this one, and the window learns what it did not take.
          await finishSend();
          // Recorded before sending: on loopback the answers come back inside the send.
          window.sent(t, batch.length);
          lastSend = t;
          if (transport.sendAsync) {
            // The kernel takes this batch on another thread while the next one is built and
            // the replies are read: the JS thread does not wait for the kernel's per-packet work.
            pendingSend = { done: transport.sendAsync(batch), probes: batch };
            batch = batch === batchA ? batchB : batchA;
          } else {
            let offset = 0;
            while (offset < batch.length && !aborted()) {
              const n = transport.send(offset === 0 ? batch : batch.slice(offset));
              offset += n;
              sent += n;
              // The kernel's queue is full: let it drain while we read replies.
              if (offset < batch.length) await drain(1);
            }
            window.unsent(batch.length - offset);
          }
          rateNow = pacer.rate;
          await drain(0);
          progress();
        }
        await finishSend();
        let next: number[] = [];
        for (let j = 0; j < count; j++) {
          const u = list ? list[j] : spec.order(j);
          if (!spec.decided(u)) next.push(u);
        }
        const cooldown = spec.cooldownMs?.() ?? rtt.timeoutMs();
        let dropped = 0;
        let pipelined = false;
        if (pass === 0 && !aborted() && next.length > 0 && spec.sentAt) {
          lastDropCheck = -Infinity;
          dropped = droppedInPass + lossCheck() + (transport.pathDrops?.() ?? 0);
          if (dropped === 0 && timing.maxRetries >= 2 && next.length > SAMPLE_ALL) {
            // No sign of loss so far: a sample of the silent units is retransmitted first
            // (see retransmitSample), drawn from those whose timeout has passed, so that it
            // goes out now, while the last probes of this pass are still waited for. An
            // answer to it is loss, and the rest follows.
            const cutoff = now() - cooldown;
            const old: number[] = [];
            const recent: number[] = [];
            for (const u of next) (spec.sentAt(u) <= cutoff ? old : recent).push(u);
            const picked = retransmitSample(old);
            if (picked.sample.length > 0) {
              unsampled = picked.rest.concat(recent);
              list = picked.sample;
              continue;
            }
          } else if (dropped === 0 && pass < timing.maxRetries) {
            pipelined = true;
          }
        }
        if (pipelined) {
          // No sign of loss so far: the silent units whose timeout has passed are retransmitted
          // at once, and the rest as their timeouts pass, instead of all after a cooldown
          // for the last probes of the pass. A silent unit still gets its full timeout
          // before it is probed again.
          const cutoff = now() - cooldown;
          const old: number[] = [];
          const recent: number[] = [];
          for (const u of next) (spec.sentAt!(u) <= cutoff ? old : recent).push(u);
          list = old;
          latecomers = recent.length > 0 ? recent : undefined;
          latecomerWait = cooldown;
          continue;
        }
        // Cooldown: one RTT timeout after the last probe to a unit still undecided (its answer
        // may yet come), cut short once every unit is decided; a unit probed longer ago than
        // that has had its timeout already.
        let unanswered = unsampled ? next.concat(unsampled) : next;
        let abortedAt: number | undefined;
        while (true) {
          unanswered = unanswered.filter((u) => !spec.decided(u));
          if (unanswered.length === 0) break;
          let last = lastSend;
          if (spec.sentAt) {
            last = -Infinity;
            for (let k = 0; k < unanswered.length; k++) {
              last = Math.max(last, spec.sentAt(unanswered[k]));
            }
          }
          let end = last + cooldown;
          if (aborted()) end = Math.min(end, (abortedAt ??= now()) + ABORT_COOLDOWN_MS);
          const wait = end - now();
          if (wait <= 0) break;
          await drain(Math.min(wait, 50));
          progress();
        }
        if (aborted()) return;
        if (spec.undecided() === 0) return;
        next = next.filter((u) => !spec.decided(u));
        const answered = count - next.length;
        lastDropCheck = -Infinity;
        // Loss on our side: the capture overran, or the local stack dropped packets.
        dropped += droppedInPass + lossCheck() + (transport.pathDrops?.() ?? 0);
        if (unsampled) {
          // After a sample, the rest goes out only if the sample showed loss.
          if (answered > 0 || dropped > 0) {
            next = next.concat(unsampled.filter((u) => !spec.decided(u)));
          }
          unsampled = undefined;
        }
        if (next.length === 0) return;
        if (pass > 0 && answered === 0 && dropped === 0) return; // no loss: the rest is silent
        if ((pass > 0 && answered > 0) || dropped > 0) {
          pacer.rate = Math.max(floor, pacer.rate / 2);
          if (pass > 0 && answered > 0) window.loss();
          rateNow = pacer.rate;
        } else if (pass === 0 && next.length > SAMPLE_ALL && timing.maxRetries >= 2) {
          // The first pass showed no loss, and its silent units all went out too recently to
          // sample early: retransmit a sample of them now (see retransmitSample).
          const picked = retransmitSample(next);
          unsampled = picked.rest;
          next = picked.sample;
        }
        list = next;
      }
    } finally {
      // An error or early return must not leave the kernel a batch of a closing transport.
      if (pendingSend) await pendingSend.done.catch(() => 0);
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
