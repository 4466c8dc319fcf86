/**
 * Active OS detection (`-O`) against one IPv4 host: send the probes of `probes.ts` through
 * a raw socket, capture the replies with libpcap (filtered to the target, open before the
 * first probe leaves), keep only replies that answer our probes, derive the test lines
 * (`tests.ts`) and rank the OS database (`match.ts`).
 */
import {
  Capture,
  type CapturedPacket,
  RawSocket,
  type Route,
  routeTo,
  waitReadable,
} from "../../../native/mod.ts";
import { type DecodedPacket, decodeFrame, internetChecksum } from "../../../packet/mod.ts";
import { OS_DB, type OsDbEntry } from "../../../registry/os_db.ts";
import { type FingerprintLines, formatFingerprint, LINE_ORDER, scanLine } from "./fingerprint.ts";
import { matchOs, type OsMatch, type OsMatchOptions } from "./match.ts";
import {
  buildIeProbe,
  buildTcpProbe,
  buildU1Probe,
  IE_FIRST_SEQ,
  IE_PROBES,
  OTHER_TCP_PROBES,
  SEQ_INTERVAL_MS,
  SEQ_PROBES,
  type TcpProbeInstance,
  type TcpProbeName,
  U1_FILL,
  U1_IP_ID,
} from "./probes.ts";
import {
  type EchoObservation,
  ecnLine,
  ieLine,
  opsLine,
  seqLine,
  type SeqSample,
  tcpLine,
  type TcpObservation,
  type TcpProbeInfo,
  type TestLine,
  u1Line,
  type UnreachObservation,
  winLine,
} from "./tests.ts";

/** The host to fingerprint and what the port scan learnt about it. */
export interface OsTarget {
  address: string;
  openTcpPort?: number;
  closedTcpPort?: number;
  closedUdpPort?: number;
}

/** Options of {@linkcode detectOs}. */
export interface DetectOsOptions {
  signal?: AbortSignal;
  /**
   * Rounds of probing: unanswered probes are sent again, up to this many rounds in all
   * (`--max-os-tries`). Default 2.
   */
  maxTries?: number;
  /** Report guesses below the perfect-match threshold (`--osscan-guess`). */
  guess?: boolean;
  /** Lowest accuracy a guess may have to be reported; default 85. */
  guessThreshold?: number;
  /** The database to match against; default {@linkcode OS_DB}. */
  db?: readonly OsDbEntry[];
  /** How long to wait for replies after each round, ms. Default 1000. */
  waitMs?: number;
  /** Scanner version for the SCAN line. */
  version?: string;
}

/** What {@linkcode detectOs} found. */
export interface OsResult {
  /** The whole fingerprint, `SCAN(...)SEQ(...)...IE(...)`, unwrapped. */
  fingerprint: string;
  /** The same, line by line. */
  lines: FingerprintLines;
  /** Ranked matches: the perfect ones, or (with `guess`) the best guesses. */
  matches: OsMatch[];
  /** True when `matches` are perfect matches ("OS details"), false when guesses. */
  perfect: boolean;
  /** Why the result may be poor, e.g. a missing open or closed port. */
  note?: string;
}

const NEED_PORTS_NOTE = "OS detection needs at least 1 open and 1 closed TCP port";

/**
 * Fingerprint `target` and match the fingerprint against the database.
 *
 * @throws {NativeError} without raw-socket rights or when libpcap cannot capture.
 * @example
 * ```ts
 * const r = await detectOs({ address: "127.0.0.1", openTcpPort: 22, closedTcpPort: 1 }, {});
 * console.log(r.matches[0]?.name, r.fingerprint);
 * ```
 */
