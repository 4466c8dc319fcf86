/**
 * Traceroute as nmap does it after a scan: probes with TTL (hop limit) 1..N leave at
 * once, each router on the way answers its probe with ICMP time exceeded quoting it, and
 * the target answers its own (SYN-ACK or RST to a SYN, echo reply, or port unreachable).
 * Every probe carries its index in a field the quote preserves (TCP/UDP source port, TCP
 * sequence, ICMP echo sequence, IPv4 id), so replies are matched without waiting for one
 * hop before probing the next.
 *
 * @module
 */
import { reverse as dnsReverse } from "node:dns/promises";
import { Capture, RawSocket, routeTo, waitReadable } from "../../native/mod.ts";
import {
  addressBytes,
  addressToString,
  buildIcmpPacket,
  buildTcpSyn,
  buildUdpPacket,
  type DecodedPacket,
  decodeFrame,
  IpProtocol,
  type QuotedPacket,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
} from "../../packet/mod.ts";

/** The probe protocol a trace uses. */
export type TraceProtocol = "tcp" | "udp" | "icmp";

/** What to trace: the address, and the protocol and port that worked in the scan. */
export interface TraceTarget {
  /** IPv4 or IPv6 address (no names: resolve first). */
  address: string;
  /** Destination port for TCP and UDP probes. TCP needs one; UDP defaults to 33434. */
  port?: number;
  /** Default: `tcp` when `port` is given, else `icmp` (echo request). */
  protocol?: TraceProtocol;
}

/** One hop of a trace; an unanswered hop has only its TTL (nmap prints `...`). */
export interface TraceHop {
  ttl: number;
  address?: string;
  /** Reverse DNS name, only with `resolveNames`. */
  hostname?: string;
  /** Round-trip time of the first answer to this TTL, milliseconds. */
  rttMs?: number;
}

/** The result of {@linkcode traceroute}. */
export interface TraceResult {
  /** The target address, in canonical text form. */
  address: string;
  protocol: TraceProtocol;
  /** TCP and UDP traces: the destination port. */
  port?: number;
  /** Hops 1..n, in TTL order, ending at the target when it answered. */
  hops: TraceHop[];
  /** True when the last hop is the target itself. */
  reached: boolean;
}

/** A reply handed back by a {@linkcode TraceTransport}. */
export interface TraceCapture {
  packet: DecodedPacket;
  /** Capture time on the clock `send` returns. */
  timeMs: number;
}

/**
 * How probes leave and replies arrive. The default opens a raw socket and a libpcap
 * capture on the route's interface; tests pass a simulated network instead.
 */
export interface TraceTransport {
  /**
   * Send one whole IP packet (IPv4 or IPv6 header included) with its TTL / hop limit.
   * @returns the send time, on the same clock as {@linkcode TraceCapture.timeMs}.
   */
  send(packet: Uint8Array, info: { ttl: number; destination: string }): number;
  /**
   * Packets captured since the last call, waiting up to `waitMs` for the first. Copies of
   * our own outgoing probes may be included: their capture time refines the send time.
   */
  receive(waitMs: number): Promise<TraceCapture[]>;
  close(): void;
}

/** Options of {@linkcode traceroute}. */
export interface TracerouteOptions {
  /** Abort the trace: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Highest TTL probed; default 30, at most 255. */
  maxHops?: number;
  /** How long one round waits for answers, ms; default 1000. */
  timeoutMs?: number;
  /** Rounds: unanswered hops below the target are probed again; default 2. */
  tries?: number;
  /** Look up hop names by reverse DNS; default false. */
  resolveNames?: boolean;
  /** Reverse lookup; default `node:dns` `reverse`. Each lookup is cut off after 2 s. */
  reverse?: (address: string) => Promise<string[]>;
  /** Replaces the raw socket and capture (tests); `source` is then required. */
  transport?: TraceTransport;
  /** Source address of the probes; default: the kernel's choice for the route. */
  source?: string;
}

/** The UDP port classic traceroute starts at: unlikely to be open. */
const DEFAULT_UDP_PORT = 33434;
const REVERSE_TIMEOUT_MS = 2000;

/** How a reply relates to its probe. */
type Answer = "hop" | "target" | "unreachable";

/** A probe sent, by index. */
interface Sent {
  ttl: number;
  sentAt: number;
  /** True once the capture's copy of the outgoing probe fixed `sentAt`. */
  stamped: boolean;
}

