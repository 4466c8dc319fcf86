/**
 * Test helpers: tiny fake servers on 127.0.0.1 and a way to run one script against them.
 *
 * @module
 */
import * as dgram from "node:dgram";
import { runScripts } from "./runner.ts";
import type { Script, ScriptArgs, ScriptPort, ScriptResult } from "./types.ts";

/** A TCP server on 127.0.0.1:0 that hands each connection to `handle`. */
export function fakeTcpServer(
  handle: (conn: Deno.Conn) => Promise<void>,
): { port: number; close: () => Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const conn of listener) {
      const p = handle(conn).catch(() => {}).finally(() => {
        try {
          conn.close();
        } catch {
          // closed by the handler
        }
        conns.delete(p);
      });
      conns.add(p);
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      await loop;
      await Promise.all(conns);
    },
  };
}

/** Read one CRLF-terminated line from a raw connection (byte at a time: fine for tests). */
export async function readLine(conn: Deno.Conn): Promise<string | null> {
  const bytes: number[] = [];
  const one = new Uint8Array(1);
  for (;;) {
    const n = await conn.read(one);
    if (n === null) return bytes.length ? String.fromCharCode(...bytes) : null;
    if (one[0] === 0x0a) return String.fromCharCode(...bytes).replace(/\r$/, "");
    bytes.push(one[0]);
  }
}

/** Write a string or bytes completely. */
export async function write(conn: Deno.Conn, data: string | Uint8Array): Promise<void> {
  const b = typeof data === "string" ? new TextEncoder().encode(data) : data;
  for (let off = 0; off < b.length;) off += await conn.write(b.subarray(off));
}

/** A UDP server on 127.0.0.1:0 answering each datagram with `reply(request)` (undefined: stay silent). */
export async function fakeUdpServer(
  reply: (req: Uint8Array) => Uint8Array | undefined,
): Promise<{ port: number; close: () => void }> {
  const sock = dgram.createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    const out = reply(new Uint8Array(msg));
    if (out) sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  return { port: sock.address().port, close: () => sock.close() };
}

/** Run one script on 127.0.0.1:`port` and return its single result (or undefined). */
export async function runOn(
  script: Script,
  port: Partial<ScriptPort> & { port: number },
  options: { args?: ScriptArgs; timeoutMs?: number } = {},
): Promise<ScriptResult | undefined> {
  const p: ScriptPort = { protocol: "tcp", state: "open", ...port };
  const results: ScriptResult[] = [];
  for await (
    const r of runScripts([{ host: { address: "127.0.0.1" }, ports: [p] }], [script], {
      timeoutMs: options.timeoutMs ?? 8000,
      args: options.args,
    })
  ) results.push(r);
  if (results.length > 1) throw new Error(`expected one result, got ${results.length}`);
  return results[0];
}
