/**
 * The derived tests of active OS fingerprinting, as the Nmap book's chapter "TCP/IP
 * Fingerprinting Methods Supported by Nmap" documents them: pure functions from what the
 * probes' replies said to the short codes of a fingerprint line (`SP=105`, `O1=M5B4ST11NW7`,
 * `F=AS`...). Numbers are upper-case hexadecimal without leading zeros, as in nmap's output.
 *
 * No I/O here: `detect.ts` turns captured packets into the observation types below.
 */
import type { TcpOption } from "../../../packet/mod.ts";

/** One test line: attribute name to value, in print order. */
export type TestLine = Record<string, string>;

/** What a TCP reply said, as the tests read it. */
export interface TcpObservation {
  ttl: number;
  df: boolean;
  ipId: number;
  seq: number;
  ack: number;
  /** The flag byte: CWR ECE URG ACK PSH RST SYN FIN. */
  flags: number;
  /** The four bits between the data offset and CWR (the last of them is the old NS bit). */
  reserved: number;
  window: number;
  urgent: number;
  options: readonly TcpOption[];
  /** TCP payload (a few stacks put text in their resets). */
  data: Uint8Array;
}

/** The numbers of a TCP probe that a reply is compared against. */
export interface TcpProbeInfo {
  seq: number;
  ack: number;
  /** When it left, milliseconds on any monotonic clock. */
  sentMs: number;
}

/** An ICMP port unreachable that answered the U1 probe, with the probe it quotes. */
export interface UnreachObservation {
  ttl: number;
  df: boolean;
  ipId: number;
  /** Total length of the ICMP packet's IP header field. */
  ipTotalLength: number;
  /** ICMP bytes 4-7, which RFC 792 leaves unused (zero). */
  unused: number;
  quoted: {
    totalLength: number;
    id: number;
    /** The quoted IP header's checksum field. */
    checksum: number;
    /** Whether that checksum verifies over the quoted header. */
    checksumValid: boolean;
    udpChecksum: number;
    /** The quoted UDP payload (what the stack chose to return of it). */
    data: Uint8Array;
  };
}

/** What the U1 probe carried, for the "returned as sent" tests. */
export interface U1ProbeInfo {
  totalLength: number;
  id: number;
  udpChecksum: number;
  /** The payload byte (nmap's 'C'). */
  fill: number;
}

/** An ICMP echo reply. */
export interface EchoObservation {
  ttl: number;
  df: boolean;
  ipId: number;
  code: number;
}

/** Upper-case hex without leading zeros: the way every number in a fingerprint is written. */
export function hex(n: number): string {
  return Math.trunc(n).toString(16).toUpperCase();
}

// --- TCP options, flags and header fields -------------------------------------------------

/**
 * The option string of a TCP header (tests O, O1-O6): one letter per option in wire order,
 * L for end-of-list, N no-op, M<mss>, W<shift>, T<tsval≠0><tsecr≠0>, S for SACK permitted.
 * Options nmap does not name (SACK blocks, unknown kinds) are left out.
 *
 * @example optionString([{kind:"mss",value:1460},{kind:"sackPermitted"}]) // "M5B4S"
 */
export function optionString(options: readonly TcpOption[]): string {
  let s = "";
  for (const o of options) {
    switch (o.kind) {
      case "eol":
        s += "L";
        break;
      case "nop":
        s += "N";
        break;
      case "mss":
        s += "M" + hex(o.value);
        break;
      case "wscale":
        s += "W" + hex(o.shift);
        break;
      case "timestamp":
        s += "T" + (o.value !== 0 ? "1" : "0") + (o.echo !== 0 ? "1" : "0");
        break;
      case "sackPermitted":
        s += "S";
        break;
      default:
        break;
    }
  }
  return s;
}

