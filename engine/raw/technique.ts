/**
 * The scan techniques of the raw engine as pure functions: which probe each one sends, and
 * what a reply to it means. nmap's state and reason names throughout.
 *
 * Validation is stateless. Every TCP probe carries `seq = cookie(source, target, srcPort,
 * dstPort)` (a keyed SipHash, packet/cookie.ts); ACK-flagged probes carry the same value as
 * their ack number. What comes back proves itself without a table of sent probes:
 *
 * - SYN (-sS): the SYN-ACK or RST-ACK acknowledges `cookie + 1`.
 * - ACK and window (-sA, -sW): RFC 9293 answers an ACK with `RST, seq = SEG.ACK`, so the
 *   reset's sequence number equals the cookie.
 * - FIN, NULL, Xmas (-sF, -sN, -sX): a segment without ACK is answered with `RST-ACK,
 *   ack = SEG.SEQ + SEG.LEN`, where FIN counts as one: `cookie + 1` for FIN and Xmas,
 *   `cookie` for NULL.
 * - ICMP errors quote our header: source, destination, ports and (TCP) the cookie in `seq`.
 * - UDP replies carry no cookie: they must come from the probed address and port to our
 *   fixed source port (as in nmap, a spoofer on the path could forge one).
 * - Discovery echo/timestamp requests carry a 16-bit cookie as their ICMP identifier.
 */
import type { ScanType } from "../../cli/options.ts";
import type { PortState, Protocol } from "../events.ts";
import {
  type DecodedPacket,
  type ProbeCookie,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  type TcpHeader,
} from "../../packet/mod.ts";
import type { DiscoveryPlan } from "../plan_types.ts";
import type { RawProbe, RawReply, ReplyFingerprint } from "./types.ts";

/** Scan techniques the raw engine runs. */
export type RawScanType = Exclude<ScanType, "connect">;

/** The flow of one port probe, seen from our side. */
export interface ProbeTuple {
  family: 4 | 6;
  source: string;
  destination: string;
  srcPort: number;
  dstPort: number;
}

/** What one reply decided about one port. */
export interface PortVerdict {
  /** The probed address and port. */
  address: string;
  port: number;
  protocol: Protocol;
  /** Our address the probe was sent from (reply destination, or quoted source). */
  source: string;
  state: PortState;
  reason: string;
  /** TTL / hop limit of the reply. */
  ttl: number;
  fingerprint?: ReplyFingerprint;
}

/** The TCP flags each technique sends. */
export function tcpFlagsFor(scanType: RawScanType): number {
  switch (scanType) {
    case "syn":
      return TCP_SYN;
    case "ack":
    case "window":
      return TCP_ACK;
    case "fin":
      return TCP_FIN;
    case "null":
      return 0;
    case "xmas":
      return TCP_FIN | TCP_PSH | TCP_URG;
    case "udp":
      throw new TypeError("UDP scans send no TCP flags");
  }
}

/** The protocol a technique probes. */
export function protocolOf(scanType: RawScanType): Protocol {
  return scanType === "udp" ? "udp" : "tcp";
}

/**
 * The probe `scanType` sends for one port. UDP probes carry `payload` (a protocol request
 * for well-known ports, else nothing).
 */
export function portProbe(
  scanType: RawScanType,
  tuple: ProbeTuple,
  options: { cookie: ProbeCookie; payload?: Uint8Array },
): RawProbe {
  if (scanType === "udp") {
    const probe: RawProbe = {
      kind: "udp",
      family: tuple.family,
      source: tuple.source,
      destination: tuple.destination,
      srcPort: tuple.srcPort,
      dstPort: tuple.dstPort,
    };
    if (options.payload) probe.payload = options.payload;
    return probe;
  }
  const seq = options.cookie.seqOf(tuple.source, tuple.destination, tuple.srcPort, tuple.dstPort);
  const flags = tcpFlagsFor(scanType);
  return {
    kind: "tcp",
    family: tuple.family,
    source: tuple.source,
    destination: tuple.destination,
    srcPort: tuple.srcPort,
    dstPort: tuple.dstPort,
    seq,
    ack: flags & TCP_ACK ? seq : 0,
    flags,
  };
}