/** The first answer to a TTL. */
interface HopAnswer {
  address: string;
  rttMs: number;
  kind: Answer;
}

/**
 * The identity of every probe of one trace: `index` (0-based, one per packet sent) is
 * carried in the source port (TCP/UDP) or echo sequence (ICMP), and in the IPv4 id.
 */
export interface ProbeKeys {
  family: 4 | 6;
  protocol: TraceProtocol;
  source: string;
  destination: string;
  dstPort: number;
  /** Source port of probe 0; probe i uses basePort + i. */
  basePort: number;
  /** TCP: sequence of probe 0; probe i uses seqBase + i. */
  seqBase: number;
  /** ICMP echo id. */
  icmpId: number;
  /** IPv4 id of probe 0. */
  ipIdBase: number;
}

/** Fresh random keys for a trace of at most `probes` packets. */
export function probeKeys(
  target: { address: string; protocol: TraceProtocol; port: number; source: string },
  probes: number,
): ProbeKeys {
  const r = crypto.getRandomValues(new Uint32Array(4));
  const family = addressBytes(target.address).length === 4 ? 4 : 6;
  return {
    family,
    protocol: target.protocol,
    source: canonical(target.source),
    destination: canonical(target.address),
    dstPort: target.port,
    // Above the usual ephemeral range's start, and room for every probe below 65536.
    basePort: 33_000 + (r[0] % (65_535 - 33_000 - probes)),
    seqBase: r[1],
    icmpId: (r[2] & 0xfffe) + 1,
    ipIdBase: r[3] & 0xffff,
  };
}

/** The packet (IP header included) for probe `index` with TTL `ttl`. */
export function buildProbe(keys: ProbeKeys, probe: { index: number; ttl: number }): Uint8Array {
  const env = {
    src: keys.source,
    dst: keys.destination,
    ttl: probe.ttl,
    ipId: (keys.ipIdBase + probe.index) & 0xffff,
  };
  switch (keys.protocol) {
    case "tcp":
      return buildTcpSyn({
        ...env,
        srcPort: keys.basePort + probe.index,
        dstPort: keys.dstPort,
        seq: (keys.seqBase + probe.index) >>> 0,
        window: 1024,
        options: [{ kind: "mss", value: 1460 }],
      });
    case "udp":
      return buildUdpPacket({
        ...env,
        srcPort: keys.basePort + probe.index,
        dstPort: keys.dstPort,
      });
    case "icmp":
      return buildIcmpPacket({ ...env, id: keys.icmpId, seq: probe.index & 0xffff });
  }
}

/** Which probe a quoted packet is, or undefined when it is none of ours. */
function quotedIndex(keys: ProbeKeys, q: QuotedPacket, count: number): number | undefined {
  if (q.src !== keys.source || q.dst !== keys.destination) return undefined;
  let index: number | undefined;
  switch (keys.protocol) {
    case "tcp":
      if (q.protocol !== IpProtocol.TCP || q.dstPort !== keys.dstPort) return undefined;
      if (q.srcPort === undefined) return undefined;
      index = q.srcPort - keys.basePort;
      // Routers that quote the sequence must quote ours (NATs may rewrite the port only).
      if (q.seq !== undefined && q.seq !== ((keys.seqBase + index) >>> 0)) return undefined;
      break;
    case "udp":
      if (q.protocol !== IpProtocol.UDP || q.dstPort !== keys.dstPort) return undefined;
      if (q.srcPort === undefined) return undefined;
      index = q.srcPort - keys.basePort;
      break;
    case "icmp": {
      const proto = keys.family === 4 ? IpProtocol.ICMP : IpProtocol.ICMPV6;
      if (q.protocol !== proto || q.icmpId !== keys.icmpId || q.icmpSeq === undefined) {
        return undefined;
      }
      index = q.icmpSeq;
      break;
    }
  }
  return index >= 0 && index < count ? index : undefined;
}

/** What a captured packet says about our probes. */
export type Matched =
  | { kind: Answer; index: number; from: string }
  | { kind: "outgoing"; index: number };

/**
 * Match a captured packet to probe `index < count`: a time-exceeded (hop), an answer from
 * the target (target), another ICMP error quoting a probe (unreachable; from the target
 * itself that is an answer too, e.g. UDP port unreachable), or our own outgoing probe.
 */