/** TCP flags in the fixed order E U A P R S F (test F); CWR is not part of the test. */
export function flagString(flags: number): string {
  const order: [number, string][] = [
    [0x40, "E"],
    [0x20, "U"],
    [0x10, "A"],
    [0x08, "P"],
    [0x04, "R"],
    [0x02, "S"],
    [0x01, "F"],
  ];
  return order.filter(([bit]) => (flags & bit) !== 0).map(([, c]) => c).join("");
}

/** Test S: the reply's sequence number against the probe's acknowledgment number. */
export function seqTest(replySeq: number, probe: Pick<TcpProbeInfo, "ack">): string {
  const seq = replySeq >>> 0;
  if (seq === 0) return "Z";
  if (seq === probe.ack >>> 0) return "A";
  if (seq === ((probe.ack + 1) >>> 0)) return "A+";
  return "O";
}

/** Test A: the reply's acknowledgment number against the probe's sequence number. */
export function ackTest(replyAck: number, probe: Pick<TcpProbeInfo, "seq">): string {
  const ack = replyAck >>> 0;
  if (ack === 0) return "Z";
  if (ack === probe.seq >>> 0) return "S";
  if (ack === ((probe.seq + 1) >>> 0)) return "S+";
  return "O";
}

/** Test Q: R when reserved header bits are set, U when the urgent pointer is set without URG. */
export function quirks(reply: Pick<TcpObservation, "reserved" | "urgent" | "flags">): string {
  let q = "";
  if (reply.reserved !== 0) q += "R";
  if (reply.urgent !== 0 && (reply.flags & 0x20) === 0) q += "U";
  return q;
}

/** Test CC of the ECN probe: how the SYN-ACK's ECE and CWR bits answer a request for ECN. */
export function congestionTest(flags: number): string {
  const ece = (flags & 0x40) !== 0;
  const cwr = (flags & 0x80) !== 0;
  if (ece && !cwr) return "Y";
  if (!ece && !cwr) return "N";
  if (ece && cwr) return "S";
  return "O";
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE, as zlib computes it). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Test RD: CRC-32 of the data a reset carries, 0 when it carries none. */
export function resetDataTest(data: Uint8Array): string {
  return data.length === 0 ? "0" : hex(crc32(data));
}

// --- TTL ------------------------------------------------------------------------------------

/** Test TG: the received TTL rounded up to the usual initial values 32, 64, 128, 255. */
export function ttlGuess(ttl: number): string {
  for (const initial of [32, 64, 128]) if (ttl <= initial) return hex(initial);
  return hex(255);
}

/**
 * The TTL attribute of a reply: `T` (the initial TTL, received TTL plus the routers on the
 * way; distance 1 is on-link, 0 is this host) when the hop distance is known, otherwise
 * `TG`, the rounded guess.
 */
export function ttlAttribute(ttl: number, distance?: number): TestLine {
  if (distance === undefined) return { TG: ttlGuess(ttl) };
  return { T: hex(ttl + Math.max(distance - 1, 0)) };
}

// --- Sequence analysis (SEQ) ----------------------------------------------------------------

/**
 * The distance between two consecutive 32-bit counter values, read whichever way round is
 * shorter: nmap's `diff1` element (the book's examples 0x20000→0x15000 = 0xB000 and
 * 0xFFFFFF00→0xC000 = 0xC0FF are reproduced, the latter's off-by-one included).
 */
export function counterDiff(a: number, b: number): number {
  const x = a >>> 0;
  const y = b >>> 0;
  if (x > y) return Math.min(x - y, 0xffffffff - x + y);
  return Math.min(y - x, 0xffffffff - y + x);
}

function gcd2(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Test GCD: greatest common divisor of the ISN differences (needs two ISNs). */
export function isnGcd(isns: readonly number[]): number | undefined {
  if (isns.length < 2) return undefined;
  let g = 0;
  for (let i = 1; i < isns.length; i++) g = gcd2(g, counterDiff(isns[i - 1], isns[i]));
  return g;
}

/** ISN increase per second between consecutive probes (`seq_rates` of the book). */
function seqRates(isns: readonly number[], sentMs: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < isns.length; i++) {
    const seconds = Math.max((sentMs[i] - sentMs[i - 1]) / 1000, 1e-6);
    out.push(counterDiff(isns[i - 1], isns[i]) / seconds);
  }
  return out;
}