/** nmap's reason names for ICMPv4 destination-unreachable codes that mean "filtered". */
const ICMP4_UNREACH: ReadonlyMap<number, string> = new Map([
  [0, "net-unreach"],
  [1, "host-unreach"],
  [2, "proto-unreach"],
  [3, "port-unreach"],
  [9, "net-prohibited"],
  [10, "host-prohibited"],
  [13, "admin-prohibited"],
]);

/** Reason names for ICMPv6 destination-unreachable codes (RFC 4443 section 3.1). */
const ICMP6_UNREACH: ReadonlyMap<number, string> = new Map([
  [0, "no-route"],
  [1, "admin-prohibited"],
  [2, "beyond-scope"],
  [3, "addr-unreach"],
  [4, "port-unreach"],
  [5, "failed-policy"],
  [6, "reject-route"],
]);

/** The unreachable reason of an ICMP(v6) error, and whether it is "port unreachable". */
function unreachable(packet: DecodedPacket): { reason: string; port: boolean } | undefined {
  if (packet.icmp?.type === 3) {
    const reason = ICMP4_UNREACH.get(packet.icmp.code);
    return reason ? { reason, port: packet.icmp.code === 3 } : undefined;
  }
  if (packet.icmpv6?.type === 1) {
    const reason = ICMP6_UNREACH.get(packet.icmpv6.code);
    return reason ? { reason, port: packet.icmpv6.code === 4 } : undefined;
  }
  return undefined;
}

/**
 * What `packet` says about a port probed with `scanType` from source port `srcPort`, or
 * `undefined` when it is not a valid answer to one of our probes.
 */
export function interpretPortReply(
  scanType: RawScanType,
  packet: DecodedPacket,
  options: { srcPort: number; cookie: ProbeCookie },
): PortVerdict | undefined {
  const { srcPort, cookie } = options;
  const ttl = packet.ip.ttl;
  const tcp = packet.tcp;
  if (tcp) {
    if (scanType === "udp" || tcp.dstPort !== srcPort) return undefined;
    const sent = cookie.seqOf(packet.ip.dst, packet.ip.src, srcPort, tcp.srcPort);
    const decided = tcpVerdict(scanType, tcp, sent);
    if (!decided) return undefined;
    return {
      address: packet.ip.src,
      port: tcp.srcPort,
      protocol: "tcp",
      source: packet.ip.dst,
      state: decided.state,
      reason: decided.reason,
      ttl,
      fingerprint: fingerprintOf(packet, tcp),
    };
  }
  if (packet.udp) {
    if (scanType !== "udp" || packet.udp.dstPort !== srcPort) return undefined;
    return {
      address: packet.ip.src,
      port: packet.udp.srcPort,
      protocol: "udp",
      source: packet.ip.dst,
      state: "open",
      reason: "udp-response",
      ttl,
    };
  }
  const unreach = unreachable(packet);
  const quoted = packet.icmp?.quoted ?? packet.icmpv6?.quoted;
  if (!unreach || !quoted || quoted.srcPort !== srcPort || quoted.dstPort === undefined) {
    return undefined;
  }
  const wantUdp = scanType === "udp";
  if (quoted.protocol !== (wantUdp ? 17 : 6)) return undefined;
  if (!wantUdp) {
    const sent = cookie.seqOf(quoted.src, quoted.dst, srcPort, quoted.dstPort);
    if (quoted.seq !== sent) return undefined;
  }
  // nmap: port unreachable closes a UDP port; every other unreachable (and any for TCP) filters.
  const state: PortState = wantUdp && unreach.port ? "closed" : "filtered";
  return {
    address: quoted.dst,
    port: quoted.dstPort,
    protocol: wantUdp ? "udp" : "tcp",
    source: quoted.src,
    state,
    reason: unreach.reason,
    ttl,
  };
}

