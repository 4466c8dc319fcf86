/**
 * Service and version detection (`-sV`): connect to open ports, listen for a banner, send the
 * probes most likely to draw an answer, and match the replies against our signatures
 * (`registry/service_signatures.ts`). TLS is detected and probing repeated inside it (on
 * implicit-TLS ports the handshake comes first); UDP ports are probed with the payloads of
 * `registry/udp_payloads.ts`, and SNMP agents also with an SNMPv3 engine discovery.
 *
 * Every probe runs on a fresh connection, as a confused server must not spoil the next probe.
 *
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import dgram from "node:dgram";
import { X509Certificate } from "node:crypto";
import {
  looksLikeTls,
  matchDnsVersion,
  matchService,
  matchSnmpAgent,
  type ServiceMatch,
} from "../../registry/service_signatures.ts";
import {
  buildSnmpV3Discovery,
  parseSnmpV3Report,
  recognizeUdpReply,
  udpPayload,
} from "../../registry/udp_payloads.ts";
import { lookupService } from "../../registry/services.ts";
import type { ServiceEvent, TlsInfo } from "../../engine/events.ts";
import { BANNER_PORTS, probesFor, type ServiceProbe, TLS_PORTS } from "./probes.ts";

/** One open port to identify. */
export interface ServiceTarget {
  address: string;
  port: number;
  protocol: "tcp" | "udp";
}

/** Options of {@link detectServices}. */
export interface DetectOptions {
  /** 0-9 (default 7): how many rare probes to try on ports they do not expect. */
  intensity?: number;
  /** Per-probe reply timeout in milliseconds (default 1000 + 300 x intensity). */
  timeoutMs?: number;
  /** Ports identified at once (default 32). */
  concurrency?: number;
  signal?: AbortSignal;
}

/** The certificate and session of a TLS tunnel: the event stream's own type. */
export type TlsDetails = TlsInfo;

/** What version detection found on one port: a service event without its tag. */
export type ServiceResult = Omit<ServiceEvent, "type">;

interface Config {
  intensity: number;
  waitMs: number;
  signal?: AbortSignal;
}

interface Exchanged {
  /** Connection refused / unreachable / handshake failed: no session at all. */
  failed?: string;
  data: Uint8Array;
  /** The peer closed the connection before our wait ended. */
  closed: boolean;
  tls?: TlsDetails;
}

/** After the first bytes of a reply, wait this long for more before judging it. */
const QUIET_MS = 250;
const CONNECT_MS = 5000;

/**
 * Identify the services on `targets`, yielding one result per target as each finishes (in
 * completion order, not input order).
 *
 * @example
 * ```ts
 * for await (const r of detectServices([{ address: "127.0.0.1", port: 22, protocol: "tcp" }])) {
 *   console.log(r.name, r.product, r.version); // ssh OpenSSH 9.2p1
 * }
 * ```
 */
export async function* detectServices(
  targets: Iterable<ServiceTarget>,
  options: DetectOptions = {},
): AsyncIterable<ServiceResult> {
  const intensity = Math.max(0, Math.min(9, Math.trunc(options.intensity ?? 7)));
  const cfg: Config = {
    intensity,
    waitMs: options.timeoutMs ?? 1000 + 300 * intensity,
    signal: options.signal,
  };
  const queue = [...targets];
  const done: ServiceResult[] = [];
  let wake: (() => void) | undefined;
  let running = 0;
  let failure: unknown;
  const start = () => {
    while (running < Math.max(1, options.concurrency ?? 32) && queue.length > 0) {
      if (cfg.signal?.aborted) {
        queue.length = 0;
        break;
      }
      const t = queue.shift()!;
      running++;
      const job = t.protocol === "udp" ? detectUdp(t, cfg) : detectTcp(t, cfg);
      job.then((r) => done.push(r), (e) => failure ??= e).finally(() => {
        running--;
        wake?.();
      });
    }
  };
  start();
  while (running > 0 || done.length > 0) {
    if (done.length === 0) await new Promise<void>((r) => wake = r);
    wake = undefined;
    if (failure !== undefined) throw failure;
    while (done.length > 0) yield done.shift()!;
    start();
  }
}

