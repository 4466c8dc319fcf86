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

Deno.test({
  name: "detectServices: TLS service is probed inside the tunnel, certificate reported",
  ignore: !["/usr/bin/openssl", "/bin/openssl"].some((p) => {
    try {
      Deno.statSync(p);
      return true;
    } catch {
      return false;
    }
  }),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
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
      try {
        const port = (l.addr as Deno.NetAddr).port;
        const [r] = await collect([{ address: "127.0.0.1", port, protocol: "tcp" }]);
        equal(r.name, "ssl/http");
        equal(r.product, "Caddy");
        equal(r.tunnel, "ssl");
        ok(r.tls?.subject.includes("CN=loop.test"));
        deepEqual(r.tls?.sans, ["DNS:loop.test"]);
        ok(/^[0-9a-f]{64}$/.test(r.tls?.sha256 ?? ""));
      } finally {
        l.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("detectServices: a UDP port without a payload keeps its table name, sends nothing", async () => {
  const [r] = await collect([{ address: "127.0.0.1", port: 47999, protocol: "udp" }]);
  deepEqual([r.method, r.confidence, r.evidence], ["table", 1, undefined]);
});