export function matchPacket(
  keys: ProbeKeys,
  packet: DecodedPacket,
  count: number,
): Matched | undefined {
  const ip = packet.ip;
  const fromTarget = ip.src === keys.destination;
  if (ip.src === keys.source && ip.dst === keys.destination) {
    const out = outgoingIndex(keys, packet, count);
    if (out !== undefined) return { kind: "outgoing", index: out };
  }
  if (ip.dst !== keys.source) return undefined;
  const icmp = packet.icmp ?? packet.icmpv6;
  if (icmp?.quoted) {
    const index = quotedIndex(keys, icmp.quoted, count);
    if (index === undefined) return undefined;
    const exceeded = packet.icmp ? icmp.type === 11 : icmp.type === 3;
    if (exceeded) return { kind: "hop", index, from: ip.src };
    const unreachable = packet.icmp ? icmp.type === 3 : icmp.type === 1;
    if (!unreachable) return undefined;
    return { kind: fromTarget ? "target" : "unreachable", index, from: ip.src };
  }
  if (!fromTarget) return undefined;
  if (keys.protocol === "tcp" && packet.tcp) {
    const t = packet.tcp;
    if (t.srcPort !== keys.dstPort) return undefined;
    const index = t.dstPort - keys.basePort;
    if (index < 0 || index >= count) return undefined;
    const synAck = (t.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
    const rst = (t.flags & TCP_RST) !== 0;
    if (!synAck && !rst) return undefined;
    if (t.ack !== ((keys.seqBase + index + 1) >>> 0)) return undefined;
    return { kind: "target", index, from: ip.src };
  }
  if (keys.protocol === "udp" && packet.udp) {
    const u = packet.udp;
    const index = u.dstPort - keys.basePort;
    if (u.srcPort !== keys.dstPort || index < 0 || index >= count) return undefined;
    return { kind: "target", index, from: ip.src };
  }
  if (keys.protocol === "icmp") {
    const reply = packet.icmp ? packet.icmp.type === 0 : packet.icmpv6?.type === 129;
    const m = packet.icmp ?? packet.icmpv6;
    if (!reply || m?.id !== keys.icmpId || m.seq === undefined || m.seq >= count) {
      return undefined;
    }
    return { kind: "target", index: m.seq, from: ip.src };
  }
  return undefined;
}

function outgoingIndex(keys: ProbeKeys, packet: DecodedPacket, count: number): number | undefined {
  let index: number | undefined;
  if (keys.protocol === "tcp" && packet.tcp?.flags === TCP_SYN) {
    if (packet.tcp.dstPort !== keys.dstPort) return undefined;
    index = packet.tcp.srcPort - keys.basePort;
    if (packet.tcp.seq !== ((keys.seqBase + index) >>> 0)) return undefined;
  } else if (keys.protocol === "udp" && packet.udp) {
    if (packet.udp.dstPort !== keys.dstPort) return undefined;
    index = packet.udp.srcPort - keys.basePort;
  } else if (keys.protocol === "icmp") {
    const m = packet.icmp ?? packet.icmpv6;
    const request = packet.icmp ? m?.type === 8 : m?.type === 128;
    if (!request || m?.id !== keys.icmpId || m.seq === undefined) return undefined;
    index = m.seq;
  }
  return index !== undefined && index >= 0 && index < count ? index : undefined;
}

/**
 * The hops from first answers by TTL: up to the first TTL the target (or an unreachable
 * error) answered; without one, up to the highest TTL that answered at all.
 */
export function assembleHops(
  answers: ReadonlyMap<number, HopAnswer>,
  maxHops: number,
): { hops: TraceHop[]; reached: boolean } {
  let last = 0;
  let reached = false;
  for (let ttl = 1; ttl <= maxHops; ttl++) {
    const a = answers.get(ttl);
    if (!a) continue;
    last = ttl;
    if (a.kind !== "hop") {
      reached = a.kind === "target";
      break;
    }
  }
  const hops: TraceHop[] = [];
  for (let ttl = 1; ttl <= last; ttl++) {
    const a = answers.get(ttl);
    hops.push(a ? { ttl, address: a.address, rttMs: a.rttMs } : { ttl });
  }
  return { hops, reached };
}

/** The first TTL at which the trace ends (target or unreachable), if any answered yet. */
function endTtl(answers: ReadonlyMap<number, HopAnswer>): number | undefined {
  let end: number | undefined;
  for (const [ttl, a] of answers) {
    if (a.kind !== "hop" && (end === undefined || ttl < end)) end = ttl;
  }
  return end;
}

/**
 * Trace the route to `target`: all TTLs 1..maxHops in one burst, then a second round for
 * the hops below the target that stayed silent. Needs raw-socket rights (CAP_NET_RAW)
 * and libpcap unless `options.transport` is given. Loopback targets are one hop.
 *
 * @throws {NativeError} without raw-socket rights or when the capture cannot open.
 * @throws {RuntimeError} when no route leads to the target.
 * @example
 * ```ts
 * const r = await traceroute({ address: "127.0.0.1", port: 22, protocol: "tcp" });
 * // r.hops = [{ ttl: 1, address: "127.0.0.1", rttMs: 0.04 }], r.reached = true
 * ```
 */
export async function traceroute(
  target: TraceTarget,
  options: TracerouteOptions = {},
): Promise<TraceResult> {
  const protocol: TraceProtocol = target.protocol ?? (target.port !== undefined ? "tcp" : "icmp");
  if (protocol === "tcp" && target.port === undefined) {
    throw new TypeError("a TCP traceroute needs a destination port");
  }
  const port = protocol === "icmp" ? 0 : target.port ?? DEFAULT_UDP_PORT;
  const maxHops = Math.min(255, Math.max(1, Math.floor(options.maxHops ?? 30)));
  const tries = Math.min(4, Math.max(1, Math.floor(options.tries ?? 2)));
  const timeoutMs = Math.max(1, options.timeoutMs ?? 1000);
  const signal = options.signal;
  signal?.throwIfAborted();
  const address = canonical(target.address);

  let transport = options.transport;
  let source = options.source;
  if (!transport) {
    const route = routeTo(address);
    source ??= route.source;
    transport = openNativeTraceTransport({ device: route.interface, source, target: address });
  } else if (!source) {
    throw new TypeError("options.source is required with options.transport");
  }

  const count = maxHops * tries;
  const keys = probeKeys({ address, protocol, port, source }, count);
  const sent: Sent[] = [];
  const answers = new Map<number, HopAnswer>();
  try {
    for (let round = 0; round < tries; round++) {
      const end = endTtl(answers);
      const limit = end === undefined ? maxHops : end - 1;
      const ttls: number[] = [];
      for (let ttl = 1; ttl <= limit; ttl++) if (!answers.has(ttl)) ttls.push(ttl);
      if (ttls.length === 0) break;
      for (const ttl of ttls) {
        const index = sent.length;
        const at = transport.send(buildProbe(keys, { index, ttl }), { ttl, destination: address });
        sent.push({ ttl, sentAt: at, stamped: false });
      }
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        signal?.throwIfAborted();
        const left = deadline - performance.now();
        const batch = await transport.receive(Math.max(0, Math.min(left, 50)));
        for (const c of batch) accept(keys, c, { sent, answers });
        if (complete(answers, maxHops) || left <= 0) break;
      }
      if (complete(answers, maxHops)) break;
    }
  } finally {
    transport.close();
  }
  signal?.throwIfAborted();
  const { hops, reached } = assembleHops(answers, maxHops);
  if (options.resolveNames) {
    await resolveHopNames(hops, { reverse: options.reverse ?? dnsReverse, signal });
  }
  const result: TraceResult = { address, protocol, hops, reached };
  if (protocol !== "icmp") result.port = port;
  return result;
}

