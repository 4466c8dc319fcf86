/**
 * The production transport: libpcap captures (one per interface, filtered to replies
 * addressed to us, open before the first probe leaves) and raw sockets (one IPv4
 * IPPROTO_RAW socket; IPv6 sockets per protocol and source, since the kernel writes the
 * IPv6 header) sending in batches with sendmmsg.
 */
import {
  Capture,
  getInterfaceAddresses,
  longestPrefixMatch,
  type OutgoingPacket,
  parseIPv4Routes,
  RawSocket,
  type RouteEntry,
  type RouteOptions,
  routeTo,
  waitReadable,
} from "../../native/mod.ts";
import {
  addressBytes,
  ArpOp,
  buildIcmpPacket,
  buildTcpPacket,
  buildUdpPacket,
  decodeArp,
  decodeFrame,
  EtherType,
  IpProtocol,
  LinkType,
  parseMac,
  solicitedNodeAddress,
  TCP_SYN,
  type TcpOption,
  writeArp,
  writeEthernet,
  writeIpv6Header,
  writeNeighborDiscovery,
} from "../../packet/mod.ts";
import type { RawEndpoint, RawRoute } from "./engine.ts";
import { parseDottedQuad } from "./dotted_quad.ts";
import type { RawProbe, RawReply, RawTransport } from "./types.ts";

/** Options of {@linkcode openNativeTransport}. */
export interface NativeTransportOptions {
  /** Our TCP/UDP source port: the capture keeps only TCP/UDP replies addressed to it. */
  srcPort: number;
  /**
   * Kernel capture ring per interface, bytes. Default 2 MiB (libpcap's own default): the
   * congestion window bounds the replies in flight (8192 probes at -T5, a few hundred bytes
   * of ring each) below that, and every page of a bigger ring is memory the scan touches
   * (on a virtual machine each first touch is a page fault of ~10 us). A scan with
   * `--min-rate` has no window bound and asks for more.
   */
  captureBufferBytes?: number;
}

/**
 * The capture filter for replies to `sources` on port `srcPort` (plus any ICMP and ICMPv6,
 * which takes in the neighbour advertisements that answer ND probes), and ARP replies when
 * `arp` is set.
 */
export function replyFilter(
  sources: readonly string[],
  srcPort: number,
  options: { arp?: boolean } = {},
): string {
  const hosts = sources.map((s) => `dst host ${s}`).join(" or ");
  const ip =
    `(${hosts}) and ((tcp dst port ${srcPort}) or (udp dst port ${srcPort}) or icmp or icmp6)`;
  // arp[6:2] is the operation: 2 = reply.
  return options.arp ? `(${ip}) or (arp and arp[6:2] = 2)` : ip;
}

/** A broadcast Ethernet frame carrying an ARP request for `p.destination` (60 bytes, padded). */
export function arpRequestFrame(p: RawProbe): Uint8Array {
  const mac = parseMac(p.sourceMac ?? "");
  if (!mac) throw new TypeError(`ARP probe without a valid source MAC: ${p.sourceMac}`);
  const frame = new Uint8Array(60);
  frame.fill(0xff, 0, 6);
  frame.set(mac, 6);
  frame[12] = EtherType.ARP >> 8;
  frame[13] = EtherType.ARP & 0xff;
  writeArp(frame, {
    op: ArpOp.REQUEST,
    senderMac: mac,
    senderIp: p.source,
    targetIp: p.destination,
  }, {
    offset: 14,
  });
  return frame;
}

/**
 * An Ethernet frame carrying an ICMPv6 neighbour solicitation for `p.destination` (86 bytes):
 * to its solicited-node multicast group (RFC 4861 section 7.2.2; Ethernet 33:33 + the group's
 * last four bytes, RFC 2464), from `p.source` with our MAC in the source link-layer option
 * so the target can answer without asking back, hop limit 255 as the target requires.
 */
export function ndSolicitationFrame(p: RawProbe): Uint8Array {
  const mac = parseMac(p.sourceMac ?? "");
  if (!mac) throw new TypeError(`ND probe without a valid source MAC: ${p.sourceMac}`);
  const group = solicitedNodeAddress(p.destination);
  const frame = new Uint8Array(14 + 40 + 32);
  const dst = new Uint8Array([0x33, 0x33, group[12], group[13], group[14], group[15]]);
  writeEthernet(frame, { dst, src: mac, etherType: EtherType.IPV6 });
  writeIpv6Header(frame, {
    src: p.source,
    dst: group,
    nextHeader: IpProtocol.ICMPV6,
    payloadLength: 32,
    hopLimit: 255,
  }, { offset: 14 });
  writeNeighborDiscovery(frame, { target: p.destination, mac }, {
    offset: 54,
    src: p.source,
    dst: group,
  });
  return frame;
}