/** Test ISR: eight times log2 of the average ISN rate, rounded; 0 below one per second. */
export function isnRate(isns: readonly number[], sentMs: readonly number[]): number | undefined {
  if (isns.length < 2) return undefined;
  const rates = seqRates(isns, sentMs);
  const avg = rates.reduce((a, b) => a + b, 0) / rates.length;
  return avg < 1 ? 0 : Math.round(8 * Math.log2(avg));
}

/**
 * Test SP: eight times log2 of the standard deviation of the ISN rates (divided by the GCD
 * when that exceeds nine), rounded; 0 when the deviation is at most one. Needs four ISNs.
 */
export function isnPredictability(
  isns: readonly number[],
  sentMs: readonly number[],
): number | undefined {
  if (isns.length < 4) return undefined;
  const g = isnGcd(isns) ?? 0;
  const rates = seqRates(isns, sentMs).map((r) => (g > 9 ? r / g : r));
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  const variance = rates.reduce((a, r) => a + (r - mean) ** 2, 0) / rates.length;
  const sd = Math.sqrt(variance);
  return sd <= 1 ? 0 : Math.round(8 * Math.log2(sd));
}

/**
 * Which IP ID sequence a test classifies: TI (open-port SYN-ACKs), CI (closed-port resets),
 * II (echo replies).
 */
export type IpIdTest = "TI" | "CI" | "II";

/** The fewest IDs each IP ID test needs. */
export const IP_ID_MINIMUM: Record<IpIdTest, number> = { TI: 3, CI: 2, II: 2 };

/**
 * Tests TI, CI, II: how a host picks IP IDs. Z all zero; RD when one step is at least 20,000
 * (not for II); the hex value when all are equal; RI for a step above 1,000 that is not a
 * multiple of 256 (or a multiple of 256 of at least 256,000); BI when every step is a
 * multiple of 256 up to 5,120 (a counter written in the wrong byte order); I when every
 * step is below ten. `undefined` when too few IDs or no rule applies.
 */
export function ipIdClass(ids: readonly number[], test: IpIdTest): string | undefined {
  if (ids.length < IP_ID_MINIMUM[test]) return undefined;
  if (ids.every((id) => id === 0)) return "Z";
  const diffs: number[] = [];
  for (let i = 1; i < ids.length; i++) diffs.push((ids[i] - ids[i - 1]) & 0xffff);
  if (test !== "II" && diffs.some((d) => d >= 20000)) return "RD";
  if (ids.every((id) => id === ids[0])) return hex(ids[0]);
  if (diffs.some((d) => (d > 1000 && d % 256 !== 0) || (d % 256 === 0 && d >= 256000))) {
    return "RI";
  }
  if (diffs.every((d) => d % 256 === 0 && d <= 5120)) return "BI";
  if (diffs.every((d) => d < 10)) return "I";
  return undefined;
}

/**
 * Test SS: whether ICMP and TCP share one IP ID counter. Only when TI and II are both RI,
 * BI or I and agree. `tcp` lists the SYN-ACK IDs with the index of the probe that drew
 * each; the first echo reply's ID is S(hared) when it is below the last TCP ID plus three
 * average steps, else O(ther).
 */
export function sharedIpIdTest(
  ti: string | undefined,
  ii: string | undefined,
  samples: { tcp: readonly { index: number; id: number }[]; icmpId: number },
): string | undefined {
  const incremental = ["RI", "BI", "I"];
  if (!ti || !ii || ti !== ii || !incremental.includes(ti)) return undefined;
  const { tcp, icmpId } = samples;
  if (tcp.length < 2) return undefined;
  const first = tcp[0];
  const last = tcp[tcp.length - 1];
  const span = (last.id - first.id) & 0xffff;
  const avg = span / Math.max(last.index - first.index, 1);
  const icmpAhead = (icmpId - first.id) & 0xffff;
  return icmpAhead < span + 3 * avg ? "S" : "O";
}

