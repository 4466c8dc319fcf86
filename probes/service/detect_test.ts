// Engine tests against loopback servers (127.0.0.1 only).
import { deepEqual, equal, ok } from "node:assert/strict";
import { detectServices, escapeBytes, type ServiceResult } from "./detect.ts";
import { probesFor } from "./probes.ts";

const te = new TextEncoder();

async function collect(
  targets: { address: string; port: number; protocol: "tcp" | "udp" }[],
  timeoutMs = 500,
): Promise<ServiceResult[]> {
  const out: ServiceResult[] = [];
  for await (const r of detectServices(targets, { timeoutMs, intensity: 2 })) out.push(r);
  return out;
}

/** A loopback TCP server running `handle` for each connection. */
function serve(handle: (c: Deno.Conn) => Promise<void>): { port: number; close: () => void } {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const c of l) handle(c).catch(() => {}).finally(() => c.close?.());
  })().catch(() => {});
  return { port: (l.addr as Deno.NetAddr).port, close: () => l.close() };
}

async function readSome(c: Deno.Conn): Promise<Uint8Array | null> {
  const buf = new Uint8Array(4096);
  const n = await c.read(buf);
  return n === null ? null : buf.subarray(0, n);
}

Deno.test("escapeBytes keeps printable text and escapes the rest", () => {
  equal(escapeBytes(te.encode("OK\r\n\x00\\")), "OK\\r\\n\\x00\\\\");
  equal(escapeBytes(new Uint8Array(200).fill(0x41), 4), "AAAA...");
});

Deno.test("probesFor: the port's own probes first, rare ones only within intensity", () => {
  deepEqual(probesFor(6379, 0).map((p) => p.name), ["RedisInfo"]);
  const nine = probesFor(12345, 9).map((p) => p.name);
  equal(nine[0], "GetRequest");
  ok(nine.includes("MinecraftPing"));
  ok(!probesFor(12345, 5).map((p) => p.name).includes("MinecraftPing"));
});

Deno.test({
  name: "detectServices: SSH banner, HTTP reply, tcpwrapped, silent port, in parallel",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const ssh = serve(async (c) => {
      await c.write(te.encode("SSH-2.0-OpenSSH_9.6 FreeBSD-20240104\r\n"));
      await readSome(c);
    });
    const http = serve(async (c) => {
      const req = await readSome(c);
      if (req !== null && new TextDecoder().decode(req).startsWith("GET / HTTP/1.0")) {
        await c.write(te.encode("HTTP/1.0 200 OK\r\nServer: lighttpd/1.4.69\r\n\r\nhi"));
      }
    });
    const wrapped = serve(async () => {});
    const silent = serve(async (c) => {
      await readSome(c);
      await new Promise((r) => setTimeout(r, 3000));
    });
    try {
      const t = (port: number) => ({ address: "127.0.0.1", port, protocol: "tcp" as const });
      const start = performance.now();
      const results = await collect([t(ssh.port), t(http.port), t(wrapped.port), t(silent.port)]);
      const byPort = new Map(results.map((r) => [r.port, r]));
      const s = byPort.get(ssh.port)!;
      deepEqual([s.name, s.product, s.version, s.osHint], ["ssh", "OpenSSH", "9.6", "FreeBSD"]);
      ok(s.evidence?.startsWith("SSH-2.0-OpenSSH_9.6"));
      const h = byPort.get(http.port)!;
      deepEqual([h.name, h.product, h.version, h.method], ["http", "lighttpd", "1.4.69", "probed"]);
      equal(byPort.get(wrapped.port)!.name, "tcpwrapped");
      const q = byPort.get(silent.port)!;
      equal(q.method, "table");
      ok(q.confidence <= 1);
      // Four ports at once: far less than four times the silent port's probing.
      ok(performance.now() - start < 8000, `took ${performance.now() - start} ms`);
    } finally {
      for (const s of [ssh, http, wrapped, silent]) s.close();
    }
  },
});