/** Probes that are whole frames, injected through the capture handle. */
function injected(p: RawProbe): boolean {
  return p.kind === "arp" || p.kind === "nd";
}

/**
 * SYN probes offer what a Linux client offers (MSS, SACK permitted, timestamps, window
 * scale, in Linux's order and with its window): the SYN-ACK then shows which of them the
 * target's stack takes up, which is what the passive OS hint reads. Port states do not
 * depend on them. The timestamp value is fixed per flow template; nothing echoes it back
 * to us in a way we use.
 */
export const SYN_OPTIONS: readonly TcpOption[] = [
  { kind: "mss", value: 1460 },
  { kind: "sackPermitted" },
  { kind: "timestamp", value: 0, echo: 0 },
  { kind: "nop" },
  { kind: "wscale", shift: 7 },
];
/** Linux's initial receive window for a 1460-byte MSS. */
const SYN_WINDOW = 64240;

/**
 * Open captures on every endpoint's interface and the raw sockets to send with.
 *
 * @throws {NativeError} without CAP_NET_RAW or when libpcap cannot open a device.
 */
export function openNativeTransport(
  endpoints: readonly RawEndpoint[],
  options: NativeTransportOptions,
): RawTransport {
  const byInterface = new Map<string, string[]>();
  const arpOn = new Set<string>();
  for (const e of endpoints) {
    const list = byInterface.get(e.interface) ?? [];
    if (!list.includes(e.source)) list.push(e.source);
    byInterface.set(e.interface, list);
    if (e.arp) arpOn.add(e.interface);
  }
  const captures: Capture[] = [];
  const captureOf = new Map<string, Capture>();
  const sockets = new Map<string, RawSocket>();
  const close = () => {
    for (const c of captures) c.close();
    for (const s of sockets.values()) s.close();
  };
  try {
    for (const [device, sources] of byInterface) {
      const capture = Capture.open(device, {
        filter: replyFilter(sources, options.srcPort, { arp: arpOn.has(device) }),
        bufferSize: options.captureBufferBytes ?? 2 << 20,
        immediate: true,
        snaplen: 512,
        // Replies only: the kernel need not copy every probe we send to the capture.
        incomingOnly: true,
      });
      captures.push(capture);
      captureOf.set(device, capture);
    }
    if (endpoints.some((e) => e.family === 4)) {
      sockets.set("4", RawSocket.open(4, { sendBufferBytes: 4 << 20 }));
    }
  } catch (error) {
    close();
    throw error;
  }
  const lastDrops = captures.map(() => 0);
  const interfaces = [...byInterface.keys()];
  let lastPathDrops = localDrops(interfaces);
  const origin = wallClockOffset();
  const addrCache = new Map<string, Uint8Array>();
  const bytesOf = (a: string) => {
    let b = addrCache.get(a);
    if (!b) {
      b = addressBytes(a);
      if (addrCache.size > 4096) addrCache.clear();
      addrCache.set(a, b);
    }
    return b;
  };

  /** The IPv6 raw socket protocol that sends `p` (the kernel writes the IPv6 header). */
  const protocol6 = (p: RawProbe) => p.kind === "tcp" ? "tcp" : p.kind === "udp" ? "udp" : "icmpv6";

  /** Which socket sends `p`: one for all IPv4, one per IPv6 protocol and source. */
  function socketKey(p: RawProbe): string {
    return p.family === 4 ? "4" : `${protocol6(p)}|${p.source}`;
  }

  function socketFor(p: RawProbe, key: string = socketKey(p)): RawSocket {
    let s = sockets.get(key);
    if (!s) {
      s = RawSocket.open(6, { protocol: protocol6(p), source: p.source, sendBufferBytes: 4 << 20 });
      sockets.set(key, s);
    }
    return s;
  }

  const buildTcp = tcpProbeBuilder();

  function build(p: RawProbe): Uint8Array {
    if (p.kind === "tcp") return buildTcp(p);
    const env = { src: bytesOf(p.source), dst: bytesOf(p.destination), ttl: 64 };
    let bytes: Uint8Array;
    switch (p.kind) {
      case "udp":
        bytes = buildUdpPacket({
          ...env,
          srcPort: p.srcPort!,
          dstPort: p.dstPort!,
          ...(p.payload ? { payload: p.payload } : {}),
        });
        break;
      case "icmp-echo":
        bytes = buildIcmpPacket({ ...env, id: p.icmpId ?? 0, seq: p.icmpSeq ?? 0 });
        break;
      case "icmp-timestamp":
        bytes = buildIcmpPacket({
          ...env,
          type: 13,
          id: p.icmpId ?? 0,
          seq: p.icmpSeq ?? 0,
          timestamps: { originate: Date.now() % 86_400_000 },
        });
        break;
      case "icmp-mask":
        // RFC 950 address mask request: id, sequence, then a zero mask.
        bytes = buildIcmpPacket({
          ...env,
          type: 17,
          id: p.icmpId ?? 0,
          seq: p.icmpSeq ?? 0,
          payload: new Uint8Array(4),
        });
        break;
      case "arp":
      case "nd":
        throw new TypeError("ARP and ND probes are injected, not sent on a raw socket");
    }
    // IPv6 raw sockets take the packet from the transport header on.
    return p.family === 6 ? bytes.subarray(40) : bytes;
  }

  // IPv4 packets are routed by their header's destination: no address text to parse.
  const outgoing = (p: RawProbe): OutgoingPacket =>
    p.family === 4 ? { bytes: build(p) } : { bytes: build(p), destination: p.destination };

  /** ARP requests and ND solicitations leave through their interface's capture (pcap_inject). */
  function inject(p: RawProbe): void {
    const capture = captureOf.get(p.interface ?? "");
    if (!capture) throw new TypeError(`no capture open on ${p.interface} for an ${p.kind} probe`);
    capture.inject(p.kind === "nd" ? ndSolicitationFrame(p) : arpRequestFrame(p));
  }

  return {
    send(probes: readonly RawProbe[]): number {
      let done = 0;
      while (done < probes.length) {
        if (injected(probes[done])) {
          inject(probes[done++]);
          continue;
        }
        const key = socketKey(probes[done]);
        const run: OutgoingPacket[] = [];
        let j = done;
        for (; j < probes.length; j++) {
          if (injected(probes[j]) || socketKey(probes[j]) !== key) break;
          run.push(outgoing(probes[j]));
        }
        const n = socketFor(probes[done], key).sendBatch(run);
        done += n;
        if (n < run.length) break;
      }
      return done;
    },
    async sendAsync(probes: readonly RawProbe[]): Promise<number> {
      if (probes.length === 0) return 0;
      if (injected(probes[0])) {
        let n = 0;
        while (n < probes.length && injected(probes[n])) inject(probes[n++]);
        return n;
      }
      const key = socketKey(probes[0]);
      const run: OutgoingPacket[] = [];
      for (let j = 0; j < probes.length; j++) {
        if (injected(probes[j]) || socketKey(probes[j]) !== key) break;
        run.push(outgoing(probes[j]));
      }
      // The rest (another socket) goes on the next call: fewer taken is allowed.
      return await socketFor(probes[0], key).sendBatchAsync(run);
    },
    async receive(waitMs: number): Promise<RawReply[]> {
      const out = readAll(captures, origin);
      if (out.length > 0 || waitMs <= 0) return out;
      if (captures.length === 1 && captures[0].selectableFd >= 0) {
        await waitReadable(captures[0].selectableFd, waitMs);
      } else {
        await new Promise((r) => setTimeout(r, Math.min(waitMs, 2)));
      }
      return readAll(captures, origin);
    },
    pathDrops(): number {
      const total = localDrops(interfaces);
      const d = Math.max(0, total - lastPathDrops);
      lastPathDrops = total;
      return d;
    },
    drops(): number {
      let sum = 0;
      captures.forEach((c, i) => {
        const d = c.stats().dropped;
        sum += d - lastDrops[i];
        lastDrops[i] = d;
      });
      return sum;
    },
    close,
  };
}