/** Done when the end is known and every TTL below it answered, or every TTL answered. */
function complete(answers: ReadonlyMap<number, HopAnswer>, maxHops: number): boolean {
  const end = endTtl(answers) ?? maxHops + 1;
  for (let ttl = 1; ttl < end && ttl <= maxHops; ttl++) if (!answers.has(ttl)) return false;
  return end <= maxHops || answers.size >= maxHops;
}

function accept(
  keys: ProbeKeys,
  capture: TraceCapture,
  state: { sent: Sent[]; answers: Map<number, HopAnswer> },
): void {
  const m = matchPacket(keys, capture.packet, state.sent.length);
  if (!m) return;
  const probe = state.sent[m.index];
  if (m.kind === "outgoing") {
    // The capture's own stamp of the probe: same clock as the reply's, no event-loop lag.
    if (!probe.stamped) {
      probe.sentAt = capture.timeMs;
      probe.stamped = true;
    }
    return;
  }
  if (state.answers.has(probe.ttl)) return;
  state.answers.set(probe.ttl, {
    address: m.from,
    rttMs: Math.max(0, capture.timeMs - probe.sentAt),
    kind: m.kind,
  });
}

/** Fill in `hostname` of answered hops (each distinct address looked up once). */
async function resolveHopNames(
  hops: TraceHop[],
  options: { reverse: (address: string) => Promise<string[]>; signal?: AbortSignal },
): Promise<void> {
  const addresses = [...new Set(hops.flatMap((h) => h.address ? [h.address] : []))];
  const names = new Map<string, string>();
  await Promise.all(addresses.map(async (a) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<string[]>((resolve) => {
        timer = setTimeout(() => resolve([]), REVERSE_TIMEOUT_MS);
      });
      const list = await Promise.race([options.reverse(a), timeout]);
      if (list.length > 0 && list[0]) names.set(a, list[0].replace(/\.$/, ""));
    } catch {
      // No PTR record (or no resolver): the hop is shown by address only.
    } finally {
      clearTimeout(timer);
    }
  }));
  options.signal?.throwIfAborted();
  for (const h of hops) {
    const name = h.address ? names.get(h.address) : undefined;
    if (name) h.hostname = name;
  }
}