/** Identify one TCP port. */
async function detectTcp(t: ServiceTarget, cfg: Config): Promise<ServiceResult> {
  // Implicit-TLS ports: a plaintext probe there only costs a wait for a banner that never comes.
  const tlsFirst = TLS_PORTS.has(t.port);
  if (tlsFirst) {
    const inner = await tlsSession(t, cfg, Math.min(CONNECT_MS, Math.max(cfg.waitMs, 1000)));
    if (inner !== undefined) return finish(t, inner);
  }
  const plain = await probeSession(t, cfg, { tls: false, tlsTried: tlsFirst });
  if (plain.match !== undefined || plain.wrapped) return finish(t, plain);
  if (tlsFirst || plain.tlsHint) {
    if (plain.tlsHint && !tlsFirst) {
      const inner = await tlsSession(t, cfg, CONNECT_MS);
      if (inner !== undefined) return finish(t, inner);
    }
    if (plain.tlsHint) return finish(t, plain);
    return finish(t, await probeSession(t, cfg, { tls: false, rare: true, prior: plain }));
  }
  // No plaintext answer we know: try a TLS handshake and the rarer probes side by side. A
  // plaintext server that waits for its client says nothing to a ClientHello, and waiting that
  // out before the rarer probes would double the time an unusual service takes.
  const tlsStop = new AbortController();
  const tlsCfg = {
    ...cfg,
    signal: cfg.signal ? AbortSignal.any([cfg.signal, tlsStop.signal]) : tlsStop.signal,
  };
  const [inner, rest] = await Promise.all([
    tlsSession(t, tlsCfg, CONNECT_MS),
    probeSession(t, cfg, { tls: false, rare: true, prior: plain }).then((r) => {
      // A plaintext match settles it: stop waiting for a handshake that will not come.
      if (r.match !== undefined) tlsStop.abort();
      return r;
    }),
  ]);
  if (inner !== undefined && (inner.match !== undefined || rest.match === undefined)) {
    return finish(t, inner);
  }
  return finish(t, rest);
}

/**
 * Handshake, then probe inside the tunnel; `undefined` when no TLS session could be made within
 * `connectMs` (a plaintext server that waits for its client's first line says nothing to a
 * ClientHello, so implicit-TLS ports bound the handshake by the probe timeout).
 */
async function tlsSession(
  t: ServiceTarget,
  cfg: Config,
  connectMs: number,
): Promise<SessionResult | undefined> {
  const hello = await exchange(t, new Uint8Array(0), {
    tls: true,
    waitMs: 0,
    connectMs,
    signal: cfg.signal,
  });
  if (hello.failed !== undefined || hello.tls === undefined) return undefined;
  return await probeSession(t, cfg, { tls: true, details: hello.tls });
}

interface SessionResult {
  match?: ServiceMatch;
  evidence?: Uint8Array;
  tls?: TlsDetails;
  tlsHint: boolean;
  wrapped: boolean;
  refused?: string;
}

/**
 * Run the NULL probe and this port's own probes (or, with `rare`, the other probes allowed by
 * the intensity), over TLS or not. Stops at the first match.
 */
