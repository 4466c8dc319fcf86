/**
 * Network helpers given to scripts: buffered TCP/TLS sockets, one-shot UDP, and a small
 * HTTP/1.1 client. Every helper is bound to one target and one abort signal, so a script
 * that overruns its budget has its sockets closed under it instead of hanging the scan.
 *
 * @module
 */
import * as nodeTls from "node:tls";
import * as dgram from "node:dgram";
import type { Buffer } from "node:buffer";
import type {
  ConnectOptions,
  HttpRequest,
  HttpResponse,
  ReceiveOptions,
  ScriptHelpers,
  ScriptPort,
  ScriptSocket,
  TlsConnection,
} from "./types.ts";

/** Where and how long the helpers may talk. */
export interface HelperOptions {
  address: string;
  hostname?: string;
  port?: ScriptPort;
  signal: AbortSignal;
  /** Per read and per connect (default 5000 ms). */
  readTimeoutMs?: number;
}

/** A source of bytes: `null` at end of stream. */
interface ByteStream {
  read(): Promise<Uint8Array | null>;
  write(data: Uint8Array): Promise<void>;
  close(): void;
}

const encoder = new TextEncoder();

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/** Decode bytes one to one (latin1), so binary banners survive as text. */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Wrap a byte stream in the buffered socket API scripts use. */
function bufferedSocket(
  stream: ByteStream,
  readTimeoutMs: number,
  signal: AbortSignal,
): ScriptSocket {
  let buffer: Uint8Array = new Uint8Array(0);
  let eof = false;
  let closed = false;
  const onAbort = () => close();
  signal.addEventListener("abort", onAbort, { once: true });

  function close(): void {
    if (closed) return;
    closed = true;
    signal.removeEventListener("abort", onAbort);
    try {
      stream.close();
    } catch {
      // already closed by the peer
    }
  }

  async function fill(deadline: number): Promise<boolean> {
    if (eof) return false;
    if (signal.aborted) throw new Error("aborted");
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`read timed out after ${readTimeoutMs} ms`);
    const chunk = await withTimeout(stream.read(), left, "read");
    if (chunk === null) {
      eof = true;
      return false;
    }
    buffer = concat(buffer, chunk);
    return true;
  }

  function take(n: number): Uint8Array {
    const out = buffer.slice(0, n);
    buffer = buffer.slice(n);
    return out;
  }

  async function receive(options: ReceiveOptions = {}): Promise<Uint8Array> {
    const deadline = Date.now() + (options.timeoutMs ?? readTimeoutMs);
    const marker = options.line
      ? encoder.encode("\n")
      : options.until !== undefined
      ? toBytes(options.until)
      : undefined;
    if (marker) {
      for (;;) {
        const at = indexOf(buffer, marker);
        if (at >= 0) {
          const out = take(at + marker.length);
          if (!options.line) return out;
          let end = out.length - 1;
          if (end > 0 && out[end - 1] === 0x0d) end--;
          return out.slice(0, end);
        }
        if (!(await fill(deadline))) return take(buffer.length);
      }
    }
    if (options.bytes !== undefined) {
      while (buffer.length < options.bytes) if (!(await fill(deadline))) break;
      return take(Math.min(options.bytes, buffer.length));
    }
    if (buffer.length === 0) await fill(deadline);
    return take(buffer.length);
  }

  return {
    async send(data) {
      if (closed) throw new Error("socket closed");
      await withTimeout(stream.write(toBytes(data)), readTimeoutMs, "write");
    },
    receive,
    async receiveText(options) {
      return latin1(await receive(options));
    },
    close,
  };
}

function denoStream(conn: Deno.Conn): ByteStream {
  return {
    async read() {
      const buf = new Uint8Array(16384);
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch (e) {
        if (e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BadResource) {
          return null;
        }
        throw e;
      }
      return n === null ? null : buf.slice(0, n);
    },
    async write(data) {
      let off = 0;
      while (off < data.length) off += await conn.write(data.subarray(off));
    },
    close: () => conn.close(),
  };
}