function canonical(address: string): string {
  return addressToString(addressBytes(address));
}

/**
 * The production transport: one libpcap capture on the route's interface (replies to
 * `source`, and our own probes for exact send stamps) and raw sockets. IPv4 writes the
 * TTL in the header; the kernel writes IPv6 headers, so there is one socket per hop limit.
 *
 * @throws {NativeError} without CAP_NET_RAW or when libpcap cannot open the device.
 */
export function openNativeTraceTransport(
  options: { device: string; source: string; target: string },
): TraceTransport {
  const { device, source, target } = options;
  const capture = Capture.open(device, {
    filter: `(dst host ${source}) or (src host ${source} and dst host ${target})`,
    snaplen: 512,
    bufferSize: 2 << 20,
    immediate: true,
  });
  const origin = wallClockOffset();
  const v6 = addressBytes(target).length === 16;
  const sockets = new Map<string, RawSocket>();
  const close = () => {
    capture.close();
    for (const s of sockets.values()) s.close();
  };
  function socketFor(packet: Uint8Array, ttl: number): RawSocket {
    const key = v6 ? `${packet[6]}|${ttl}` : "4";
    let s = sockets.get(key);
    if (!s) {
      const next = packet[6];
      const protocol = next === IpProtocol.TCP ? "tcp" : next === IpProtocol.UDP ? "udp" : "icmpv6";
      s = v6
        ? RawSocket.open(6, { protocol, source, hopLimit: ttl })
        : RawSocket.open(4, { sendBufferBytes: 1 << 20 });
      sockets.set(key, s);
    }
    return s;
  }
  return {
    send(packet, info) {
      const socket = socketFor(packet, info.ttl);
      const at = origin + performance.now();
      // The IPv6 kernel writes the IP header: hand it the packet from the transport on.
      const bytes = v6 ? packet.subarray(40) : packet;
      // A full queue with a few dozen probes is rare; a lost probe is retried next round.
      socket.send(bytes, info.destination);
      return at;
    },
    async receive(waitMs) {
      let out = drain(capture);
      if (out.length === 0 && waitMs > 0) {
        if (capture.selectableFd >= 0) await waitReadable(capture.selectableFd, waitMs);
        else await new Promise((r) => setTimeout(r, Math.min(waitMs, 5)));
        out = drain(capture);
      }
      return out;
    },
    close,
  };
}

function drain(capture: Capture): TraceCapture[] {
  const out: TraceCapture[] = [];
  for (;;) {
    const batch = capture.readBatch(256);
    for (const frame of batch) {
      const packet = decodeFrame(capture.linkType, frame.bytes);
      if (packet) out.push({ packet, timeMs: frame.timestampUs / 1000 });
    }
    if (batch.length < 256) return out;
  }
}

/**
 * Epoch milliseconds at `performance.now() == 0` to well under a millisecond: pcap stamps
 * with the wall clock, and `Date.now()` alone has whole milliseconds, so meet its next tick.
 */
function wallClockOffset(): number {
  const first = Date.now();
  const deadline = performance.now() + 3;
  let t = Date.now();
  while (t === first && performance.now() < deadline) t = Date.now();
  return t - performance.now();
}