/** Bytes of each slab TCP probes are cut from. */
const SLAB_BYTES = 64 << 10;

/**
 * Builds TCP probes (IPv4: the whole packet; IPv6: from the TCP header on, as raw IPv6
 * sockets take them), checksums included.
 */
export function tcpProbeBuilder(): (p: RawProbe) => Uint8Array {
  // TCP probes from one source differ only in destination, port, seq and ack: patch a
  // template per (source, flags) and adjust its checksums instead of building each packet
  // from scratch (the sender's hot path; a sweep has a new destination on every probe).
  const templates = new Map<string, TcpTemplate>();
  const addresses = new Map<string, Uint8Array>();
  const bytesOf = (a: string) => {
    let b = addresses.get(a);
    if (!b) {
      b = addressBytes(a);
      if (addresses.size > 4096) addresses.clear();
      addresses.set(a, b);
    }
    return b;
  };
  // The last template used: a scan sends from one source with one set of flags.
  let last:
    | { family: number; source: string; flags: number | undefined; t: TcpTemplate }
    | undefined;
  // Packets are cut from a shared slab, never reused: one buffer per thousand probes, not one
  // each (the bytes are copied into the send arena before the next batch is built).
  let slab = new Uint8Array(0);
  let slabUsed = 0;
  return (p) => {
    let t: TcpTemplate;
    if (last && last.source === p.source && last.flags === p.flags && last.family === p.family) {
      t = last.t;
    } else {
      const key = `${p.family}|${p.source}|${p.flags}`;
      let found = templates.get(key);
      if (!found) {
        if (templates.size > 4096) templates.clear();
        found = tcpTemplate(p, bytesOf(p.source));
        templates.set(key, found);
      }
      t = found;
      last = { family: p.family, source: p.source, flags: p.flags, t };
    }
    const size = t.bytes.length;
    if (slabUsed + size > slab.length) {
      slab = new Uint8Array(Math.max(SLAB_BYTES, size));
      slabUsed = 0;
    }
    const out = slab.subarray(slabUsed, slabUsed + size);
    slabUsed += (size + 7) & ~7;
    out.set(t.bytes);
    const o = t.tcpOffset;
    // The destination: IPv4 header bytes 16-19, IPv6 header bytes 24-39.
    const d = p.family === 4 ? 16 : 24;
    if (p.family !== 4 || !parseDottedQuad(p.destination, out, d)) {
      out.set(bytesOf(p.destination), d);
    }
    let dstSum = 0;
    for (let k = d; k < d + (p.family === 4 ? 4 : 16); k += 2) dstSum += (out[k] << 8) | out[k + 1];
    const port = p.dstPort!;
    const seq = p.seq! >>> 0;
    const ack = (p.ack ?? 0) >>> 0;
    out[o + 2] = port >> 8;
    out[o + 3] = port & 0xff;
    out[o + 4] = seq >>> 24;
    out[o + 5] = (seq >>> 16) & 0xff;
    out[o + 6] = (seq >>> 8) & 0xff;
    out[o + 7] = seq & 0xff;
    out[o + 8] = ack >>> 24;
    out[o + 9] = (ack >>> 16) & 0xff;
    out[o + 10] = (ack >>> 8) & 0xff;
    out[o + 11] = ack & 0xff;
    let sum = t.baseSum + dstSum + port + (seq >>> 16) + (seq & 0xffff) + (ack >>> 16) +
      (ack & 0xffff);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const check = ~sum & 0xffff;
    out[o + 16] = check >> 8;
    out[o + 17] = check & 0xff;
    if (p.family === 6) return out.subarray(40);
    let ipSum = t.ipBaseSum + dstSum;
    while (ipSum > 0xffff) ipSum = (ipSum & 0xffff) + (ipSum >>> 16);
    const ipCheck = ~ipSum & 0xffff;
    out[10] = ipCheck >> 8;
    out[11] = ipCheck & 0xff;
    return out;
  };
}

