/**
 * The command end to end, in process: argv in, text/JSON and an exit code out.
 * Listeners are opened by the tests on loopback addresses of their own (127.77.x.y), so
 * whatever else runs on 127.0.0.1 cannot disturb them.
 */
import assert from "node:assert/strict";
import { runCommand } from "../main.ts";
import type { CommandIo } from "../main.ts";
import { rawAvailability } from "../native/privileges.ts";

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[]): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const io: CommandIo = {
    stdout: (text) => stdout += text,
    stderr: (text) => stderr += text,
    stderrIsTerminal: false,
  };
  const code = await runCommand(argv, io);
  return { code, stdout, stderr };
}

/**
 * Accept and close connections until the listener closes. A connection the scan reset before
 * it was accepted (accept fails with "not connected") is not the end of the listener: left
 * uncaught, it failed the whole module.
 */
async function acceptAndClose(listener: Deno.Listener): Promise<void> {
  while (true) {
    try {
      (await listener.accept()).close();
    } catch (error) {
      if (error instanceof Deno.errors.NotConnected) continue;
      if (error instanceof Deno.errors.ConnectionReset) continue;
      return; // closed
    }
  }
}

/** Listen on `ports` at `hostname`; close them all when `fn` is done. */
async function withListeners<T>(
  hostname: string,
  ports: number[],
  fn: () => Promise<T>,
): Promise<T> {
  const listeners = ports.map((port) => Deno.listen({ hostname, port }));
  const loops = listeners.map(acceptAndClose);
  try {
    return await fn();
  } finally {
    for (const listener of listeners) listener.close();
    await Promise.allSettled(loops);
  }
}

const SEED_PORTS: [number, string][] = [
  [3306, "mysql"],
  [6379, "redis"],
  [9200, "elasticsearch"],
  [25565, "minecraft"],
];