type Decision = { readonly state: PortState; readonly reason: string };
/** The verdicts a TCP reply can give, made once: one reply per probed port reads them. */
const CLOSED_RESET: Decision = Object.freeze({ state: "closed", reason: "reset" });
const OPEN_RESET: Decision = Object.freeze({ state: "open", reason: "reset" });
const OPEN_SYN_ACK: Decision = Object.freeze({ state: "open", reason: "syn-ack" });
const UNFILTERED_RESET: Decision = Object.freeze({ state: "unfiltered", reason: "reset" });

function tcpVerdict(scanType: RawScanType, tcp: TcpHeader, sent: number): Decision | undefined {
  const rst = (tcp.flags & TCP_RST) !== 0;
  const plusOne = (sent + 1) >>> 0;
  switch (scanType) {
    case "syn":
      if (tcp.ack !== plusOne || !(tcp.flags & TCP_ACK)) return undefined;
      if (rst) return CLOSED_RESET;
      if (tcp.flags & TCP_SYN) return OPEN_SYN_ACK;
      return undefined;
    case "ack":
      if (!rst || tcp.seq !== sent) return undefined;
      return UNFILTERED_RESET;
    case "window":
      if (!rst || tcp.seq !== sent) return undefined;
      return tcp.window > 0 ? OPEN_RESET : CLOSED_RESET;
    case "fin":
    case "xmas":
      if (!rst || tcp.ack !== plusOne) return undefined;
      return CLOSED_RESET;
    case "null":
      if (!rst || tcp.ack !== sent) return undefined;
      return CLOSED_RESET;
    case "udp":
      return undefined;
  }
}

/** The state and reason of a port whose probes all went unanswered. */
export function silentVerdict(scanType: RawScanType): { state: PortState; reason: string } {
  switch (scanType) {
    case "fin":
    case "null":
    case "xmas":
    case "udp":
      return { state: "open|filtered", reason: "no-response" };
    default:
      return { state: "filtered", reason: "no-response" };
  }
}

/** What a TCP reply reveals about its sender's stack. */
export function fingerprintOf(packet: DecodedPacket, tcp: TcpHeader): ReplyFingerprint {
  const fp: ReplyFingerprint = {
    ttl: packet.ip.ttl,
    window: tcp.window,
    sackPermitted: false,
    timestamps: false,
    options: "",
    df: packet.ip.df,
    ipId: packet.ip.id,
  };
  // A RST has no options: the common case of a -p- scan allocates nothing more.
  let letters = "";
  for (const o of tcp.options) {
    let letter: string;
    switch (o.kind) {
      case "mss":
        fp.mss = o.value;
        letter = "M";
        break;
      case "nop":
        letter = "N";
        break;
      case "wscale":
        fp.windowScale = o.shift;
        letter = "W";
        break;
      case "sackPermitted":
        fp.sackPermitted = true;
        letter = "S";
        break;
      case "timestamp":
        fp.timestamps = true;
        letter = "T";
        break;
      case "eol":
        letter = "E";
        break;
      case "sack":
        letter = "K";
        break;
      default:
        letter = "?";
    }
    letters = letters === "" ? letter : `${letters},${letter}`;
  }
  fp.options = letters;
  return fp;
}

/** The port nmap's privileged discovery sends a SYN to. */
export const DISCOVERY_SYN_PORT = 443;
/** The port nmap's privileged discovery sends an ACK to. */
export const DISCOVERY_ACK_PORT = 80;