const HAVE_OPENSSL = ["/usr/bin/openssl", "/bin/openssl"].some((p) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
});

/**
 * A loopback TLS server (self-signed certificate for loop.test, made with openssl) that answers
 * any request with a Caddy HTTP response.
 */
async function tlsServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const dir = await Deno.makeTempDir();
  const gen = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-keyout",
      `${dir}/k.pem`,
      "-out",
      `${dir}/c.pem`,
      "-subj",
      "/CN=loop.test",
      "-addext",
      "subjectAltName=DNS:loop.test",
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  ok(gen.success);
  const l = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(`${dir}/c.pem`),
    key: await Deno.readTextFile(`${dir}/k.pem`),
  });
  await Deno.remove(dir, { recursive: true });
  (async () => {
    for await (const c of l) {
      (async () => {
        try {
          const req = await readSome(c);
          if (req !== null) {
            await c.write(
              te.encode("HTTP/1.1 200 OK\r\nServer: Caddy\r\nContent-Length: 0\r\n\r\n"),
            );
          }
        } catch {
          /* handshake-only clients */
        } finally {
          c.close();
        }
      })();
    }
  })().catch(() => {});
  return { port: (l.addr as Deno.NetAddr).port, close: () => Promise.resolve(l.close()) };
}

Deno.test({
  name: "detectServices: TLS service is probed inside the tunnel, certificate reported",
  ignore: !HAVE_OPENSSL,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await tlsServer();
    try {
      const [r] = await collect([{ address: "127.0.0.1", port: server.port, protocol: "tcp" }]);
      equal(r.name, "ssl/http");
      equal(r.product, "Caddy");
      equal(r.tunnel, "ssl");
      ok(r.tls?.subject.includes("CN=loop.test"));
      deepEqual(r.tls?.sans, ["DNS:loop.test"]);
      ok(/^[0-9a-f]{64}$/.test(r.tls?.sha256 ?? ""));
    } finally {
      await server.close();
    }
  },
});

/** The first free loopback port of `ports`, listening. */
function listenOneOf(ports: number[]): Deno.TcpListener | undefined {
  for (const port of ports) {
    try {
      return Deno.listen({ hostname: "127.0.0.1", port });
    } catch {
      // in use: try the next
    }
  }
  return undefined;
}

Deno.test({
  name: "detectServices: on an implicit-TLS port the first connection is a TLS handshake",
  ignore: !HAVE_OPENSSL,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await tlsServer();
    // A relay on an implicit-TLS port notes how each connection opens, then passes it on.
    const relay = listenOneOf([9443, 8443, 6443, 4443]);
    ok(relay !== undefined, "no free implicit-TLS port on 127.0.0.1");
    const openings: string[] = [];
    (async () => {
      for await (const c of relay) {
        (async () => {
          const buf = new Uint8Array(4096);
          const n = await Promise.race([
            c.read(buf),
            new Promise<"silent">((r) => setTimeout(() => r("silent"), 300)),
          ]);
          openings.push(n === "silent" ? "silent" : n !== null && buf[0] === 0x16 ? "tls" : "text");
          const back = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
          if (typeof n === "number") await back.write(buf.subarray(0, n));
          await Promise.all([
            c.readable.pipeTo(back.writable).catch(() => {}),
            back.readable.pipeTo(c.writable).catch(() => {}),
          ]);
        })().catch(() => {});
      }
    })().catch(() => {});
    try {
      const port = (relay.addr as Deno.NetAddr).port;
      const [r] = await collect([{ address: "127.0.0.1", port, protocol: "tcp" }]);
      deepEqual([r.name, r.product, r.tunnel], ["ssl/http", "Caddy", "ssl"]);
      equal(openings[0], "tls", `openings: ${openings.join(", ")}`);
      ok(!openings.includes("silent"), `a plaintext banner wait: ${openings.join(", ")}`);
    } finally {
      relay.close();
      await server.close();
    }
  },
});