/**
 * Drops counted by the local stack: the interfaces' receive and transmit drop counters
 * (sysfs), plus the input backlog overflows of every CPU (/proc/net/softnet_stat, second
 * column: not per namespace, so other traffic on the machine counts too, which can only
 * make the engine retransmit more, never less).
 */
export function localDrops(interfaces: readonly string[]): number {
  let sum = 0;
  for (const name of interfaces) {
    for (const counter of ["rx_dropped", "tx_dropped"]) {
      const n = parseInt(readText(`/sys/class/net/${name}/statistics/${counter}`), 10);
      if (Number.isFinite(n)) sum += n;
    }
  }
  for (const line of readText("/proc/net/softnet_stat").split("\n")) {
    const n = parseInt(line.trim().split(/\s+/)[1] ?? "", 16);
    if (Number.isFinite(n)) sum += n;
  }
  return sum;
}

/**
 * Epoch milliseconds at `performance.now() == 0`, to sub-millisecond precision: pcap stamps
 * replies with the wall clock, the engine stamps sends with `performance.now()`, and
 * `Date.now()` alone is only whole milliseconds, so wait for its next tick.
 */
function wallClockOffset(): number {
  const first = Date.now();
  const deadline = performance.now() + 3;
  let t = Date.now();
  while (t === first && performance.now() < deadline) t = Date.now();
  return t - performance.now();
}