/**
 * The host-discovery probes for one target: `probes` (nmap's `-PE -PS -PA -PU -PP -PM`) or,
 * without it, nmap's privileged defaults: ICMP echo, SYN to 443, ACK to 80 and (IPv4 only)
 * ICMP timestamp. ICMP identifiers carry a 16-bit cookie; timestamp and address mask are
 * IPv4 only (ICMPv6 has neither), so an IPv6 target may get fewer probes. UDP probes carry
 * `options.udpPayload(port)` when it has one.
 */
export function discoveryProbes(
  tuple: Omit<ProbeTuple, "dstPort">,
  cookie: ProbeCookie,
  options: { probes?: DiscoveryPlan; udpPayload?: (port: number) => Uint8Array | undefined } = {},
): RawProbe[] {
  const plan = options.probes ?? {
    tcpSyn: [DISCOVERY_SYN_PORT],
    tcpAck: [DISCOVERY_ACK_PORT],
    udp: [],
    icmpEcho: true,
    icmpTimestamp: true,
    icmpMask: false,
  };
  const base = { family: tuple.family, source: tuple.source, destination: tuple.destination };
  const icmpId = cookie.cookie16({
    src: tuple.source,
    dst: tuple.destination,
    srcPort: 0,
    dstPort: 0,
  });
  const tcp = (dstPort: number, flags: number): RawProbe => {
    const seq = cookie.seq({
      src: tuple.source,
      dst: tuple.destination,
      srcPort: tuple.srcPort,
      dstPort,
    });
    return {
      kind: "tcp",
      ...base,
      srcPort: tuple.srcPort,
      dstPort,
      seq,
      ack: flags & TCP_ACK ? seq : 0,
      flags,
    };
  };
  const probes: RawProbe[] = [];
  if (plan.icmpEcho) probes.push({ kind: "icmp-echo", ...base, icmpId, icmpSeq: 1 });
  for (const port of plan.tcpSyn) probes.push(tcp(port, TCP_SYN));
  for (const port of plan.tcpAck) probes.push(tcp(port, TCP_ACK));
  for (const port of plan.udp) {
    const payload = options.udpPayload?.(port);
    probes.push({
      kind: "udp",
      ...base,
      srcPort: tuple.srcPort,
      dstPort: port,
      ...(payload ? { payload } : {}),
    });
  }
  if (tuple.family === 4 && plan.icmpTimestamp) {
    probes.push({ kind: "icmp-timestamp", ...base, icmpId, icmpSeq: 2 });
  }
  if (tuple.family === 4 && plan.icmpMask) {
    probes.push({ kind: "icmp-mask", ...base, icmpId, icmpSeq: 3 });
  }
  return probes;
}

/** How many probes {@linkcode discoveryProbes} sends to one target at most (IPv4). */
export function discoveryProbeCount(probes?: DiscoveryPlan): number {
  if (!probes) return 4;
  return Number(probes.icmpEcho) + Number(probes.icmpTimestamp) + Number(probes.icmpMask) +
    probes.tcpSyn.length + probes.tcpAck.length + probes.udp.length;
}

/** A discovery reply: the host that answered, why we believe it is up, and the reply TTL. */
export interface DiscoveryVerdict {
  address: string;
  source: string;
  up: boolean;
  reason: string;
  ttl: number;
}

/**
 * What `packet` says about a host probed by {@linkcode discoveryProbes}, or `undefined`
 * when it answers none of them. An ICMP error sent by the target itself proves it up; one
 * from elsewhere (a router) is kept as the reason the host is down.
 */