async function probeSession(
  t: ServiceTarget,
  cfg: Config,
  opts: {
    tls: boolean;
    details?: TlsDetails;
    rare?: boolean;
    prior?: SessionResult;
    /** A TLS handshake was already tried on this port (and failed). */
    tlsTried?: boolean;
  },
): Promise<SessionResult> {
  const out: SessionResult = {
    tls: opts.details,
    tlsHint: false,
    wrapped: false,
    evidence: opts.prior?.evidence,
  };
  const all = probesFor(t.port, cfg.intensity);
  const own = all.filter((p) => p.ports.includes(t.port));
  let probes: ServiceProbe[];
  let closedEmpty = 0;
  let tries = 0;
  if (!opts.rare) {
    // Inside TLS the same rule as in plain text: only banner ports (IMAPS, POP3S, ...) get
    // the long wait; an HTTPS server never speaks first.
    const nullWait = BANNER_PORTS.has(t.port)
      ? Math.max(cfg.waitMs, 2000)
      : own.length > 0
      ? Math.min(cfg.waitMs, 600)
      : cfg.waitMs;
    const first = await exchange(t, new Uint8Array(0), {
      tls: opts.tls,
      waitMs: nullWait,
      signal: cfg.signal,
      probe: "NULL",
    });
    if (first.failed !== undefined) return { ...out, refused: first.failed };
    tries++;
    if (first.data.length > 0) {
      out.evidence ??= first.data;
      const m = matchService("NULL", first.data);
      if (m !== undefined) return { ...out, match: m };
      if (!opts.tls && looksLikeTls(first.data)) return { ...out, tlsHint: true };
    } else if (first.closed) closedEmpty++;
    // Implicit-TLS ports: go straight to the handshake rather than confuse the server.
    if (!opts.tls && !opts.tlsTried && TLS_PORTS.has(t.port) && first.data.length === 0) {
      return { ...out, tlsHint: true };
    }
    probes = own.length > 0 ? own : all.filter((p) => p.name === "GetRequest");
  } else {
    probes = all.filter((p) => !p.ports.includes(t.port) && p.name !== "GetRequest");
  }
  // Unexpected probes go in parallel, each on its own connection; the first match wins and
  // the rest are cut short, so one silent probe does not hold up a port that answered another.
  const parallel = opts.rare ? 8 : 1;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  cfg.signal?.addEventListener("abort", onAbort);
  const pending = new Set<Promise<void>>();
  let found: SessionResult | undefined;
  const run = async (p: ServiceProbe) => {
    const ex = await exchange(t, p.build(t), {
      tls: opts.tls,
      waitMs: cfg.waitMs,
      signal: stop.signal,
      probe: p.name,
    });
    if (found !== undefined || ex.failed !== undefined) return;
    tries++;
    if (ex.data.length === 0) {
      if (ex.closed) closedEmpty++;
      return;
    }
    const m = decode(p, ex.data);
    if (m !== undefined) {
      found = { ...out, match: m, evidence: ex.data };
      stop.abort();
      return;
    }
    out.evidence ??= ex.data;
    if (!opts.tls && looksLikeTls(ex.data)) {
      found = { ...out, tlsHint: true };
      stop.abort();
    }
  };
  try {
    for (const p of probes) {
      if (found !== undefined || stop.signal.aborted) break;
      const job: Promise<void> = run(p).finally(() => pending.delete(job));
      pending.add(job);
      if (pending.size >= parallel) await Promise.race(pending);
    }
    await Promise.all(pending);
  } finally {
    cfg.signal?.removeEventListener("abort", onAbort);
  }
  if (found !== undefined) return found;
  // Every connection accepted and closed at once without a byte: a TCP wrapper or the like.
  out.wrapped = !opts.rare && tries > 0 && closedEmpty === tries && out.evidence === undefined;
  return out;
}

/** Replies that need unwrapping before matching: DNS and ONC RPC over TCP. */
function decode(p: ServiceProbe, data: Uint8Array): ServiceMatch | undefined {
  if (p.name === "DnsVersionBindTcp") {
    if (data.length < 14) return undefined;
    const info = recognizeUdpReply(53, data.subarray(2, 2 + ((data[0] << 8) | data[1])));
    return info === undefined ? undefined : matchDnsVersion(info.detail);
  }
  if (p.name === "RpcNull") {
    if (data.length < 28 || (data[0] & 0x80) === 0) return undefined;
    const body = data.subarray(4);
    const info = recognizeUdpReply(111, body) ?? recognizeUdpReply(2049, body);
    if (info === undefined) return undefined;
    return { name: "rpcbind", extraInfo: info.detail, cpe: [], confidence: 7 };
  }
  return matchService(p.name, data);
}

function finish(t: ServiceTarget, s: SessionResult): ServiceResult {
  const base = { address: t.address, port: t.port, protocol: t.protocol } as const;
  const tunnel = s.tls !== undefined ? { tunnel: "ssl" as const, tls: s.tls } : {};
  const prefix = s.tls !== undefined ? "ssl/" : "";
  const evidence = s.evidence !== undefined ? { evidence: escapeBytes(s.evidence) } : {};
  if (s.wrapped) {
    return { ...base, name: "tcpwrapped", cpe: [], method: "probed", confidence: 8 };
  }
  if (s.match !== undefined) {
    const { name, ...rest } = s.match;
    return { ...base, name: prefix + name, ...rest, ...tunnel, method: "probed", ...evidence };
  }
  const known = lookupService(t.port, t.protocol)?.name;
  if (s.evidence !== undefined || s.tls !== undefined || s.tlsHint) {
    // It answered, but with nothing we recognise.
    return {
      ...base,
      name: prefix + (s.tlsHint && s.tls === undefined ? "ssl" : known ?? "unknown"),
      cpe: [],
      ...tunnel,
      method: "probed",
      confidence: 3,
      ...evidence,
    };
  }
  return { ...base, name: known ?? "unknown", cpe: [], method: "table", confidence: 1 };
}