export async function detectOs(target: OsTarget, options: DetectOsOptions = {}): Promise<OsResult> {
  if (target.address.includes(":")) {
    return {
      fingerprint: "",
      lines: {},
      matches: [],
      perfect: false,
      note: "OS detection supports IPv4 targets only",
    };
  }
  const lines = await collectFingerprint(target, options);
  const fingerprint = formatFingerprint(lines);
  const all = matchOs(lines, options.db ?? OS_DB);
  const picked = pickMatches(all, {
    guess: options.guess ?? false,
    guessThreshold: options.guessThreshold,
  });
  const result: OsResult = { fingerprint, lines, ...picked };
  if (target.openTcpPort === undefined || target.closedTcpPort === undefined) {
    result.note = NEED_PORTS_NOTE;
  }
  return result;
}

/** A ranked list cut the way -O reports it. */
export function pickMatches(
  ranked: readonly OsMatch[],
  options: OsMatchOptions & { guess: boolean },
): { matches: OsMatch[]; perfect: boolean } {
  const perfectOnes = ranked.filter((m) => m.accuracy >= 100);
  if (perfectOnes.length > 0) return { matches: perfectOnes.slice(0, 10), perfect: true };
  if (!options.guess) return { matches: [], perfect: false };
  const floor = options.guessThreshold ?? 85;
  return { matches: ranked.filter((m) => m.accuracy >= floor).slice(0, 10), perfect: false };
}

/** One probe in flight: what was sent and what came back. */
interface TcpSent {
  name: TcpProbeName;
  instance: TcpProbeInstance;
  info: TcpProbeInfo;
  reply?: TcpObservation;
}

function random32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

