import { assert, assertEquals } from "./test_assert.ts";
import { encodeSockaddr } from "./addresses.ts";
import {
  classifyErrno,
  ConnectReactor,
  createNativeConnect,
  nativeConnectAvailable,
  type NativeConnectResult,
} from "./connect.ts";
import { errnoError, libc } from "./libc.ts";
import { classifyConnectError, connectScan } from "../engine/connect.ts";
import { defaultOptions } from "../cli/options.ts";
import type { ScanPlan } from "../engine/plan_types.ts";
import { timingPlan } from "../engine/timing.ts";

function listen(hostname: string): { listener: Deno.TcpListener; port: number } | undefined {
  try {
    const listener = Deno.listen({ hostname, port: 0 });
    return { listener, port: (listener.addr as Deno.NetAddr).port };
  } catch {
    return undefined; // e.g. no IPv6 on this machine
  }
}

/** Ports nothing listens on: bound once by the kernel's choice, then released. */
function closedPorts(hostname: string, count: number): number[] {
  const listeners = Array.from({ length: count }, () => Deno.listen({ hostname, port: 0 }));
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of listeners) l.close();
  return ports;
}

/**
 * A port on 127.0.0.1 that drops SYNs: a listener with backlog 0 whose one queue slot is
 * taken by a connection nobody accepts. Loopback's stand-in for a filtered port.
 */
async function silentPort(): Promise<{ port: number; close: () => void }> {
  const c = libc();
  const fd = c.socket(2, 1 | 0o2000000, 0); // AF_INET, SOCK_STREAM | SOCK_CLOEXEC
  if (fd < 0) throw errnoError("socket");
  const sa = encodeSockaddr("127.0.0.1", 0);
  const name = new Uint8Array(16);
  const len = new Uint32Array([16]);
  if (c.bind(fd, sa, sa.length) !== 0 || c.listen(fd, 0) !== 0) {
    const error = errnoError("bind/listen");
    c.close(fd);
    throw error;
  }
  c.getsockname(fd, name, len);
  const port = (name[2] << 8) | name[3];
  const filler = await Deno.connect({ hostname: "127.0.0.1", port });
  return {
    port,
    close: () => {
      filler.close();
      c.close(fd);
    },
  };
}

Deno.test("native transport is available with --allow-ffi", () => {
  assert(nativeConnectAvailable());
});

Deno.test("open and refused on 127.0.0.1, with round-trip times", async () => {
  const server = listen("127.0.0.1")!;
  const [closed] = closedPorts("127.0.0.1", 1);
  const connect = createNativeConnect();
  try {
    const open = await connect("127.0.0.1", server.port, 1000);
    const refused = await connect("127.0.0.1", closed, 1000);
    assertEquals(open.kind, "open");
    assertEquals(refused.kind, "refused");
    for (const r of [open, refused]) {
      assert("rttMs" in r && r.rttMs >= 0 && r.rttMs < 1000, JSON.stringify(r));
    }
  } finally {
    connect.close();
    server.listener.close();
  }
});

Deno.test("open and refused on ::1", async () => {
  const server = listen("::1");
  if (!server) return;
  const [closed] = closedPorts("::1", 1);
  const connect = createNativeConnect();
  try {
    assertEquals((await connect("::1", server.port, 1000)).kind, "open");
    assertEquals((await connect("::1", closed, 1000)).kind, "refused");
  } finally {
    connect.close();
    server.listener.close();
  }
});

Deno.test("an open port is reset on close and the listener sees the connection", async () => {
  const server = listen("127.0.0.1")!;
  const connect = createNativeConnect();
  try {
    assertEquals((await connect("127.0.0.1", server.port, 1000)).kind, "open");
    // SO_LINGER 0: the probe's close is a reset, not an orderly end of stream. Depending on
    // when it lands, accept() or the first read reports it; a plain close would read 0.
    const seen = await server.listener.accept().then(
      async (conn) => {
        try {
          return await conn.read(new Uint8Array(1)).then((n) => `read ${n}`, (e) => e.name);
        } finally {
          conn.close();
        }
      },
      (e: Error) => e.name,
    );
    assert(seen === "ConnectionReset" || seen === "NotConnected", seen);
  } finally {
    connect.close();
    server.listener.close();
  }
});