/** Printable form of the first bytes of a reply: \r \n \t, \xNN for the rest. */
export function escapeBytes(data: Uint8Array, max = 160): string {
  let s = "";
  for (const b of data.subarray(0, max)) {
    if (b === 0x0d) s += "\\r";
    else if (b === 0x0a) s += "\\n";
    else if (b === 0x09) s += "\\t";
    else if (b === 0x5c) s += "\\\\";
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return data.length > max ? s + "..." : s;
}

/**
 * Connect (optionally with TLS), send `payload`, and collect the reply until the peer closes,
 * the reply goes quiet for {@link QUIET_MS}, a signature matches it with a version, or
 * `waitMs` runs out. With `waitMs` 0 it returns right after the (TLS) connection is made.
 */
function exchange(
  t: ServiceTarget,
  payload: Uint8Array,
  opts: {
    tls: boolean;
    waitMs: number;
    signal?: AbortSignal;
    probe?: string;
    /** Limit on the TCP connect plus TLS handshake (default {@link CONNECT_MS}). */
    connectMs?: number;
  },
): Promise<Exchanged> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let details: TlsDetails | undefined;
    const sock: net.Socket = opts.tls
      ? tls.connect({ host: t.address, port: t.port, rejectUnauthorized: false })
      : net.connect({ host: t.address, port: t.port });
    const data = () => {
      const out = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    };
    const settle = (closed: boolean, failed?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      sock.destroy();
      resolve({ failed, data: data(), closed, tls: details });
    };
    const onAbort = () => settle(false, "aborted");
    opts.signal?.addEventListener("abort", onAbort);
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => settle(false), ms);
    };
    let deadline = Infinity;
    timer = setTimeout(() => settle(false, "connect timeout"), opts.connectMs ?? CONNECT_MS);
    sock.once(opts.tls ? "secureConnect" : "connect", () => {
      if (opts.tls) details = tlsDetails(sock as tls.TLSSocket);
      if (opts.waitMs <= 0) return settle(false);
      if (payload.length > 0) sock.write(payload);
      deadline = Date.now() + opts.waitMs;
      arm(opts.waitMs);
    });
    sock.on("data", (chunk: Uint8Array) => {
      if (size < 65536) {
        chunks.push(new Uint8Array(chunk));
        size += chunk.length;
      }
      if (opts.probe !== undefined) {
        const m = matchService(opts.probe, data());
        if (m !== undefined && m.version !== undefined && !/^GetRequest$/.test(opts.probe)) {
          return settle(false);
        }
      }
      arm(Math.max(0, Math.min(QUIET_MS, deadline - Date.now())));
    });
    sock.on("end", () => settle(true));
    sock.on("close", () => settle(true));
    sock.on("error", (e: Error & { code?: string }) => {
      // An error after bytes arrived (a reset) still leaves a usable reply.
      if (details === undefined && opts.tls && size === 0 && deadline === Infinity) {
        return settle(false, e.code ?? e.message);
      }
      if (deadline === Infinity) return settle(false, e.code ?? e.message);
      settle(true);
    });
  });
}

function tlsDetails(sock: tls.TLSSocket): TlsDetails {
  const peer = sock.getPeerCertificate(false) as { raw?: Uint8Array };
  const cipher = sock.getCipher?.();
  const out: TlsDetails = {
    protocol: sock.getProtocol?.() ?? "",
    cipher: cipher?.standardName ?? cipher?.name ?? "",
    subject: "",
    issuer: "",
    sans: [],
    notBefore: "",
    notAfter: "",
    sha256: "",
  };
  if (peer?.raw === undefined) return out;
  try {
    const x = new X509Certificate(peer.raw);
    out.subject = x.subject.split("\n").join(", ");
    out.issuer = x.issuer.split("\n").join(", ");
    out.sans = (x.subjectAltName ?? "").split(/,\s*/).filter((s) => s !== "");
    out.notBefore = new Date(x.validFrom).toISOString();
    out.notAfter = new Date(x.validTo).toISOString();
    out.sha256 = x.fingerprint256.replaceAll(":", "").toLowerCase();
  } catch {
    // A certificate node cannot parse still proves TLS; leave the fields empty.
  }
  return out;
}