/**
 * Test TS: how fast the TCP timestamp clock ticks. U when a SYN-ACK had no timestamp, 0
 * when one was zero; else the average increase per second between probes, reported as 1,
 * 7 or 8 in the common 2 Hz, 100 Hz and 200 Hz bands and as round(log2(rate)) otherwise.
 */
export function timestampTest(
  tsvals: readonly (number | undefined)[],
  sentMs: readonly number[],
): string | undefined {
  if (tsvals.length === 0) return undefined;
  if (tsvals.some((t) => t === undefined)) return "U";
  const values = tsvals as number[];
  if (values.some((t) => t === 0)) return "0";
  if (values.length < 2) return undefined;
  let sum = 0;
  for (let i = 1; i < values.length; i++) {
    const seconds = Math.max((sentMs[i] - sentMs[i - 1]) / 1000, 1e-6);
    sum += counterDiff(values[i - 1], values[i]) / seconds;
  }
  const avg = sum / (values.length - 1);
  if (avg <= 5.66) return "1";
  if (avg >= 70 && avg <= 150) return "7";
  if (avg > 150 && avg <= 350) return "8";
  return hex(Math.round(Math.log2(avg)));
}

/** One answered SEQ probe. */
export interface SeqSample {
  /** 0-5: which of the six SYNs. */
  index: number;
  probe: TcpProbeInfo;
  reply: TcpObservation;
}

/** TSval of a reply's timestamp option, or `undefined` without one. */
export function timestampValue(options: readonly TcpOption[]): number | undefined {
  for (const o of options) if (o.kind === "timestamp") return o.value;
  return undefined;
}

/**
 * The SEQ line from the SYN-ACKs to the six sequence probes (in probe order), the resets
 * to T5-T7 (for CI) and the two echo replies (for II and SS).
 */
export function seqLine(
  samples: readonly SeqSample[],
  others: { closedIds?: readonly number[]; echoIds?: readonly number[] } = {},
): TestLine {
  const synAcks = samples.filter((s) => (s.reply.flags & 0x12) === 0x12);
  const isns = synAcks.map((s) => s.reply.seq);
  const sent = synAcks.map((s) => s.probe.sentMs);
  const line: TestLine = {};
  const sp = isnPredictability(isns, sent);
  if (sp !== undefined) line.SP = hex(sp);
  const g = isnGcd(isns);
  if (g !== undefined) line.GCD = hex(g);
  const isr = isnRate(isns, sent);
  if (isr !== undefined) line.ISR = hex(isr);
  const ti = ipIdClass(samples.map((s) => s.reply.ipId), "TI");
  if (ti) line.TI = ti;
  const ci = ipIdClass(others.closedIds ?? [], "CI");
  if (ci) line.CI = ci;
  const echoIds = others.echoIds ?? [];
  const ii = ipIdClass(echoIds, "II");
  if (ii) line.II = ii;
  const ss = sharedIpIdTest(ti, ii, {
    tcp: samples.map((s) => ({ index: s.index, id: s.reply.ipId })),
    icmpId: echoIds[0] ?? 0,
  });
  if (ss) line.SS = ss;
  const ts = timestampTest(
    synAcks.map((s) => timestampValue(s.reply.options)),
    sent,
  );
  if (ts) line.TS = ts;
  return line;
}

/** OPS: O1-O6, the option strings of the six SYN-ACKs (absent ones left out). */
export function opsLine(samples: readonly SeqSample[]): TestLine {
  const line: TestLine = {};
  for (const s of [...samples].sort((a, b) => a.index - b.index)) {
    line[`O${s.index + 1}`] = optionString(s.reply.options);
  }
  return line;
}

/** WIN: W1-W6, the window fields of the six SYN-ACKs. */
export function winLine(samples: readonly SeqSample[]): TestLine {
  const line: TestLine = {};
  for (const s of [...samples].sort((a, b) => a.index - b.index)) {
    line[`W${s.index + 1}`] = hex(s.reply.window);
  }
  return line;
}