export function interpretDiscoveryReply(
  packet: DecodedPacket,
  options: { srcPort: number; cookie: ProbeCookie },
): DiscoveryVerdict | undefined {
  const { srcPort, cookie } = options;
  const ip = packet.ip;
  const ttl = ip.ttl;
  const echoId = () => cookie.cookie16({ src: ip.dst, dst: ip.src, srcPort: 0, dstPort: 0 });
  if (packet.tcp) {
    const tcp = packet.tcp;
    if (tcp.dstPort !== srcPort) return undefined;
    // The cookie covers the probed port, so any -PS/-PA port proves itself.
    const sent = cookie.seq({ src: ip.dst, dst: ip.src, srcPort, dstPort: tcp.srcPort });
    const rst = (tcp.flags & TCP_RST) !== 0;
    const acked = (tcp.flags & TCP_ACK) !== 0 && tcp.ack === ((sent + 1) >>> 0);
    if (acked) {
      // An answer to a SYN ping: SYN-ACK from a listener, RST-ACK from a closed port.
      return { address: ip.src, source: ip.dst, up: true, reason: rst ? "reset" : "syn-ack", ttl };
    }
    if (rst && tcp.seq === sent) {
      // An answer to an ACK ping (RFC 9293: RST with seq = the ACK's ack number).
      return { address: ip.src, source: ip.dst, up: true, reason: "reset", ttl };
    }
    return undefined;
  }
  if (packet.udp) {
    // UDP replies carry no cookie: the probed host answering our fixed source port is enough.
    if (packet.udp.dstPort !== srcPort) return undefined;
    return { address: ip.src, source: ip.dst, up: true, reason: "udp-response", ttl };
  }
  if (packet.icmp) {
    const m = packet.icmp;
    const reason = m.type === 0
      ? "echo-reply"
      : m.type === 14
      ? "timestamp-reply"
      : m.type === 18
      ? "addressmask-reply"
      : undefined;
    if (reason && m.id === echoId()) {
      return { address: ip.src, source: ip.dst, up: true, reason, ttl };
    }
  }
  if (packet.icmpv6) {
    const m = packet.icmpv6;
    if (m.type === 129 && m.id === echoId()) {
      return { address: ip.src, source: ip.dst, up: true, reason: "echo-reply", ttl };
    }
  }
  const unreach = unreachable(packet);
  const quoted = packet.icmp?.quoted ?? packet.icmpv6?.quoted;
  if (!unreach || !quoted) return undefined;
  const ours = quoted.srcPort === srcPort ||
    (quoted.icmpId !== undefined &&
      quoted.icmpId ===
        cookie.cookie16({ src: quoted.src, dst: quoted.dst, srcPort: 0, dstPort: 0 }));
  if (!ours) return undefined;
  return {
    address: quoted.dst,
    source: quoted.src,
    up: ip.src === quoted.dst,
    reason: unreach.reason,
    ttl,
  };
}

/** A host on our link that answered ARP or neighbour discovery: up, with its MAC. */
export interface LinkAnswer {
  /** The host that answered (ARP's sender, the advertisement's target address). */
  address: string;
  /** Our address it answered to (ARP's target, the advertisement's IPv6 destination). */
  source: string;
  /** Its hardware address. */
  mac: string;
  reason: "arp-response" | "nd-response";
}

/**
 * What an ARP reply or an ICMPv6 neighbour advertisement (RFC 4861 section 4.4) says, or
 * `undefined` for any other reply. The advertisement's target address names the host, not
 * its IPv6 source: a host may answer from another of its addresses. Its MAC is the target
 * link-layer option (mandatory in answers to a multicast solicitation), else the frame's.
 */
export function linkAnswer(reply: RawReply): LinkAnswer | undefined {
  const a = reply.arp;
  if (a) {
    if (a.op !== 2) return undefined;
    return { address: a.senderIp, source: a.targetIp, mac: a.senderMac, reason: "arp-response" };
  }
  const packet = reply.packet;
  const m = packet?.icmpv6;
  if (!packet || !m || m.type !== 136 || m.code !== 0 || m.targetAddress === undefined) {
    return undefined;
  }
  // RFC 4861 section 7.1.2: below 255 a router forwarded it, so it did not come from our link.
  if (packet.ip.hopLimit !== 255) return undefined;
  const mac = m.targetLinkAddress ?? packet.link?.src;
  if (mac === undefined) return undefined;
  return { address: m.targetAddress, source: packet.ip.dst, mac, reason: "nd-response" };
}