/** Identify one UDP port with its protocol's payload (registry/udp_payloads.ts). */
async function detectUdp(t: ServiceTarget, cfg: Config): Promise<ServiceResult> {
  const base = { address: t.address, port: t.port, protocol: "udp" as const };
  const known = lookupService(t.port, "udp")?.name;
  if (udpPayload(t.port) === undefined) {
    return { ...base, name: known ?? "unknown", cpe: [], method: "table", confidence: 1 };
  }
  if (t.port === 161) return await detectSnmp(t, cfg);
  // Two tries: a lost datagram is not an answer.
  for (let attempt = 0; attempt < 2 && !cfg.signal?.aborted; attempt++) {
    const [reply] = await udpExchange(t, [udpPayload(t.port)!], {
      waitMs: Math.min(cfg.waitMs, 3000),
    });
    if (reply === undefined) continue;
    const info = recognizeUdpReply(t.port, reply);
    if (info === undefined) {
      return {
        ...base,
        name: known ?? "unknown",
        cpe: [],
        method: "probed",
        confidence: 3,
        evidence: escapeBytes(reply),
      };
    }
    const m: ServiceMatch = info.service === "domain"
      ? matchDnsVersion(info.detail)
      : { name: info.service, extraInfo: info.detail, cpe: [], confidence: 7 };
    return { ...base, ...m, method: "probed", evidence: escapeBytes(reply) };
  }
  return { ...base, name: known ?? "unknown", cpe: [], method: "table", confidence: 1 };
}

/**
 * SNMP: the v2c sysDescr.0 request and an SNMPv3 engine discovery at once, from one socket.
 * sysDescr names the system, the v3 Report's engine ID names the agent's vendor (RFC 3411).
 */
async function detectSnmp(t: ServiceTarget, cfg: Config): Promise<ServiceResult> {
  const base = { address: t.address, port: t.port, protocol: "udp" as const };
  const known = lookupService(t.port, "udp")?.name;
  for (let attempt = 0; attempt < 2 && !cfg.signal?.aborted; attempt++) {
    const [v2, v3] = await udpExchange(t, [udpPayload(161)!, buildSnmpV3Discovery()], {
      waitMs: Math.min(cfg.waitMs, 3000),
      slot: (reply) => parseSnmpV3Report(reply) !== undefined ? 1 : 0,
    });
    if (v2 === undefined && v3 === undefined) continue;
    const info = v2 !== undefined ? recognizeUdpReply(161, v2) : undefined;
    const engine = v3 !== undefined ? parseSnmpV3Report(v3) : undefined;
    const evidence = escapeBytes((v2 ?? v3)!);
    if (info === undefined && engine === undefined) {
      return {
        ...base,
        name: known ?? "unknown",
        cpe: [],
        method: "probed",
        confidence: 3,
        evidence,
      };
    }
    const m = matchSnmpAgent({ detail: info?.detail, engine });
    return { ...base, ...m, method: "probed", evidence };
  }
  return { ...base, name: known ?? "unknown", cpe: [], method: "table", confidence: 1 };
}

/**
 * Send `payloads` from one socket and collect the target's replies, one per slot (`slot` says
 * which request a reply answers; default slot 0). Returns when every slot is filled, when
 * `waitMs` runs out, or a grace period after the first reply: an agent that answers one request
 * and ignores the other must not cost the whole timeout.
 */
function udpExchange(
  t: ServiceTarget,
  payloads: Uint8Array[],
  opts: { waitMs: number; slot?: (reply: Uint8Array) => number },
): Promise<(Uint8Array | undefined)[]> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(t.address.includes(":") ? "udp6" : "udp4");
    const replies: (Uint8Array | undefined)[] = payloads.map(() => undefined);
    const started = Date.now();
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        sock.close();
      } catch { /* already closed */ }
      resolve(replies);
    };
    timer = setTimeout(settle, opts.waitMs);
    sock.on("message", (msg: Uint8Array, rinfo: { address: string; port: number }) => {
      if (rinfo.port !== t.port || !sameAddress(rinfo.address, t.address)) return;
      const reply = new Uint8Array(msg);
      const at = Math.max(0, Math.min(payloads.length - 1, opts.slot?.(reply) ?? 0));
      const first = replies.every((r) => r === undefined);
      replies[at] ??= reply;
      if (replies.every((r) => r !== undefined)) return settle();
      if (first) {
        // Both requests left together: the other answer, if any, is a few RTTs behind.
        const grace = Math.max(QUIET_MS, 4 * (Date.now() - started));
        clearTimeout(timer);
        timer = setTimeout(
          settle,
          Math.min(grace, Math.max(0, started + opts.waitMs - Date.now())),
        );
      }
    });
    sock.on("error", () => settle());
    for (const p of payloads) {
      sock.send(p, t.port, t.address, (err: Error | null) => {
        if (err) settle();
      });
    }
  });
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase().replace(/^::ffff:/, "") === b.toLowerCase().replace(/^::ffff:/, "");
}