Deno.test("refused sockets are reused, for closed and open ports alike", async () => {
  const server = listen("127.0.0.1")!;
  const closed = closedPorts("127.0.0.1", 20);
  const reactor = new ConnectReactor();
  try {
    for (const port of closed) {
      assertEquals((await reactor.connect("127.0.0.1", port, 1000)).kind, "refused");
    }
    assertEquals(reactor.socketsCreated, 1);
    // The recycled socket completes a real handshake too.
    assertEquals((await reactor.connect("127.0.0.1", server.port, 1000)).kind, "open");
    assertEquals(reactor.socketsCreated, 1);
    assertEquals((await reactor.connect("127.0.0.1", closed[0], 1000)).kind, "refused");
    assertEquals(reactor.socketsCreated, 2);
  } finally {
    reactor.close();
    server.listener.close();
  }
});

Deno.test("thousands at once: every port decided, only listeners open", async () => {
  const server = listen("127.0.0.1")!;
  const base = server.port > 3000 ? server.port - 2999 : server.port;
  const ports = Array.from({ length: 3000 }, (_, i) => base + i);
  // Other programs on this machine may listen in the range, and come and go meanwhile: the
  // kernel's lists before and after bound what may be open.
  const before = listeningPorts();
  const reactor = new ConnectReactor();
  try {
    const results = await Promise.all(ports.map((p) => reactor.connect("127.0.0.1", p, 2000)));
    const first = reactor.socketsCreated;
    // A second sweep runs on the refused sockets of the first: only open ports cost new ones.
    const again = await Promise.all(ports.map((p) => reactor.connect("127.0.0.1", p, 2000)));
    const after = listeningPorts();
    const stable = (p: number) => p === server.port || (before.has(p) && after.has(p));
    const maybe = (p: number) => p === server.port || before.has(p) || after.has(p);
    for (const sweep of [results, again]) {
      assertEquals(sweep.filter((r) => r.kind !== "open" && r.kind !== "refused"), []);
      const open = ports.filter((_, i) => sweep[i].kind === "open");
      assertEquals(open.filter((p) => !maybe(p)), [], "open without a listener");
      assertEquals(ports.filter((p, i) => stable(p) && sweep[i].kind !== "open"), []);
    }
    assertEquals(reactor.inFlight, 0);
    const opened = results.filter((r) => r.kind === "open").length;
    // Without reuse the second sweep would need ~3000 new sockets; a reused socket that
    // misbehaves is replaced by a fresh one, so allow a few beyond the open ports.
    const fresh = reactor.socketsCreated - first;
    assert(fresh <= opened + 16, `${fresh} new sockets for ${opened} open ports`);
  } finally {
    reactor.close();
    server.listener.close();
  }
});

/** TCP ports in the LISTEN state on this machine (either family). */
function listeningPorts(): Set<number> {
  return new Set(
    ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((path) =>
      Deno.readTextFileSync(path).split("\n").slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((f) => f.length > 3 && f[3] === "0A") // TCP_LISTEN
        .map((f) => parseInt(f[1].split(":")[1], 16))
    ),
  );
}

Deno.test("a port that drops SYNs times out at the deadline and frees its socket", async () => {
  const silent = await silentPort();
  const reactor = new ConnectReactor();
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  try {
    const t0 = performance.now();
    const result = await reactor.connect("127.0.0.1", silent.port, 300);
    const elapsed = performance.now() - t0;
    assertEquals(result, { kind: "timeout" });
    assert(elapsed >= 295 && elapsed < 1000, `took ${elapsed} ms`);
    // The wait ran on another thread: timers kept firing meanwhile.
    assert(ticks >= 10, `only ${ticks} ticks in ${elapsed} ms`);
    assertEquals(reactor.inFlight, 0);
  } finally {
    clearInterval(ticker);
    reactor.close();
  }
  silent.close();
});

