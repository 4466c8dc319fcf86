/**
 * The probes of active OS fingerprinting, as the Nmap book documents them: six SYNs to an
 * open port 100 ms apart (SEQ, OPS, WIN, T1), a SYN asking for ECN, T2-T4 to the open port,
 * T5-T7 to a closed port, a UDP datagram to a closed port (U1) and two ICMP echoes (IE).
 * Everything here is pure: specs and the bytes they become.
 */
import {
  buildIcmpPacket,
  buildTcpPacket,
  buildUdpPacket,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_NS,
  TCP_PSH,
  TCP_SYN,
  TCP_URG,
  type TcpOption,
} from "../../../packet/mod.ts";

/** Names of the TCP probes, in the order they are sent. */
export type TcpProbeName =
  | "SEQ1"
  | "SEQ2"
  | "SEQ3"
  | "SEQ4"
  | "SEQ5"
  | "SEQ6"
  | "ECN"
  | "T2"
  | "T3"
  | "T4"
  | "T5"
  | "T6"
  | "T7";

/** One TCP probe: which port it goes to and what its header says. */
export interface TcpProbeSpec {
  name: TcpProbeName;
  port: "open" | "closed";
  flags: number;
  window: number;
  df: boolean;
  options: readonly TcpOption[];
  urgent?: number;
  /** ECN sends a zero acknowledgment number; the others a random one. */
  zeroAck?: boolean;
}

/** TSval nmap's probes carry; TSecr is zero. */
const TS: TcpOption = { kind: "timestamp", value: 0xffffffff, echo: 0 };
const NOP: TcpOption = { kind: "nop" };
const EOL: TcpOption = { kind: "eol" };
const SACK: TcpOption = { kind: "sackPermitted" };
const mss = (value: number): TcpOption => ({ kind: "mss", value });
const ws = (shift: number): TcpOption => ({ kind: "wscale", shift });

/** The six sequence probes: SYNs whose options and windows differ, so the replies do too. */
export const SEQ_PROBES: readonly TcpProbeSpec[] = [
  { name: "SEQ1", window: 1, options: [ws(10), NOP, mss(1460), TS, SACK] },
  { name: "SEQ2", window: 63, options: [mss(1400), ws(0), SACK, TS, EOL] },
  { name: "SEQ3", window: 4, options: [TS, NOP, NOP, ws(5), NOP, mss(640)] },
  { name: "SEQ4", window: 4, options: [SACK, TS, ws(10), EOL] },
  { name: "SEQ5", window: 16, options: [mss(536), SACK, TS, ws(10), EOL] },
  { name: "SEQ6", window: 512, options: [mss(265), SACK, TS] },
].map((p) => ({ ...p, name: p.name as TcpProbeName, port: "open", flags: TCP_SYN, df: false }));

/** Milliseconds between the sequence probes. */
export const SEQ_INTERVAL_MS = 100;

const T_OPTIONS: readonly TcpOption[] = [ws(10), NOP, mss(265), TS, SACK];
const T7_OPTIONS: readonly TcpOption[] = [ws(15), NOP, mss(265), TS, SACK];

/**
 * The ECN probe (a SYN with CWR, ECE and the reserved bit before CWR set, and an urgent
 * pointer without URG) and T2-T7.
 */
export const OTHER_TCP_PROBES: readonly TcpProbeSpec[] = [
  {
    name: "ECN",
    port: "open",
    flags: TCP_SYN | TCP_ECE | TCP_CWR | TCP_NS,
    window: 3,
    df: false,
    urgent: 0xf7f5,
    zeroAck: true,
    options: [ws(10), NOP, mss(1460), SACK, NOP, NOP],
  },
  { name: "T2", port: "open", flags: 0, window: 128, df: true, options: T_OPTIONS },
  {
    name: "T3",
    port: "open",
    flags: TCP_SYN | TCP_FIN | TCP_URG | TCP_PSH,
    window: 256,
    df: false,
    options: T_OPTIONS,
  },
  { name: "T4", port: "open", flags: TCP_ACK, window: 1024, df: true, options: T_OPTIONS },
  { name: "T5", port: "closed", flags: TCP_SYN, window: 31337, df: false, options: T_OPTIONS },
  { name: "T6", port: "closed", flags: TCP_ACK, window: 32768, df: true, options: T_OPTIONS },
  {
    name: "T7",
    port: "closed",
    flags: TCP_FIN | TCP_PSH | TCP_URG,
    window: 65535,
    df: false,
    options: T7_OPTIONS,
  },
];

/** IP ID of the U1 probe, which the port unreachable should quote back. */
export const U1_IP_ID = 0x1042;
/** U1 payload: 300 bytes of 'C'. */
export const U1_FILL = 0x43;
/** U1 payload length. */
export const U1_PAYLOAD_LENGTH = 300;

/** The two ICMP echoes: DF and code 9 first, then TOS 4 (reliability) and code 0. */
export const IE_PROBES = [
  { df: true, tos: 0, code: 9, dataLength: 120 },
  { df: false, tos: 4, code: 0, dataLength: 150 },
] as const;

/** The echo sequence number of the first IE probe (the second is one more). */
export const IE_FIRST_SEQ = 295;

/** TTL of every probe: the U1 quote's TTL is compared against it for the hop distance. */
export const PROBE_TTL = 64;

/** Addresses and numbers of one built TCP probe. */
export interface TcpProbeInstance {
  spec: TcpProbeSpec;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  ipId: number;
}

/** Build the IPv4 packet of a TCP probe. */
export function buildTcpProbe(
  probe: TcpProbeInstance,
  addresses: { source: string; destination: string },
): Uint8Array {
  return buildTcpPacket({
    src: addresses.source,
    dst: addresses.destination,
    ttl: PROBE_TTL,
    ipId: probe.ipId,
    df: probe.spec.df,
    srcPort: probe.srcPort,
    dstPort: probe.dstPort,
    seq: probe.seq,
    ack: probe.spec.zeroAck ? 0 : probe.ack,
    flags: probe.spec.flags,
    window: probe.spec.window,
    urgent: probe.spec.urgent ?? 0,
    options: probe.spec.options,
  });
}

/** Build U1: UDP to a closed port, 300 bytes of 'C', IP ID 0x1042. */
export function buildU1Probe(
  ports: { srcPort: number; dstPort: number },
  addresses: { source: string; destination: string },
): Uint8Array {
  return buildUdpPacket({
    src: addresses.source,
    dst: addresses.destination,
    ttl: PROBE_TTL,
    ipId: U1_IP_ID,
    srcPort: ports.srcPort,
    dstPort: ports.dstPort,
    payload: new Uint8Array(U1_PAYLOAD_LENGTH).fill(U1_FILL),
  });
}

/** Build IE probe 0 or 1 with the given echo identifier (the second uses id + 1). */
export function buildIeProbe(
  which: 0 | 1,
  ids: { echoId: number; ipId: number },
  addresses: { source: string; destination: string },
): Uint8Array {
  const p = IE_PROBES[which];
  return buildIcmpPacket({
    src: addresses.source,
    dst: addresses.destination,
    ttl: PROBE_TTL,
    ipId: ids.ipId,
    df: p.df,
    tos: p.tos,
    type: 8,
    code: p.code,
    id: (ids.echoId + which) & 0xffff,
    seq: IE_FIRST_SEQ + which,
    payload: new Uint8Array(p.dataLength),
  });
}