/**
 * A TCP probe with zero destination address, port, seq and ack, and the checksum sums
 * without them.
 */
interface TcpTemplate {
  bytes: Uint8Array;
  tcpOffset: number;
  /** Ones-complement sum of pseudo-header and segment, varying fields zero, not inverted. */
  baseSum: number;
  /** IPv4: the same for the IP header (whose checksum covers the destination too). */
  ipBaseSum: number;
}

function tcpTemplate(p: RawProbe, src: Uint8Array): TcpTemplate {
  const bytes = buildTcpPacket({
    src,
    dst: new Uint8Array(src.length),
    ttl: 64,
    srcPort: p.srcPort!,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: p.flags ?? 0,
    window: p.flags === TCP_SYN ? SYN_WINDOW : 1024,
    ...(p.flags === TCP_SYN ? { options: synOptions() } : {}),
  });
  const tcpOffset = p.family === 6 ? 40 : (bytes[0] & 0x0f) * 4;
  // The built checksums are ~sum: undo the inversion to get the sums the patches add to.
  const check = (bytes[tcpOffset + 16] << 8) | bytes[tcpOffset + 17];
  const ipCheck = p.family === 6 ? 0xffff : (bytes[10] << 8) | bytes[11];
  return { bytes, tcpOffset, baseSum: ~check & 0xffff, ipBaseSum: ~ipCheck & 0xffff };
}

/** {@linkcode SYN_OPTIONS} with a timestamp value from the clock, as a live stack sends. */
function synOptions(): TcpOption[] {
  const value = Math.floor(performance.timeOrigin + performance.now()) >>> 0;
  return SYN_OPTIONS.map((o) => (o.kind === "timestamp" ? { ...o, value } : o));
}

function readAll(captures: readonly Capture[], origin: number): RawReply[] {
  const out: RawReply[] = [];
  for (const cap of captures) {
    const link = cap.linkType;
    for (;;) {
      const batch = cap.readBatch(1024);
      for (const frame of batch) {
        const bytes = frame.bytes;
        const timeMs = frame.timestampUs / 1000 - origin;
        if (
          link === LinkType.EN10MB && bytes.length >= 42 &&
          ((bytes[12] << 8) | bytes[13]) === EtherType.ARP
        ) {
          const arp = decodeArp(bytes, 14);
          if (arp) out.push({ arp, bytes, timeMs });
          continue;
        }
        const packet = decodeFrame(link, bytes);
        if (packet) out.push({ packet, bytes, timeMs });
      }
      if (batch.length < 1024) break;
    }
  }
  return out;
}

/**
 * Routes through the kernel's tables (native/routes.ts), with the interface list and the
 * route tables read once per scan rather than once per target. An IPv4 target that is not
 * local shares its answer with every target matching the same row of the main table: one
 * kernel source lookup (a socket, connect, getsockname) per row instead of per target, which
 * is what a sweep of 65536 addresses spent most of its set-up on. On-link rows on an
 * interface with several IPv4 addresses are looked up per target, since the kernel's source
 * choice there depends on which address's subnet holds the target.
 */