Deno.test("detectServices: a UDP port without a payload keeps its table name, sends nothing", async () => {
  const [r] = await collect([{ address: "127.0.0.1", port: 47999, protocol: "udp" }]);
  deepEqual([r.method, r.confidence, r.evidence], ["table", 1, undefined]);
});

/** One BER TLV with a short length (enough for the small replies built here). */
function ber(tag: number, ...body: (number[] | Uint8Array)[]): Uint8Array {
  const flat = body.flatMap((b) => [...b]);
  return new Uint8Array([tag, flat.length, ...flat]);
}

/** An SNMPv2c GetResponse carrying sysDescr.0 = `descr` (RFC 1901, RFC 3416). */
function v2cResponse(descr: string): Uint8Array {
  const oid = ber(0x06, [0x2b, 6, 1, 2, 1, 1, 1, 0]);
  const vb = ber(0x30, ber(0x30, oid, ber(0x04, te.encode(descr))));
  const pdu = ber(0xa2, ber(2, [7]), ber(2, [0]), ber(2, [0]), vb);
  return ber(0x30, ber(2, [1]), ber(0x04, te.encode("public")), pdu);
}

/** An SNMPv3 Report from a Net-SNMP engine (enterprise 8072), booted `boots` times, up `time` s. */
function v3Report(boots: number, time: number): Uint8Array {
  const id = [0x80, 0x00, 0x1f, 0x88, 0x80, 9, 8, 7, 6, 5, 4, 3, 2, 0, 0, 0, 1];
  const usm = ber(0x30, ber(4, id), ber(2, [boots]), ber(2, [time]), ber(4), ber(4), ber(4));
  const header = ber(0x30, ber(2, [1]), ber(2, [0x05, 0xdc]), ber(4, [0]), ber(2, [3]));
  const pdu = ber(0xa8, ber(2, [1]), ber(2, [0]), ber(2, [0]), ber(0x30));
  return ber(0x30, ber(2, [3]), header, ber(4, usm), ber(0x30, ber(4, id), ber(4), pdu));
}

Deno.test({
  name: "detectServices: SNMP on 161/udp names Net-SNMP from its v3 engine ID, OS from sysDescr",
  // The agent must sit on 161 itself: the SNMP requests go to that port only.
  ignore: Deno.uid() !== 0,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { createSocket } = await import("node:dgram");
    const agent = createSocket("udp4");
    let answerV3 = true;
    const versions: number[] = [];
    agent.on("message", (msg, rinfo) => {
      const version = msg[4]; // 30 LL 02 01 <version>: our requests are short-form
      versions.push(version);
      const reply = version === 3
        ? (answerV3 ? v3Report(5, 42) : undefined)
        : v2cResponse("Linux lab 6.1.0-18-amd64 #1 SMP x86_64");
      if (reply !== undefined) agent.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => agent.bind(161, "127.0.0.1", resolve));
    try {
      const t = { address: "127.0.0.1", port: 161, protocol: "udp" as const };
      const [r] = await collect([t], 3000);
      deepEqual([r.name, r.product, r.osHint, r.method], ["snmp", "net-snmp", "Linux", "probed"]);
      equal(
        r.extraInfo,
        "sysDescr: Linux lab 6.1.0-18-amd64 #1 SMP x86_64; engine boots 5, up 42 seconds",
      );
      deepEqual(versions.sort(), [1, 3], "one v2c and one v3 request");
      // An agent without SNMPv3: the v2c answer stands, and its silence costs a grace period,
      // not the 3 s timeout.
      answerV3 = false;
      const start = performance.now();
      const [v2only] = await collect([t], 3000);
      const took = performance.now() - start;
      deepEqual([v2only.product, v2only.osHint], ["SNMP agent", "Linux"]);
      ok(took < 1500, `took ${took} ms`);
    } finally {
      await new Promise<void>((resolve) => agent.close(() => resolve()));
    }
  },
});
