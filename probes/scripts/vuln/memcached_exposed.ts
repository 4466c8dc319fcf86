/**
 * memcached-exposed: `stats` over TCP without authentication, and the same over UDP, where
 * the reply is many times the request: the reflection behind CVE-2018-1000115. The
 * amplification factor is every reply byte (all datagrams) over the request's bytes.
 *
 * @module
 */
import * as dgram from "node:dgram";
import type { Buffer } from "node:buffer";
import type { Script, ScriptContext } from "../types.ts";

/** The UDP request: memcached's 8-byte frame header (id, seq 0, total 1, reserved) + "stats". */
export function udpStatsRequest(id: number): Uint8Array {
  const text = new TextEncoder().encode("stats\r\n");
  return new Uint8Array([id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, ...text]);
}

/** Send the UDP request and collect every datagram of the reply (the header says how many). */
export function udpStats(
  address: string,
  port: number,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ request: number; response: number; datagrams: number; text: string }> {
  const id = crypto.getRandomValues(new Uint16Array(1))[0];
  const req = udpStatsRequest(id);
  const sock = dgram.createSocket(address.includes(":") ? "udp6" : "udp4");
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let count = 0;
    let total = Infinity;
    const parts: string[] = [];
    const finish = (err?: Error) => {
      clearTimeout(timer);
      try {
        sock.close();
      } catch { /* closed */ }
      if (err) reject(err);
      else {resolve({
          request: req.length,
          response: bytes,
          datagrams: count,
          text: parts.join(""),
        });}
    };
    const timer = setTimeout(() => finish(), options.timeoutMs ?? 2000);
    options.signal?.addEventListener("abort", () => finish(new Error("aborted")), { once: true });
    sock.on("message", (msg: Buffer) => {
      if (msg.length < 8 || msg.readUInt16BE(0) !== id) return;
      bytes += msg.length;
      count++;
      total = msg.readUInt16BE(4);
      parts[msg.readUInt16BE(2)] = new TextDecoder().decode(msg.subarray(8));
      if (count >= total) finish();
    });
    sock.on("error", (e: Error) => finish(e));
    sock.send(req, port, address);
  });
}

async function tcpStats(ctx: ScriptContext): Promise<string | undefined> {
  const sock = await ctx.tcp();
  try {
    await sock.send("stats\r\n");
    const lines: string[] = [];
    for (;;) {
      const line = await sock.receiveText({ line: true });
      // An authenticating server answers "CLIENT_ERROR unauthenticated"; stop there, not at a timeout.
      if (line === "" || line === "END" || /^(?:CLIENT_|SERVER_)?ERROR/.test(line)) break;
      lines.push(line);
      if (lines.length > 500) break;
    }
    const text = lines.join("\n");
    return /STAT pid \d+/.test(text) ? text : undefined;
  } finally {
    sock.close();
  }
}

/** The `memcached-exposed` script (TCP port: also tries UDP on the same port number). */
export const memcachedExposed: Script = {
  name: "memcached-exposed",
  categories: ["vuln", "safe"],
  description:
    "Reads memcached stats without authentication over TCP and UDP; over UDP reports the amplification factor (CVE-2018-1000115).",
  portRule: (p) =>
    p.port === 11211 || p.service?.name === "memcached" || p.service?.product === "Memcached",
  async action(ctx) {
    const port = ctx.port!;
    const findings: string[] = [];
    const data: Record<string, unknown> = {};
    if (port.protocol === "tcp") {
      const text = await tcpStats(ctx).catch(() => undefined);
      if (text) {
        const version = /STAT version (\S+)/.exec(text)?.[1];
        data.tcpVersion = version;
        findings.push(`TCP stats without authentication (version ${version ?? "?"})`);
      }
    }
    const u = await udpStats(ctx.host.address, port.port, { signal: ctx.signal }).catch(() =>
      undefined
    );
    let udpOpen = false;
    if (u && u.datagrams > 0 && /STAT /.test(u.text)) {
      udpOpen = true;
      const factor = u.response / u.request;
      data.udp = { ...u, text: undefined, amplification: Number(factor.toFixed(1)) };
      findings.push(
        `UDP stats answered: ${u.request}-byte request -> ${u.response} bytes in ${u.datagrams} datagram(s), amplification x${
          factor.toFixed(1)
        }`,
      );
    }
    if (findings.length === 0) {
      const evidence = `no stats over ${port.protocol === "tcp" ? "TCP or " : ""}UDP ${port.port}`;
      return {
        text: `NOT VULNERABLE: ${evidence}`,
        vulnerable: {
          state: "NOT VULNERABLE",
          title: "memcached exposed without authentication",
          evidence,
        },
      };
    }
    const evidence = findings.join("; ");
    return {
      text: `VULNERABLE: ${evidence}`,
      data,
      vulnerable: {
        state: "VULNERABLE",
        id: udpOpen ? "CVE-2018-1000115" : undefined,
        title: udpOpen
          ? "memcached UDP reflection/amplification"
          : "memcached exposed without authentication",
        evidence,
        risk: "high",
      },
    };
  },
};
