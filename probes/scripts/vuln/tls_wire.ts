/**
 * Just enough of the TLS record and handshake layers to ask a server questions node:tls
 * will not: offer only SSLv3, only export ciphers, or send a heartbeat before the handshake
 * ends. We build our own ClientHello and read records in the clear up to ServerHelloDone.
 *
 * @module
 */
import type { ScriptSocket } from "../types.ts";

/** Wire versions. */
export const TLS_VERSIONS: Readonly<Record<string, number>> = {
  "SSLv3": 0x0300,
  "TLSv1.0": 0x0301,
  "TLSv1.1": 0x0302,
  "TLSv1.2": 0x0303,
};

/** Ordinary, modern-enough suites most servers accept (ECDHE/DHE/RSA with AES, ChaCha). */
export const COMMON_SUITES: readonly number[] = [
  0xc02f,
  0xc030,
  0xc02b,
  0xc02c,
  0xcca8,
  0xcca9,
  0x009e,
  0x009f,
  0x009c,
  0x009d,
  0xc013,
  0xc014,
  0xc009,
  0xc00a,
  0x0033,
  0x0039,
  0x002f,
  0x0035,
  0xc027,
  0xc028,
  0x003c,
  0x003d,
  0x000a,
];

/** A parsed ServerHello. */
export interface ServerHello {
  version: number;
  cipher: number;
  extensions: Map<number, Uint8Array>;
}

/** What the server did with our ClientHello. */
export type HelloOutcome =
  | { kind: "accepted"; hello: ServerHello; done: boolean; records: number }
  | { kind: "alert"; level: number; description: number }
  | { kind: "closed" }
  | { kind: "not-tls"; first: Uint8Array };

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