/** Adapt an event-emitting node socket to pull-style reads. */
function nodeStream(sock: nodeTls.TLSSocket): ByteStream {
  const chunks: Uint8Array[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  sock.on("data", (d: Buffer) => {
    chunks.push(new Uint8Array(d));
    poke();
  });
  sock.on("end", () => {
    ended = true;
    poke();
  });
  sock.on("close", () => {
    ended = true;
    poke();
  });
  sock.on("error", (e: Error) => {
    failure = e;
    poke();
  });
  return {
    async read() {
      while (chunks.length === 0 && !ended && !failure) {
        await new Promise<void>((r) => (wake = r));
      }
      if (chunks.length > 0) return chunks.shift()!;
      if (failure && !ended) throw failure;
      return null;
    },
    write(data) {
      return new Promise((resolve, reject) => sock.write(data, (e) => (e ? reject(e) : resolve())));
    },
    close: () => sock.destroy(),
  };
}

function isIpLiteral(name: string): boolean {
  return /^[\d.]+$/.test(name) || name.includes(":");
}

/**
 * Build the helpers for one script run.
 *
 * @example
 * const h = scriptHelpers({ address: "127.0.0.1", port, signal });
 * const res = await h.http({ path: "/" });
 */
export function scriptHelpers(options: HelperOptions): ScriptHelpers {
  const readTimeoutMs = options.readTimeoutMs ?? 5000;
  const { signal } = options;

  async function tcp(opts: ConnectOptions = {}): Promise<ScriptSocket> {
    if (signal.aborted) throw new Error("aborted");
    const port = opts.port ?? options.port?.port;
    if (port === undefined) throw new Error("tcp(): no port given");
    const conn = await withTimeout(
      Deno.connect({ hostname: opts.host ?? options.address, port }),
      opts.timeoutMs ?? readTimeoutMs,
      "connect",
    );
    return bufferedSocket(denoStream(conn), readTimeoutMs, signal);
  }

  async function tls(opts: ConnectOptions = {}): Promise<TlsConnection> {
    if (signal.aborted) throw new Error("aborted");
    const port = opts.port ?? options.port?.port;
    if (port === undefined) throw new Error("tls(): no port given");
    const host = opts.host ?? options.address;
    const sni = opts.serverName ??
      (options.hostname && !isIpLiteral(options.hostname) ? options.hostname : undefined);
    const sock = nodeTls.connect({ host, port, servername: sni, rejectUnauthorized: false });
    const stream = nodeStream(sock);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          sock.once("secureConnect", () => resolve());
          sock.once("error", reject);
        }),
        opts.timeoutMs ?? readTimeoutMs,
        "TLS handshake",
      );
    } catch (e) {
      sock.destroy();
      throw e;
    }
    const peer = sock.getPeerCertificate(false) as { raw?: Buffer } | undefined;
    const cipher = sock.getCipher() as { name?: string } | undefined;
    return {
      socket: bufferedSocket(stream, readTimeoutMs, signal),
      certificate: peer?.raw ? { der: new Uint8Array(peer.raw) } : undefined,
      protocol: sock.getProtocol() ?? undefined,
      cipher: cipher?.name,
    };
  }

  function udp(
    payload: Uint8Array,
    opts: { port?: number; timeoutMs?: number } = {},
  ): Promise<Uint8Array | undefined> {
    const port = opts.port ?? options.port?.port;
    if (port === undefined) return Promise.reject(new Error("udp(): no port given"));
    const type = options.address.includes(":") ? "udp6" : "udp4";
    const sock = dgram.createSocket(type);
    if (signal.aborted) return Promise.reject(new Error("aborted"));
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      let settled = false;
      const finish = (value: Uint8Array | undefined, err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        try {
          sock.close();
        } catch {
          // closed already
        }
        if (err) reject(err);
        else resolve(value);
      };
      const onAbort = () => finish(undefined, new Error("aborted"));
      signal.addEventListener("abort", onAbort, { once: true });
      sock.on("message", (msg: Buffer) => finish(new Uint8Array(msg)));
      sock.on("error", (e: Error) => finish(undefined, e));
      const timer = setTimeout(() => finish(undefined), opts.timeoutMs ?? readTimeoutMs);
      sock.send(payload, port, options.address, (e: Error | null) => {
        if (e) finish(undefined, e);
      });
    });
  }

  function wantsTls(): boolean {
    const s = options.port?.service;
    return s?.tunnel === "ssl" || s?.name === "https" || s?.name === "ssl/http";
  }

  async function httpOnce(req: HttpRequest, path: string): Promise<HttpResponse> {
    const port = options.port?.port;
    const useTls = req.tls ?? wantsTls();
    const socket = useTls ? (await tls()).socket : await tcp();
    try {
      const hostName = options.hostname ?? options.address;
      const hostHeader = hostName.includes(":") ? `[${hostName}]` : hostName;
      const defaultPort = useTls ? 443 : 80;
      const headers: Record<string, string> = {
        Host: port && port !== defaultPort ? `${hostHeader}:${port}` : hostHeader,
        "User-Agent": "Mozilla/5.0 (compatible; Portolan Scripting Engine)",
        Accept: "*/*",
        Connection: "close",
        ...req.headers,
      };
      const body = req.body === undefined ? undefined : toBytes(req.body);
      if (body) headers["Content-Length"] = String(body.length);
      const head = `${req.method ?? "GET"} ${path} HTTP/1.1\r\n` +
        Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
      await socket.send(body ? concat(encoder.encode(head), body) : encoder.encode(head));
      return await readHttpResponse(socket, { path, method: req.method ?? "GET" });
    } finally {
      socket.close();
    }
  }

  async function http(req: HttpRequest = {}): Promise<HttpResponse> {
    let path = req.path ?? "/";
    let res = await httpOnce(req, path);
    for (let hops = req.redirects ?? 0; hops > 0; hops--) {
      const loc = res.headers["location"];
      if (res.status < 300 || res.status > 399 || !loc) break;
      const next = sameOriginPath(loc, path);
      if (next === undefined) break;
      path = next;
      res = await httpOnce({ ...req, method: "GET", body: undefined }, path);
    }
    return res;
  }

  return { tcp, tls, udp, http };
}

