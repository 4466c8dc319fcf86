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
import { classifyConnectError } from "../engine/connect.ts";

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

function openFds(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
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

Deno.test("thousands at once: every port decided, only the listener open", async () => {
  const server = listen("127.0.0.1")!;
  const base = server.port > 3000 ? server.port - 2999 : server.port;
  const ports = Array.from({ length: 3000 }, (_, i) => base + i);
  // Other listeners on this machine may sit in the range: ask the kernel who listens.
  const listening = new Set(
    ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((path) =>
      Deno.readTextFileSync(path).split("\n").slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((f) => f.length > 3 && f[3] === "0A") // TCP_LISTEN
        .map((f) => parseInt(f[1].split(":")[1], 16))
    ),
  );
  const reactor = new ConnectReactor();
  try {
    const results = await Promise.all(ports.map((p) => reactor.connect("127.0.0.1", p, 2000)));
    const open = ports.filter((_, i) => results[i].kind === "open");
    const other = results.filter((r) => r.kind !== "open" && r.kind !== "refused");
    assertEquals(other, []);
    assert(open.includes(server.port));
    assertEquals(open, ports.filter((p) => p === server.port || listening.has(p)));
    assertEquals(reactor.inFlight, 0);
    // A second sweep runs on the refused sockets of the first: only open ports cost new ones.
    const first = reactor.socketsCreated;
    const again = await Promise.all(ports.map((p) => reactor.connect("127.0.0.1", p, 2000)));
    assertEquals(again.map((r) => r.kind), results.map((r) => r.kind));
    assert(reactor.socketsCreated - first <= open.length, `${reactor.socketsCreated - first}`);
  } finally {
    reactor.close();
    server.listener.close();
  }
});

Deno.test("a port that drops SYNs times out at the deadline and frees its socket", async () => {
  const silent = await silentPort();
  const before = openFds();
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
  try {
    assert(openFds() <= before, `descriptors leaked: ${openFds()} > ${before}`);
  } finally {
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