Deno.test("listeners at seed-table ports are open with the seed's service names, in text and JSON", async () => {
  const host = "127.77.0.1";
  const dir = await Deno.makeTempDir();
  try {
    await withListeners(host, SEED_PORTS.map(([port]) => port), async () => {
      const closed = [3307, 5432, 11211];
      const spec = [...SEED_PORTS.map(([p]) => p), ...closed].join(",");
      const json = `${dir}/out.json`;
      const normal = `${dir}/out.txt`;
      const result = await run(["-p", spec, "-oJ", json, "-oN", normal, host]);
      assert.equal(result.code, 0, result.stderr);
      for (const [port, name] of SEED_PORTS) {
        assert.match(result.stdout, new RegExp(`^${port}/tcp\\s+open\\s+${name}$`, "m"));
      }
      for (const port of closed) {
        assert.match(result.stdout, new RegExp(`^${port}/tcp\\s+closed\\s+\\S+$`, "m"));
      }
      assert.match(
        result.stdout,
        /^Portolan done: 1 IP address \(1 host up\) scanned in [\d.]+ seconds$/m,
      );
      // -oN holds the same report as stdout.
      assert.equal(await Deno.readTextFile(normal), result.stdout);
      const report = JSON.parse(await Deno.readTextFile(json));
      assert.equal(report.schema, "portolan/report/1");
      const ports = new Map<number, { state: string; service?: string }>(
        report.hosts[0].ports.map((p: { port: number }) => [p.port, p]),
      );
      for (const [port, name] of SEED_PORTS) {
        assert.equal(ports.get(port)?.state, "open");
        assert.equal(ports.get(port)?.service, name);
      }
      for (const port of closed) assert.equal(ports.get(port)?.state, "closed");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--reason adds the reason column; --open hides closed ports", async () => {
  const host = "127.77.0.2";
  await withListeners(host, [8080], async () => {
    const reason = await run(["-sT", "--reason", "-p", "8080,8081", host]);
    assert.equal(reason.code, 0);
    assert.match(reason.stdout, /^PORT\s+STATE\s+SERVICE\s+REASON$/m);
    assert.match(reason.stdout, /^8080\/tcp\s+open\s+\S+\s+syn-ack$/m);
    assert.match(reason.stdout, /^8081\/tcp\s+closed\s+\S+\s+conn-refused$/m);
    if (rawAvailability().ok) {
      // The default scan is SYN when raw sockets are available: replies carry their TTL.
      const raw = await run(["--reason", "-p", "8080,8081", host]);
      assert.equal(raw.code, 0, raw.stderr);
      assert.match(raw.stdout, /^8080\/tcp\s+open\s+\S+\s+syn-ack ttl \d+$/m);
      assert.match(raw.stdout, /^8081\/tcp\s+closed\s+\S+\s+reset ttl \d+$/m);
    }
    const open = await run(["--open", "-p", "8080,8081", host]);
    assert.match(open.stdout, /^8080\/tcp\s+open/m);
    assert.doesNotMatch(open.stdout, /^8081\/tcp/m);
  });
});

Deno.test("bad input prints one line and exits 2", async () => {
  const cases: [string[], RegExp][] = [
    [["-p", "70000", "127.0.0.1"], /70000/],
    [["10.0.0.0/33"], /\/33/],
    [["256.1.1.1"], /256/],
    [["-iL", "/nonexistent/targets.txt"], /nonexistent/],
    [["--exclude", "127.0.0.1", "127.0.0.1"], /exclusions leave no targets/],
    [["--tpo-ports", "10"], /did you mean --top-ports/],
    [["-sO", "127.0.0.1"], /not supported yet/],
    [["-p"], /needs a value/],
  ];
  for (const [argv, pattern] of cases) {
    const result = await run(argv);
    assert.equal(result.code, 2, `${argv.join(" ")}: ${result.stderr}`);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `one line for ${argv.join(" ")}: ${result.stderr}`);
    assert.match(lines[0], /^portolan: /);
    assert.match(lines[0], pattern);
  }
});

Deno.test("an unwritable output file is refused before scanning", async () => {
  const result = await run(["-oN", "/nonexistent-dir/out.txt", "-p", "1", "127.0.0.1"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /cannot open output file '\/nonexistent-dir\/out.txt'/);
  assert.equal(result.stdout, "");
});

Deno.test("no target means 127.0.0.1; -iL reads targets; -sL lists without scanning", async () => {
  const bare = await run(["-p", "1"]);
  assert.equal(bare.code, 0, bare.stderr);
  assert.match(bare.stdout, /Portolan scan report for 127\.0\.0\.1/);

  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/targets.txt`, "# lab\n127.77.1.1\n127.77.1.2-3\n");
    const list = await run(["-sL", "-n", "-iL", `${dir}/targets.txt`]);
    assert.equal(list.code, 0, list.stderr);
    const reports = [...list.stdout.matchAll(/^Portolan scan report for (\S+)$/gm)].map((m) =>
      m[1]
    );
    assert.deepEqual(reports, ["127.77.1.1", "127.77.1.2", "127.77.1.3"]);
    assert.match(list.stdout, /Portolan done: 3 IP addresses \(0 hosts up\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("-oJ - sends the JSON document alone to stdout", async () => {
  const result = await run(["-p", "1", "-oJ", "-", "127.0.0.1"]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.hosts[0].address, "127.0.0.1");
  assert.equal(report.hosts[0].ports[0].port, 1);
});

Deno.test("--help and --version exit 0", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: portolan/m);
  const version = await run(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /Portolan 0\.1\.0/);
});

Deno.test("-sV names the product and version behind an open port, in text and JSON", async () => {
  const hostname = "127.77.0.3";
  const controller = new AbortController();
  const server = Deno.serve(
    { hostname, port: 0, signal: controller.signal, onListen: () => {} },
    () => new Response("<title>lab</title>", { headers: { server: "nginx/1.99.7" } }),
  );
  try {
    const port = server.addr.port;
    const dir = await Deno.makeTempDir();
    const result = await run(["-sV", "-p", `${port}`, "-oJ", `${dir}/r.json`, hostname]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^PORT\s+STATE\s+SERVICE\s+VERSION$/m);
    assert.match(
      result.stdout,
      new RegExp(`^${port}/tcp\\s+open\\s+http\\s+nginx 1\\.99\\.7`, "m"),
    );
    const report = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    const info = report.hosts[0].ports[0].serviceInfo;
    assert.deepEqual([info.product, info.version, info.method], ["nginx", "1.99.7", "probed"]);
    assert.ok(info.cpe.some((c: string) => c.startsWith("cpe:2.3:a:f5:nginx:1.99.7")), info.cpe);
    await Deno.remove(dir, { recursive: true });
  } finally {
    controller.abort();
    await server.finished;
  }
});

Deno.test("--os-passive reads a capture and names each host's OS family", async () => {
  const capture = new URL("../packet/testdata/lo_en10mb.pcap", import.meta.url).pathname;
  const result = await run(["--os-passive", capture]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^127\.0\.0\.1: Linux .*\(passive, \d+%\)$/m);
  const bad = await run(["--os-passive", new URL("../README.md", import.meta.url).pathname]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a classic pcap capture/);
});

Deno.test({
  name: "a raw SYN scan adds a passive OS hint, in text and JSON",
  ignore: !rawAvailability().ok,
  fn: async () => {
    const host = "127.77.0.4";
    await withListeners(host, [8443], async () => {
      const result = await run(["-p", "8443,8444", "-oJ", "-", host]);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      assert.equal(report.hosts[0].osPassive.family, "Linux");
      const text = await run(["-p", "8443,8444", host]);
      assert.match(text.stdout, /^OS hint: Linux .*\(passive, \d+%\)$/m);
    });
  },
});

Deno.test("--audit rates each open port and says how to secure it, in text and JSON", async () => {
  const host = "127.77.0.5";
  // 23 is Telnet by the registry: the audit must say to replace it with SSH.
  await withListeners(host, [23], async () => {
    const result = await run(["-sT", "--audit", "-p", "23", "-oJ", "-", host]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    const port = report.hosts[0].ports[0];
    assert.ok(["medium", "high", "critical"].includes(port.audit.risk), port.audit.risk);
    assert.match(port.audit.recommendation, /SSH/);
    assert.match(report.hosts[0].audit.headline, /1 open port/);
    const text = await run(["-sT", "--audit", "-p", "23", host]);
    assert.match(text.stdout, /^AUDIT: 1 open port/m);
    assert.match(text.stdout, /^(MEDIUM|HIGH|CRITICAL)\s+23\/tcp telnet$/m);
  });
});