// --- Per-probe lines ------------------------------------------------------------------------

const NO_REPLY: TestLine = { R: "N" };

/** The ECN line: how the open port answered a SYN asking for ECN. */
export function ecnLine(reply: TcpObservation | undefined, distance?: number): TestLine {
  if (!reply) return { ...NO_REPLY };
  return {
    R: "Y",
    DF: reply.df ? "Y" : "N",
    ...ttlAttribute(reply.ttl, distance),
    W: hex(reply.window),
    O: optionString(reply.options),
    CC: congestionTest(reply.flags),
    Q: quirks(reply),
  };
}

/**
 * A T1-T7 line. T1 (the first SEQ probe's reply) leaves out W and O, which WIN and OPS
 * already carry.
 */
export function tcpLine(
  test: "T1" | "T2" | "T3" | "T4" | "T5" | "T6" | "T7",
  reply: TcpObservation | undefined,
  context: { probe: TcpProbeInfo; distance?: number },
): TestLine {
  if (!reply) return { ...NO_REPLY };
  const line: TestLine = {
    R: "Y",
    DF: reply.df ? "Y" : "N",
    ...ttlAttribute(reply.ttl, context.distance),
  };
  if (test !== "T1") line.W = hex(reply.window);
  line.S = seqTest(reply.seq, context.probe);
  line.A = ackTest(reply.ack, context.probe);
  line.F = flagString(reply.flags);
  if (test !== "T1") line.O = optionString(reply.options);
  line.RD = resetDataTest(reply.data);
  line.Q = quirks(reply);
  return line;
}

/** The U1 line: the port unreachable for the UDP probe, and how faithfully it quoted it. */
export function u1Line(
  reply: UnreachObservation | undefined,
  context: { probe: U1ProbeInfo; distance?: number },
): TestLine {
  if (!reply) return { ...NO_REPLY };
  const q = reply.quoted;
  const p = context.probe;
  return {
    R: "Y",
    DF: reply.df ? "Y" : "N",
    ...ttlAttribute(reply.ttl, context.distance),
    IPL: hex(reply.ipTotalLength),
    UN: hex(reply.unused),
    RIPL: q.totalLength === p.totalLength ? "G" : hex(q.totalLength),
    RID: q.id === p.id ? "G" : hex(q.id),
    RIPCK: q.checksum === 0 ? "Z" : q.checksumValid ? "G" : "I",
    RUCK: q.udpChecksum === p.udpChecksum ? "G" : hex(q.udpChecksum),
    RUD: q.data.every((b) => b === p.fill) ? "G" : "I",
  };
}

/**
 * Test DFI: N when neither echo reply sets DF, S when both copy the probes' bits (the
 * first probe sets DF, the second does not), Y when both set it, O otherwise.
 */
export function dfiTest(first: boolean, second: boolean): string {
  if (!first && !second) return "N";
  if (first && !second) return "S";
  if (first && second) return "Y";
  return "O";
}

/**
 * Test CD: Z when both echo replies carry code zero, S when each copies its probe's code
 * (9 and 0), the code in hex when both agree on another value, O otherwise.
 */
export function codeTest(first: number, second: number, probeCodes: [number, number]): string {
  if (first === 0 && second === 0) return "Z";
  if (first === probeCodes[0] && second === probeCodes[1]) return "S";
  if (first === second) return hex(first);
  return "O";
}

/** The IE line from both echo replies (nmap counts IE as answered only when both came). */
export function ieLine(
  replies: [EchoObservation, EchoObservation] | undefined,
  context: { probeCodes: [number, number]; distance?: number },
): TestLine {
  if (!replies) return { ...NO_REPLY };
  const [a, b] = replies;
  return {
    R: "Y",
    DFI: dfiTest(a.df, b.df),
    ...ttlAttribute(a.ttl, context.distance),
    CD: codeTest(a.code, b.code, context.probeCodes),
  };
}