Deno.test("timed-out connects and whole scans leave no descriptor open (own process)", async () => {
  const silent = await silentPort();
  const server = listen("127.0.0.1")!;
  try {
    const base = server.port > 300 ? server.port - 150 : server.port;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        new URL("./testdata/fd_probe.ts", import.meta.url).pathname,
        `${silent.port}`,
        `${base}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(r.result, { kind: "timeout" });
    assertEquals(r.ports, 300);
    assert(
      r.afterTimeout <= r.beforeTimeout,
      `timeout leaked: ${r.afterTimeout} > ${r.beforeTimeout}`,
    );
    assert(r.afterScan <= r.beforeScan, `scan leaked: ${r.afterScan} > ${r.beforeScan}`);
  } finally {
    server.listener.close();
    silent.close();
  }
});

Deno.test("a connect started during a long wait is answered at once", async () => {
  const silent = await silentPort();
  const [closed] = closedPorts("127.0.0.1", 1);
  const reactor = new ConnectReactor();
  try {
    const slow = reactor.connect("127.0.0.1", silent.port, 3000);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the reactor is now waiting
    const t0 = performance.now();
    const fast = await reactor.connect("127.0.0.1", closed, 3000);
    const elapsed = performance.now() - t0;
    assertEquals(fast.kind, "refused");
    assert(elapsed < 500, `a new connect waited ${elapsed} ms for the old wait`);
    reactor.close();
    assertEquals(await slow, { kind: "timeout" });
  } finally {
    reactor.close();
    silent.close();
  }
});

Deno.test("abort and close settle connects in flight as timeouts", async () => {
  const silent = await silentPort();
  const controller = new AbortController();
  const connect = createNativeConnect({ signal: controller.signal });
  try {
    const pending = connect("127.0.0.1", silent.port, 10_000);
    setTimeout(() => controller.abort(), 20);
    const t0 = performance.now();
    assertEquals(await pending, { kind: "timeout" });
    assert(performance.now() - t0 < 2000);
    // Once closed, connects are not attempted.
    const [closed] = closedPorts("127.0.0.1", 1);
    assertEquals(await connect("127.0.0.1", closed, 1000), { kind: "timeout" });
  } finally {
    connect.close();
    silent.close();
  }
});

Deno.test("errno verdicts agree with the engine's classification of Deno errors", () => {
  for (let code = 0; code < 134; code++) {
    const native = classifyErrno(code, 5);
    const engine = classifyConnectError(new Error(`connect failed (os error ${code})`), 5);
    const strip = (r: NativeConnectResult) => r.kind === "resource" ? { kind: r.kind } : r;
    assertEquals(strip(native), strip(engine), `errno ${code}`);
  }
});

Deno.test("an address that is not an IP literal is a TypeError", () => {
  const connect = createNativeConnect();
  try {
    let error: unknown;
    try {
      connect("localhost", 80, 100);
    } catch (e) {
      error = e;
    }
    assert(error instanceof TypeError, String(error));
  } finally {
    connect.close();
  }
});

Deno.test("the connect scan gives the same verdicts on the native and Deno transports", async () => {
  const server = listen("127.0.0.1")!;
  const base = server.port > 300 ? server.port - 150 : server.port;
  const ports = Array.from({ length: 300 }, (_, i) => base + i);
  const plan: ScanPlan = {
    targets: { size: 1, at: () => ({ address: "127.0.0.1", family: 4 }) },
    ports: { tcp: ports, udp: [] },
    scanType: "connect",
    skipDiscovery: true,
    timing: timingPlan(defaultOptions()),
    seed: 7,
    sequentialPorts: false,
    resolve: "never",
  };
  async function verdicts(transport: "auto" | "deno"): Promise<string[]> {
    const states = new Map<number, string>();
    for await (const e of connectScan(plan, { transport })) {
      if (e.type === "port") states.set(e.port, `${e.port}/${e.state}/${e.reason}`);
    }
    return ports.map((p) => states.get(p) ?? `${p}/missing`);
  }
  try {
    const listening = listeningPorts();
    const native = await verdicts("auto");
    const deno = await verdicts("deno");
    // Other programs' listeners may come and go in the range: compare the other ports.
    for (const p of listeningPorts()) listening.add(p);
    const steady = (_: string, i: number) => ports[i] === server.port || !listening.has(ports[i]);
    assertEquals(native.filter(steady), deno.filter(steady));
    assert(native.includes(`${server.port}/open/syn-ack`));
  } finally {
    server.listener.close();
  }
});

/** Run a command; true when it exits 0. */
async function run(cmd: string[], stdin?: string): Promise<{ ok: boolean; out: string }> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { ok: code === 0, out: decoder.decode(stdout) + decoder.decode(stderr) };
}

Deno.test({
  name: "ICMP errors and silence in a private namespace: unreachable reasons and timeouts",
  ignore: Deno.uid() !== 0,
  async fn() {
    const ns = `ptl-conn-${crypto.randomUUID().slice(0, 8)}`;
    if (!(await run(["ip", "netns", "add", ns])).ok) return; // no netns support here
    const script = await Deno.makeTempFile({ suffix: ".ts" });
    try {
      const inside = (cmd: string[], stdin?: string) =>
        run(["ip", "netns", "exec", ns, ...cmd], stdin);
      assert((await inside(["ip", "link", "set", "lo", "up"])).ok);
      // Linux rate-limits ICMP errors per peer; every error here goes to the same peer.
      for (const knob of ["net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0"]) {
        await inside(["sysctl", "-qw", knob]);
      }
      // Only the namespace's own loopback is involved: its rules answer its own SYNs.
      const rules = `table inet ptl {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 7001 reject with icmp type host-unreachable
    tcp dport 7002 reject with icmp type net-unreachable
    tcp dport 7003 drop
    tcp dport 7004 reject with icmpv6 type addr-unreachable
    tcp dport 7005 drop
  }
}
`;
      const nft = await inside(["nft", "-f", "-"], rules);
      if (!nft.ok) return; // nftables unavailable in this kernel
      // Loopback answers the first SYN while connect() still holds the socket, so Linux keeps
      // that ICMP error as a soft one; the retransmitted SYN (~1 s on) gets the hard error.
      // The budget leaves room for a busy machine (2.5 s once ran out under the full suite).
      await Deno.writeTextFile(
        script,
        `import { createNativeConnect } from ${JSON.stringify(import.meta.resolve("./connect.ts"))};
const connect = createNativeConnect();
const out = await Promise.all([
  connect("127.0.0.1", 7001, 5000),
  connect("127.0.0.1", 7002, 5000),
  connect("127.0.0.1", 7003, 300),
  connect("127.0.0.1", 7009, 1000),
  connect("::1", 7004, 5000),
  connect("::1", 7005, 300),
]);
connect.close();
console.log(JSON.stringify(out.map((r) => r.kind === "unreachable" ? r.reason : r.kind)));
`,
      );
      const result = await inside([Deno.execPath(), "run", "-A", script]);
      assert(result.ok, result.out);
      const verdicts = JSON.parse(result.out.trim().split("\n").pop()!);
      assertEquals(verdicts, [
        "host-unreach",
        "net-unreach",
        "timeout",
        "refused",
        "host-unreach",
        "timeout",
      ]);
    } finally {
      await run(["ip", "netns", "delete", ns]);
      await Deno.remove(script);
    }
  },
});