function u24(n: number): number[] {
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

function ext(type: number, body: number[]): number[] {
  return [...u16(type), ...u16(body.length), ...body];
}

/** Options of `clientHello`. */
export interface ClientHelloOptions {
  /** Offer the heartbeat extension (RFC 6520), peer allowed to send. */
  heartbeat?: boolean;
  /** SNI host name (not for IP literals). */
  serverName?: string;
}

/**
 * A complete ClientHello record offering `version` as the highest version and exactly
 * `suites`. SSLv3 hellos carry no extensions, as SSLv3 clients did not send them.
 */
export function clientHello(
  version: number,
  suites: readonly number[],
  options: ClientHelloOptions = {},
): Uint8Array {
  const random = crypto.getRandomValues(new Uint8Array(32));
  const exts: number[] = [];
  if (version > 0x0300) {
    if (options.serverName) {
      const name = [...new TextEncoder().encode(options.serverName)];
      const entry = [0, ...u16(name.length), ...name];
      exts.push(...ext(0x0000, [...u16(entry.length), ...entry]));
    }
    // x25519, secp256r1, secp384r1, secp521r1
    const groups = [0x001d, 0x0017, 0x0018, 0x0019].flatMap(u16);
    exts.push(...ext(0x000a, [...u16(groups.length), ...groups]));
    exts.push(...ext(0x000b, [1, 0]));
    if (version >= 0x0303) {
      // rsa_pss_rsae_sha256, rsa_pkcs1_sha256, ecdsa_secp256r1_sha256, rsa_pkcs1_sha384,
      // ecdsa_secp384r1_sha384, rsa_pss_rsae_sha384, rsa_pkcs1_sha512, rsa_pkcs1_sha1, ecdsa_sha1
      const algs = [0x0804, 0x0401, 0x0403, 0x0501, 0x0503, 0x0805, 0x0601, 0x0201, 0x0203]
        .flatMap(u16);
      exts.push(...ext(0x000d, [...u16(algs.length), ...algs]));
    }
    exts.push(...ext(0xff01, [0]));
    if (options.heartbeat) exts.push(...ext(0x000f, [1]));
  }
  const suiteBytes = suites.flatMap(u16);
  const body = [
    ...u16(version),
    ...random,
    0,
    ...u16(suiteBytes.length),
    ...suiteBytes,
    1,
    0,
    ...(exts.length ? [...u16(exts.length), ...exts] : []),
  ];
  const handshake = [1, ...u24(body.length), ...body];
  // Record version: TLS 1.0 for anything newer (what real clients send), SSLv3 for SSLv3.
  const recordVersion = version === 0x0300 ? 0x0300 : 0x0301;
  return new Uint8Array([0x16, ...u16(recordVersion), ...u16(handshake.length), ...handshake]);
}

/** One TLS record. */
export interface TlsRecord {
  type: number;
  version: number;
  body: Uint8Array;
}

/** Read one record; undefined at end of stream or when the bytes are not TLS. */
export async function readRecord(
  sock: ScriptSocket,
  timeoutMs?: number,
): Promise<TlsRecord | { notTls: Uint8Array } | undefined> {
  const head = await sock.receive({ bytes: 5, timeoutMs });
  if (head.length === 0) return undefined;
  if (head.length < 5 || head[0] < 20 || head[0] > 24 || head[1] !== 3) return { notTls: head };
  const len = (head[3] << 8) | head[4];
  const body = await sock.receive({ bytes: len, timeoutMs });
  if (body.length < len) return undefined;
  return { type: head[0], version: (head[1] << 8) | head[2], body };
}

/** Parse a ServerHello handshake message body (after the 4-byte handshake header). */
export function parseServerHello(b: Uint8Array): ServerHello {
  const version = (b[0] << 8) | b[1];
  let i = 2 + 32;
  const sidLen = b[i];
  i += 1 + sidLen;
  const cipher = (b[i] << 8) | b[i + 1];
  i += 3; // cipher + compression method
  const extensions = new Map<number, Uint8Array>();
  if (i + 2 <= b.length) {
    const end = i + 2 + ((b[i] << 8) | b[i + 1]);
    i += 2;
    while (i + 4 <= end && i + 4 <= b.length) {
      const type = (b[i] << 8) | b[i + 1];
      const len = (b[i + 2] << 8) | b[i + 3];
      extensions.set(type, b.slice(i + 4, i + 4 + len));
      i += 4 + len;
    }
  }
  return { version, cipher, extensions };
}

/**
 * Send `hello` and read the server's answer up to ServerHelloDone (or the first alert).
 * `done` is true when ServerHelloDone arrived, i.e. the server now waits for us.
 */
export async function negotiate(
  sock: ScriptSocket,
  hello: Uint8Array,
  options: { timeoutMs?: number; untilDone?: boolean } = {},
): Promise<HelloOutcome> {
  await sock.send(hello);
  let pending = new Uint8Array(0);
  let serverHello: ServerHello | undefined;
  let records = 0;
  for (;;) {
    let rec: Awaited<ReturnType<typeof readRecord>>;
    try {
      rec = await readRecord(sock, options.timeoutMs);
    } catch (e) {
      // A server that stops talking after ServerHello still accepted the hello.
      if (serverHello) return { kind: "accepted", hello: serverHello, done: false, records };
      throw e;
    }
    if (rec === undefined) {
      if (serverHello) return { kind: "accepted", hello: serverHello, done: false, records };
      return { kind: "closed" };
    }
    if ("notTls" in rec) return { kind: "not-tls", first: rec.notTls };
    records++;
    if (rec.type === 21) return { kind: "alert", level: rec.body[0], description: rec.body[1] };
    if (rec.type !== 22) {
      if (serverHello) return { kind: "accepted", hello: serverHello, done: false, records };
      continue;
    }
    const merged = new Uint8Array(pending.length + rec.body.length);
    merged.set(pending);
    merged.set(rec.body, pending.length);
    pending = merged;
    while (pending.length >= 4) {
      const len = (pending[1] << 16) | (pending[2] << 8) | pending[3];
      if (pending.length < 4 + len) break;
      const type = pending[0];
      const body = pending.slice(4, 4 + len);
      pending = pending.slice(4 + len);
      if (type === 2) {
        serverHello = parseServerHello(body);
        if (!options.untilDone) {
          return { kind: "accepted", hello: serverHello, done: false, records };
        }
      }
      if (type === 14 && serverHello) {
        return { kind: "accepted", hello: serverHello, done: true, records };
      }
    }
  }
}

/** Alert descriptions worth naming in evidence. */
export function alertName(description: number): string {
  const names: Record<number, string> = {
    10: "unexpected_message",
    20: "bad_record_mac",
    40: "handshake_failure",
    47: "illegal_parameter",
    50: "decode_error",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    112: "unrecognized_name",
  };
  return names[description] ?? `alert ${description}`;
}

/** A version number as a name. */
export function versionName(v: number): string {
  return Object.entries(TLS_VERSIONS).find(([, n]) => n === v)?.[0] ??
    `0x${v.toString(16).padStart(4, "0")}`;
}
