import { equal, ok } from "node:assert/strict";
import { fakeTcpServer, runOn } from "../test_util.ts";
import { redisNoauth } from "./redis_noauth.ts";
import { memcachedExposed } from "./memcached_exposed.ts";
import { bsonDecode, mongodbNoauth, opMsg } from "./mongodb_noauth.ts";
import { elasticsearchNoauth } from "./elasticsearch_noauth.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

function have(bin: string): boolean {
  try {
    return Deno.statSync(bin).isFile;
  } catch {
    return false;
  }
}

function freePort(transport: "tcp" | "udp" = "tcp"): number {
  if (transport === "udp") {
    const u = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
    const p = (u.addr as Deno.NetAddr).port;
    u.close();
    return p;
  }
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const p = (l.addr as Deno.NetAddr).port;
  l.close();
  return p;
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`port ${port} never opened`);
}

function spawn(cmd: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).spawn();
}

async function stop(p: Deno.ChildProcess): Promise<void> {
  try {
    p.kill("SIGTERM");
  } catch { /* gone */ }
  await p.status;
}

Deno.test({
  name: "redis-noauth: real redis-server without a password is VULNERABLE, with requirepass is not",
  ignore: !have("/usr/bin/redis-server"),
  ...opts,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const base = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
    const openPort = freePort();
    const lockedPort = freePort();
    const open = spawn("redis-server", [...base, "--port", String(openPort)]);
    const locked = spawn("redis-server", [
      ...base,
      "--port",
      String(lockedPort),
      "--requirepass",
      "s3cret-portolan",
    ]);
    try {
      await Promise.all([waitPort(openPort), waitPort(lockedPort)]);
      const v = await runOn(redisNoauth, { port: openPort, service: { name: "redis" } });
      equal(v?.output?.vulnerable?.state, "VULNERABLE", v?.error ?? v?.output?.text);
      ok(/redis_version:\d+\.\d+/.test(v!.output!.vulnerable!.evidence));
      const n = await runOn(redisNoauth, { port: lockedPort, service: { name: "redis" } });
      equal(n?.output?.vulnerable?.state, "NOT VULNERABLE", n?.error ?? n?.output?.text);
      ok(n!.output!.vulnerable!.evidence.includes("NOAUTH"), n!.output!.vulnerable!.evidence);
    } finally {
      await Promise.all([stop(open), stop(locked)]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "memcached-exposed: real memcached with UDP reports the amplification; -Y auth-file and no UDP is clean",
  ignore: !have("/usr/bin/memcached"),
  ...opts,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/auth`, "portolan:s3cret\n");
    // memcached reads the file after dropping to "nobody".
    await Deno.chmod(dir, 0o755);
    await Deno.chmod(`${dir}/auth`, 0o644);
    const openPort = freePort();
    const lockedPort = freePort();
    const user = Deno.uid?.() === 0 ? ["-u", "nobody"] : [];
    const open = spawn("memcached", [
      "-l",
      "127.0.0.1",
      "-p",
      String(openPort),
      "-U",
      String(openPort),
      ...user,
    ]);
    const locked = spawn("memcached", [
      "-l",
      "127.0.0.1",
      "-p",
      String(lockedPort),
      "-U",
      "0",
      "-Y",
      `${dir}/auth`,
      ...user,
    ]);
    try {
      await Promise.all([waitPort(openPort), waitPort(lockedPort)]);
      const v = await runOn(memcachedExposed, { port: openPort, service: { name: "memcached" } });
      equal(v?.output?.vulnerable?.state, "VULNERABLE", v?.error ?? v?.output?.text);
      equal(v?.output?.vulnerable?.id, "CVE-2018-1000115");
      const udp =
        (v!.output!.data as { udp: { request: number; response: number; amplification: number } })
          .udp;
      equal(udp.request, 15);
      ok(udp.response > 500, `response ${udp.response}`);
      equal(udp.amplification, Number((udp.response / 15).toFixed(1)));
      ok(/amplification x\d+/.test(v!.output!.vulnerable!.evidence));
      const n = await runOn(memcachedExposed, { port: lockedPort, service: { name: "memcached" } });
      equal(n?.output?.vulnerable?.state, "NOT VULNERABLE", n?.error ?? n?.output?.text);
    } finally {
      await Promise.all([stop(open), stop(locked)]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** BSON for the fake server's replies (doubles, strings, arrays of documents). */
function bson(doc: Record<string, unknown>): Uint8Array {
  const enc = new TextEncoder();
  const out: number[] = [];
  for (const [k, v] of Object.entries(doc)) {
    const key = [...enc.encode(k), 0];
    if (typeof v === "number") {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v, true);
      out.push(0x01, ...key, ...b);
    } else if (typeof v === "string") {
      const s = [...enc.encode(v), 0];
      out.push(0x02, ...key, s.length, 0, 0, 0, ...s);
    } else if (Array.isArray(v)) {
      out.push(0x04, ...key, ...bson(Object.fromEntries(v.map((x, i) => [String(i), x]))));
    } else out.push(0x03, ...key, ...bson(v as Record<string, unknown>));
  }
  const len = out.length + 5;
  return new Uint8Array([len & 0xff, len >> 8, 0, 0, ...out, 0]);
}

function fakeMongo(authRequired: boolean) {
  return fakeTcpServer(async (c) => {
    const head = new Uint8Array(16);
    let n = 0;
    while (n < 16) n += (await c.read(head.subarray(n))) ?? 16;
    const len = new DataView(head.buffer).getInt32(0, true);
    const body = new Uint8Array(len - 16);
    let m = 0;
    while (m < body.length) m += (await c.read(body.subarray(m))) ?? body.length;
    const cmd = bsonDecode(body, 5);
    const reply = !authRequired && cmd.listDatabases === 1 && cmd.$db === "admin"
      ? bson({ databases: [{ name: "admin" }, { name: "shop" }], ok: 1 })
      : bson({
        ok: 0,
        errmsg: "command listDatabases requires authentication",
        code: 13,
        codeName: "Unauthorized",
      });
    const msg = opMsg({}, 9);
    const out = new Uint8Array(21 + reply.length);
    out.set(msg.subarray(0, 21));
    out.set(reply, 21);
    new DataView(out.buffer).setInt32(0, out.length, true);
    await c.write(out);
  });
}

Deno.test({
  name: "mongodb-noauth: listDatabases answered is VULNERABLE; code 13 Unauthorized is not",
  ...opts,
  fn: async () => {
    const open = fakeMongo(false);
    const locked = fakeMongo(true);
    try {
      const v = await runOn(mongodbNoauth, { port: open.port, service: { name: "mongodb" } });
      equal(v?.output?.vulnerable?.state, "VULNERABLE", v?.error ?? v?.output?.text);
      ok(v!.output!.vulnerable!.evidence.includes("2 databases (admin, shop)"));
      const n = await runOn(mongodbNoauth, { port: locked.port, service: { name: "mongodb" } });
      equal(n?.output?.vulnerable?.state, "NOT VULNERABLE", n?.error ?? n?.output?.text);
      ok(n!.output!.vulnerable!.evidence.includes("code 13 Unauthorized"));
    } finally {
      await open.close();
      await locked.close();
    }
  },
});

Deno.test({
  name: "elasticsearch-noauth: 200 JSON banner is VULNERABLE; 401 with a challenge is not",
  ...opts,
  fn: async () => {
    const open = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      const p = new URL(req.url).pathname;
      if (p === "/") {
        return Response.json({
          name: "n1",
          cluster_name: "lab-es",
          version: { number: "7.17.9" },
          tagline: "You Know, for Search",
        });
      }
      if (p === "/_cat/indices") return Response.json([{ index: "customers" }, { index: "logs" }]);
      return new Response("", { status: 404 });
    });
    const locked = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () =>
        new Response("{}", {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="security"' },
        }),
    );
    try {
      const v = await runOn(elasticsearchNoauth, {
        port: open.addr.port,
        service: { name: "http", product: "Elasticsearch REST API" },
      });
      equal(v?.output?.vulnerable?.state, "VULNERABLE", v?.error ?? v?.output?.text);
      ok(v!.output!.vulnerable!.evidence.includes('cluster_name "lab-es", version 7.17.9'));
      ok(v!.output!.vulnerable!.evidence.includes("listing 2 indices"));
      const n = await runOn(elasticsearchNoauth, {
        port: locked.addr.port,
        service: { name: "http", product: "Elasticsearch REST API" },
      });
      equal(n?.output?.vulnerable?.state, "NOT VULNERABLE", n?.error ?? n?.output?.text);
      ok(n!.output!.vulnerable!.evidence.includes("401"));
    } finally {
      await open.shutdown();
      await locked.shutdown();
    }
  },
});