export function nativeRoute(): NativeRoute {
  let cache: RouteOptions | undefined;
  let table4: RouteEntry[] | undefined;
  let local: Set<number> | undefined;
  let v4Count: Map<string, number> | undefined;
  const byRow = new Map<RouteEntry, RawRoute>();
  // With no row longer than /24, every address of a /24 matches the same row: the row is
  // looked up once per /24 (a sweep's 65536 targets are 256 of them).
  let rowBy24: Map<number, RouteEntry | null> | undefined;
  const hardware = new Map<string, number | undefined>();
  const bytes = new Uint8Array(4);
  const lookup = (address: string): RawRoute => {
    const r = routeTo(address, cache!);
    const mac = cache!.interfaces!.find((a) =>
      a.name === r.interface && (a.family === "packet" || a.mac !== undefined)
    );
    const ours = mac?.family === "packet" ? mac.address : mac?.mac;
    return {
      interface: r.interface,
      source: r.source,
      ...(r.linkType !== undefined ? { linkType: r.linkType } : {}),
      onLink: r.gateway === undefined && r.interface !== "lo",
      ...(ours && ours !== "00:00:00:00:00:00" ? { mac: ours } : {}),
    };
  };
  const init = () => {
    if (!cache) {
      const interfaces = getInterfaceAddresses();
      cache = {
        interfaces,
        ipv4Table: readText("/proc/net/route"),
        ipv6Table: readText("/proc/net/ipv6_route"),
        hardwareType: (iface) => {
          if (!hardware.has(iface)) hardware.set(iface, sysfsHardwareType(iface));
          return hardware.get(iface);
        },
      };
      local = new Set();
      for (const i of interfaces) {
        if (i.family === "inet" && parseDottedQuad(i.address, bytes)) local.add(quadValue(bytes));
      }
      v4Count = new Map();
      for (const i of interfaces) {
        if (i.family === "inet") v4Count.set(i.name, (v4Count.get(i.name) ?? 0) + 1);
      }
      table4 = parseIPv4Routes(cache.ipv4Table!);
      if (table4.every((r) => r.prefixLength <= 24)) rowBy24 = new Map();
    }
  };
  /**
   * The main-table row whose cached route a non-local IPv4 `value` (its bytes are in `bytes`)
   * may share, or undefined: no row, or an on-link row on an interface with several IPv4
   * addresses, where the kernel's source choice depends on the target.
   */
  const sharedRow = (value: number): RouteEntry | undefined => {
    let row: RouteEntry | undefined | null;
    if (rowBy24) {
      const key = value >>> 8;
      row = rowBy24.get(key);
      if (row === undefined) {
        row = longestPrefixMatch(table4!, bytes) ?? null;
        rowBy24.set(key, row);
      }
    } else row = longestPrefixMatch(table4!, bytes);
    if (!row || (row.gateway === undefined && (v4Count!.get(row.interface) ?? 0) > 1)) {
      return undefined;
    }
    return row;
  };
  const route = ((address: string): RawRoute => {
    init();
    if (!parseDottedQuad(address, bytes) || bytes[0] === 127 || local!.has(quadValue(bytes))) {
      return lookup(address);
    }
    const row = sharedRow(quadValue(bytes));
    if (!row) return lookup(address);
    let found = byRow.get(row);
    if (!found) {
      found = lookup(address);
      byRow.set(row, found);
    }
    return found;
  }) as NativeRoute;
  route.ipv4 = (value) => {
    init();
    if (value >>> 24 === 127 || local!.has(value >>> 0)) return undefined;
    bytes[0] = value >>> 24;
    bytes[1] = (value >>> 16) & 0xff;
    bytes[2] = (value >>> 8) & 0xff;
    bytes[3] = value & 0xff;
    const row = sharedRow(value >>> 0);
    if (!row) return undefined;
    // Only a row already looked up by text answers here: the first target of each row makes
    // its text and goes through the kernel once.
    return byRow.get(row);
  };
  return route;
}

/** {@linkcode nativeRoute}'s lookup, with a numeric IPv4 shortcut. */
export interface NativeRoute {
  (address: string): RawRoute;
  /**
   * The route of the IPv4 address `value` when the cache already holds it, without its text;
   * undefined when the text lookup must decide (local, loopback, a new row).
   */
  ipv4(value: number): RawRoute | undefined;
}

/** Four address bytes as one unsigned number. */
function quadValue(b: Uint8Array): number {
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** The ARPHRD type of an interface from sysfs, or undefined (as native/routes.ts reads it). */
function sysfsHardwareType(iface: string): number | undefined {
  const n = parseInt(readText(`/sys/class/net/${iface}/type`).trim(), 10);
  return Number.isFinite(n) ? n : undefined;
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}