function random16(): number {
  return (random32() & 0xfffe) + 1;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Send the probes and turn the replies into fingerprint lines (SCAN first). Probes to the
 * open port are skipped without one; a missing closed port is replaced by a random high
 * port, as nmap does, with the SCAN line's G=N saying the result is weak.
 */
export async function collectFingerprint(
  target: OsTarget,
  options: DetectOsOptions = {},
): Promise<FingerprintLines> {
  const route = routeTo(target.address);
  const address = target.address;
  const source = route.source;
  const closedTcp = target.closedTcpPort ?? 30000 + (random32() % 30000);
  const closedUdp = target.closedUdpPort ?? 30000 + (random32() % 30000);
  const maxTries = Math.max(1, options.maxTries ?? 2);
  const waitMs = options.waitMs ?? 1000;
  const signal = options.signal;

  const capture = Capture.open(route.interface, {
    filter: `ip and src host ${address} and dst host ${source}`,
    snaplen: 1024,
    bufferSize: 4 << 20,
    immediate: true,
  });
  let socket: RawSocket | undefined;
  try {
    socket = RawSocket.open(4);
    const session = new ProbeSession(capture, socket, { address, source, route });
    const open = target.openTcpPort;
    // SEQ: six SYNs 100 ms apart; a whole new series when too few were answered.
    let seq: TcpSent[] = [];
    if (open !== undefined) {
      for (let attempt = 0; attempt < maxTries; attempt++) {
        const series: TcpSent[] = [];
        const start = performance.now();
        for (let i = 0; i < SEQ_PROBES.length; i++) {
          await sleep(start + i * SEQ_INTERVAL_MS - performance.now(), signal);
          series.push(session.sendTcp(SEQ_PROBES[i], open));
          session.drain();
        }
        await session.waitFor(() => series.every((s) => s.reply), waitMs, signal);
        const answered = (l: TcpSent[]) => l.filter((s) => s.reply).length;
        if (answered(series) > answered(seq)) seq = series;
        if (answered(seq) === SEQ_PROBES.length) break;
      }
    }
    // ECN, T2-T7, U1, IE: all at once, the unanswered ones again on later rounds.
    const tcp = new Map<TcpProbeName, TcpSent>();
    let u1: U1Sent | undefined;
    for (let round = 0; round < maxTries; round++) {
      for (const spec of OTHER_TCP_PROBES) {
        if (spec.port === "open" && open === undefined) continue;
        if (tcp.get(spec.name)?.reply) continue;
        tcp.set(spec.name, session.sendTcp(spec, spec.port === "open" ? open! : closedTcp));
      }
      if (!u1?.reply) u1 = session.sendU1(closedUdp);
      if (!session.completeEcho()) session.sendIe();
      const done = () =>
        [...tcp.values()].every((t) => t.reply) && !!u1?.reply && !!session.completeEcho();
      await session.waitFor(done, waitMs, signal);
      if (done()) break;
    }
    session.drain();

    // Hop distance: 0 for ourselves, 1 on-link, else from the TTL left in U1's quote.
    let distance: number | undefined;
    let method: "L" | "D" | "I" | undefined;
    if (route.interface === "lo" || address === source) {
      distance = 0;
      method = "L";
    } else if (!route.gateway) {
      distance = 1;
      method = "D";
    } else if (u1?.reply) {
      distance = u1.sentTtl - u1.quotedTtl! + 1;
      method = "I";
    }

    const lines: FingerprintLines = {};
    lines.SCAN = scanLine({
      version: options.version ?? "portolan",
      date: new Date(),
      ...(open !== undefined ? { openTcpPort: open } : {}),
      ...(target.closedTcpPort !== undefined ? { closedTcpPort: target.closedTcpPort } : {
        closedTcpPort: closedTcp,
      }),
      closedUdpPort: closedUdp,
      address,
      ...(distance !== undefined ? { distance } : {}),
      ...(method ? { distanceMethod: method } : {}),
      ...(method === "D" && session.macPrefix ? { macPrefix: session.macPrefix } : {}),
      platform: `${Deno.build.arch}-${Deno.build.os}`,
    });
    if (target.closedTcpPort === undefined || open === undefined) lines.SCAN.G = "N";
    const dist = distance;
    const samples: SeqSample[] = seq.flatMap((s, index) =>
      s.reply ? [{ index, probe: s.info, reply: s.reply }] : []
    );
    const closedIds = (["T5", "T6", "T7"] as const).flatMap((n) => {
      const r = tcp.get(n)?.reply;
      return r ? [r.ipId] : [];
    });
    const echo = session.completeEcho();
    const echoIds = echo ? [echo[0].ipId, echo[1].ipId] : [];
    if (open !== undefined) {
      const s = seqLine(samples, { closedIds, echoIds });
      if (Object.keys(s).length) lines.SEQ = s;
      if (samples.length) {
        lines.OPS = opsLine(samples);
        lines.WIN = winLine(samples);
      }
      lines.ECN = ecnLine(tcp.get("ECN")?.reply, dist);
      const first = samples[0];
      lines.T1 = first
        ? tcpLine("T1", first.reply, { probe: first.probe, distance: dist })
        : { R: "N" };
    } else {
      // Without an open port CI and II can still be read.
      const s = seqLine([], { closedIds, echoIds });
      if (Object.keys(s).length) lines.SEQ = s;
    }
    for (const name of ["T2", "T3", "T4", "T5", "T6", "T7"] as const) {
      const sent = tcp.get(name);
      if (!sent) continue;
      lines[name] = tcpLine(name, sent.reply, { probe: sent.info, distance: dist });
    }
    lines.U1 = u1Line(u1?.reply, {
      probe: {
        totalLength: u1!.totalLength,
        id: U1_IP_ID,
        udpChecksum: u1!.udpChecksum,
        fill: U1_FILL,
      },
      distance: dist,
    });
    lines.IE = ieLine(echo, {
      probeCodes: [IE_PROBES[0].code, IE_PROBES[1].code],
      distance: dist,
    });
    return orderLines(lines);
  } finally {
    socket?.close();
    capture.close();
  }
}

function orderLines(lines: FingerprintLines): FingerprintLines {
  const out: FingerprintLines = {};
  for (const n of LINE_ORDER) if (lines[n]) out[n] = lines[n];
  return out;
}

interface U1Sent {
  srcPort: number;
  dstPort: number;
  totalLength: number;
  udpChecksum: number;
  sentTtl: number;
  reply?: UnreachObservation;
  quotedTtl?: number;
}

interface IeSent {
  echoId: number;
  replies: [EchoObservation | undefined, EchoObservation | undefined];
}

/** Sends probes, reads the capture, and pairs each reply with the probe it answers. */
class ProbeSession {
  readonly #capture: Capture;
  readonly #socket: RawSocket;
  readonly #address: string;
  readonly #source: string;
  readonly #byPort = new Map<number, TcpSent>();
  readonly #udp: U1Sent[] = [];
  readonly #echo: IeSent[] = [];
  #nextPort: number;
  macPrefix?: string;

  constructor(
    capture: Capture,
    socket: RawSocket,
    context: { address: string; source: string; route: Route },
  ) {
    this.#capture = capture;
    this.#socket = socket;
    this.#address = context.address;
    this.#source = context.source;
    // Every probe gets its own source port, so a reply names its probe and the target
    // never sees two probes on one connection.
    this.#nextPort = 33000 + (random32() % 24000);
  }

  #port(): number {
    const p = this.#nextPort;
    this.#nextPort = this.#nextPort >= 65000 ? 33000 : this.#nextPort + 1;
    return p;
  }

  #send(bytes: Uint8Array): void {
    for (let i = 0; i < 50; i++) {
      if (this.#socket.send(bytes, this.#address)) return;
    }
  }

  #addresses() {
    return { source: this.#source, destination: this.#address };
  }

  sendTcp(spec: TcpProbeInstance["spec"], dstPort: number): TcpSent {
    const instance: TcpProbeInstance = {
      spec,
      srcPort: this.#port(),
      dstPort,
      seq: random32(),
      ack: spec.zeroAck ? 0 : random32(),
      ipId: random16(),
    };
    const bytes = buildTcpProbe(instance, this.#addresses());
    const sentMs = performance.now();
    this.#send(bytes);
    const sent: TcpSent = {
      name: spec.name,
      instance,
      info: { seq: instance.seq, ack: instance.ack, sentMs },
    };
    this.#byPort.set(instance.srcPort, sent);
    return sent;
  }

  sendU1(dstPort: number): U1Sent {
    const srcPort = this.#port();
    const bytes = buildU1Probe({ srcPort, dstPort }, this.#addresses());
    const ihl = (bytes[0] & 0x0f) * 4;
    const sent: U1Sent = {
      srcPort,
      dstPort,
      totalLength: bytes.length,
      udpChecksum: (bytes[ihl + 6] << 8) | bytes[ihl + 7],
      sentTtl: bytes[8],
    };
    this.#send(bytes);
    this.#udp.push(sent);
    return sent;
  }

  sendIe(): IeSent {
    const echoId = random16() & 0xfffe;
    const sent: IeSent = { echoId, replies: [undefined, undefined] };
    this.#echo.push(sent);
    for (const which of [0, 1] as const) {
      this.#send(buildIeProbe(which, { echoId, ipId: random16() }, this.#addresses()));
    }
    return sent;
  }

  /** Both echo replies of one IE pair, from whichever round got them. */
  completeEcho(): [EchoObservation, EchoObservation] | undefined {
    for (const e of this.#echo) {
      if (e.replies[0] && e.replies[1]) return [e.replies[0], e.replies[1]];
    }
    return undefined;
  }

  /** Read whatever the capture holds and file each reply under its probe. */
  drain(): void {
    for (;;) {
      const batch = this.#capture.readBatch(256);
      for (const frame of batch) this.#accept(frame);
      if (batch.length < 256) return;
    }
  }

  async waitFor(done: () => boolean, waitMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      this.drain();
      if (done()) return;
      signal?.throwIfAborted();
      const left = deadline - performance.now();
      if (left <= 0) return;
      const fd = this.#capture.selectableFd;
      if (fd >= 0) await waitReadable(fd, Math.min(left, 50));
      else await sleep(Math.min(left, 5));
    }
  }

  #accept(frame: CapturedPacket): void {
    const bytes = frame.bytes;
    const packet = decodeFrame(this.#capture.linkType, bytes);
    if (!packet || packet.ip.version !== 4 || packet.ip.src !== this.#address) return;
    if (packet.link?.src && !this.macPrefix) {
      this.macPrefix = packet.link.src.split(":").slice(0, 3).join("").toUpperCase();
    }
    if (packet.tcp) this.#acceptTcp(packet, bytes);
    else if (packet.icmp) this.#acceptIcmp(packet, bytes);
  }

  #acceptTcp(packet: DecodedPacket, bytes: Uint8Array): void {
    const tcp = packet.tcp!;
    const sent = this.#byPort.get(tcp.dstPort);
    if (!sent || sent.reply || tcp.srcPort !== sent.instance.dstPort) return;
    // A genuine answer acknowledges our sequence number (plus SYN/FIN) or, for a reset to a
    // bare ACK, takes its sequence number from our acknowledgment.
    const ackDelta = (tcp.ack - sent.info.seq) >>> 0;
    const answers = ackDelta <= 2 || tcp.seq === sent.info.ack ||
      ((tcp.flags & 0x04) !== 0 && (tcp.flags & 0x10) === 0);
    if (!answers) return;
    const off = packet.ip.payloadOffset;
    sent.reply = {
      ttl: packet.ip.ttl,
      df: packet.ip.df,
      ipId: packet.ip.id,
      seq: tcp.seq,
      ack: tcp.ack,
      flags: bytes[off + 13],
      reserved: bytes[off + 12] & 0x0f,
      window: tcp.window,
      urgent: tcp.urgent,
      options: tcp.options,
      data: bytes.slice(tcp.payloadOffset, Math.max(tcp.payloadOffset, packet.ip.payloadEnd)),
    };
  }

  #acceptIcmp(packet: DecodedPacket, bytes: Uint8Array): void {
    const icmp = packet.icmp!;
    if (icmp.type === 0) {
      for (const e of this.#echo) {
        let which: 0 | 1;
        if (icmp.id === e.echoId && icmp.seq === IE_FIRST_SEQ) which = 0;
        else if (icmp.id === e.echoId + 1 && icmp.seq === IE_FIRST_SEQ + 1) which = 1;
        else continue;
        if (e.replies[which]) continue;
        e.replies[which] = {
          ttl: packet.ip.ttl,
          df: packet.ip.df,
          ipId: packet.ip.id,
          code: icmp.code,
        };
      }
      return;
    }
    if (icmp.type !== 3 || icmp.code !== 3) return;
    const q = icmp.quoted;
    if (!q || q.protocol !== 17) return;
    const sent = this.#udp.find((u) => u.srcPort === q.srcPort && u.dstPort === q.dstPort);
    if (!sent || sent.reply) return;
    const ip = packet.ip.payloadOffset;
    const q0 = icmp.payloadOffset;
    const qEnd = packet.ip.payloadEnd;
    const ihl = (bytes[q0] & 0x0f) * 4;
    const u = q0 + ihl;
    const qTotal = (bytes[q0 + 2] << 8) | bytes[q0 + 3];
    sent.quotedTtl = bytes[q0 + 8];
    sent.reply = {
      ttl: packet.ip.ttl,
      df: packet.ip.df,
      ipId: packet.ip.id,
      ipTotalLength: packet.ip.totalLength,
      unused: ((bytes[ip + 4] << 24) | (bytes[ip + 5] << 16) | (bytes[ip + 6] << 8) |
        bytes[ip + 7]) >>> 0,
      quoted: {
        totalLength: qTotal,
        id: q.id,
        checksum: (bytes[q0 + 10] << 8) | bytes[q0 + 11],
        checksumValid: q0 + ihl <= qEnd && internetChecksum(bytes.subarray(q0, q0 + ihl)) === 0,
        udpChecksum: u + 8 <= qEnd ? (bytes[u + 6] << 8) | bytes[u + 7] : 0,
        data: bytes.slice(Math.min(u + 8, qEnd), Math.min(q0 + qTotal, qEnd)),
      },
    };
  }
}

/** Re-exported for callers that only need the line type. */
export type { TestLine };