/** Redirects are followed only to the same host and port: a script must not wander off target. */
function sameOriginPath(location: string, current: string): string | undefined {
  if (location.startsWith("/")) return location;
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return undefined;
  const base = current.slice(0, current.lastIndexOf("/") + 1);
  return base + location;
}

/** Parse an HTTP/1.x response from a socket: status line, headers, and a body by length, chunks or EOF. */
export async function readHttpResponse(
  socket: ScriptSocket,
  meta: { path: string; method: string },
): Promise<HttpResponse> {
  const statusLine = await socket.receiveText({ line: true });
  const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*(.*)$/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 60))}`);
  const rawHeaders: [string, string][] = [];
  for (;;) {
    const line = await socket.receiveText({ line: true });
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon > 0) rawHeaders.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of rawHeaders) {
    const key = k.toLowerCase();
    headers[key] = key in headers ? headers[key] + (key === "set-cookie" ? "\n" : ", ") + v : v;
  }
  const status = Number(m[1]);
  let body: Uint8Array = new Uint8Array(0);
  const noBody = meta.method === "HEAD" || status === 204 || status === 304 || status < 200;
  if (!noBody) {
    if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
      for (;;) {
        const sizeLine = await socket.receiveText({ line: true });
        const size = parseInt(sizeLine, 16);
        if (!Number.isFinite(size) || size === 0) break;
        body = concat(body, await socket.receive({ bytes: size }));
        await socket.receive({ line: true });
      }
    } else if (headers["content-length"] !== undefined) {
      body = await socket.receive({ bytes: Number(headers["content-length"]) });
    } else {
      for (;;) {
        const chunk = await socket.receive();
        if (chunk.length === 0 || body.length > 4 << 20) break;
        body = concat(body, chunk);
      }
    }
  }
  return {
    status,
    statusText: m[2],
    headers,
    rawHeaders,
    body: new TextDecoder().decode(body),
    bodyBytes: body,
    path: meta.path,
  };
}
