import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  rejects,
} from "node:assert/strict";
import { defaultOptions } from "../cli/options.ts";
import {
  classifyConnectError,
  type ConnectFn,
  type ConnectResult,
  connectScan,
  type ConnectScanOptions,
  isLoopback,
} from "./connect.ts";
import type { PortEvent, ScanEvent } from "./events.ts";
import type { ScanPlan, TargetSet, TimingPlan } from "./plan_types.ts";
import { timingPlan } from "./timing.ts";

function targets(addresses: string[]): TargetSet {
  return {
    size: addresses.length,
    at: (i) => ({ address: addresses[i], family: addresses[i].includes(":") ? 6 : 4 }),
  };
}

function makePlan(
  addresses: string[],
  ports: number[],
  extra: { timing?: Partial<TimingPlan>; plan?: Partial<ScanPlan> } = {},
): ScanPlan {
  return {
    targets: targets(addresses),
    ports: { tcp: ports, udp: [] },
    scanType: "connect",
    skipDiscovery: false,
    timing: { ...timingPlan(defaultOptions()), ...extra.timing },
    seed: 42,
    sequentialPorts: false,
    resolve: "never",
    ...extra.plan,
  };
}

async function collect(plan: ScanPlan, options: ConnectScanOptions = {}): Promise<ScanEvent[]> {
  const events: ScanEvent[] = [];
  for await (const event of connectScan(plan, options)) events.push(event);
  return events;
}

function portEvents(events: ScanEvent[], address?: string): PortEvent[] {
  return events.filter((e): e is PortEvent =>
    e.type === "port" && (address === undefined || e.address === address)
  );
}

function byPort(events: ScanEvent[]): Map<number, PortEvent> {
  return new Map(portEvents(events).map((e) => [e.port, e]));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fake transport: `answer` decides each attempt; attempts are counted per address:port. */
function fakeConnect(
  answer: (address: string, port: number, tryNo: number) => ConnectResult | Promise<ConnectResult>,
) {
  const attempts = new Map<string, number>();
  const order: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const connect: ConnectFn = async (address, port, _timeoutMs) => {
    const key = `${address}:${port}`;
    const tryNo = attempts.get(key) ?? 0;
    attempts.set(key, tryNo + 1);
    order.push(port);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await answer(address, port, tryNo);
    } finally {
      inFlight--;
    }
  };
  return {
    connect,
    attempts: (address: string, port: number) => attempts.get(`${address}:${port}`) ?? 0,
    order,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

/** Ports that were just free: listen on port 0, note the port, close. */
function freePorts(count: number): number[] {
  const ports: number[] = [];
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  for (const l of listeners) {
    ports.push((l.addr as Deno.NetAddr).port);
    l.close();
  }
  return ports;
}

Deno.test("scans real listeners and closed ports on 127.0.0.1", async () => {
  const listeners = Array.from(
    { length: 3 },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const open = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  const closed = freePorts(4).filter((p) => !open.includes(p));
  try {
    const ports = [...open, ...closed].sort((a, b) => a - b);
    const events = await collect(makePlan(["127.0.0.1"], ports));

    assertEquals(events[0].type, "start");
    const start = events[0] as Extract<ScanEvent, { type: "start" }>;
    assertEquals([start.scanType, start.hosts, start.ports.tcp], ["connect", 1, ports.length]);
    const last = events[events.length - 1];
    assertEquals(last.type === "end" && last.partial, false);

    const host = events.find((e) => e.type === "host");
    assertEquals(host?.type === "host" && [host.status, host.reason], ["up", "localhost-response"]);

    const found = byPort(events);
    assertEquals(found.size, ports.length);
    for (const p of open) {
      const e = found.get(p)!;
      assertEquals([e.state, e.reason, e.protocol], ["open", "syn-ack", "tcp"]);
      assert(typeof e.rttMs === "number" && e.rttMs >= 0);
    }
    for (const p of closed) {
      const e = found.get(p)!;
      assertEquals([e.state, e.reason], ["closed", "conn-refused"]);
    }

    // host comes before its ports, host-done after all of them, end last.
    const types = events.map((e) => e.type);
    const hostAt = types.indexOf("host");
    const doneAt = types.indexOf("host-done");
    assert(hostAt > 0 && doneAt > hostAt);
    assert(types.slice(0, hostAt).every((t) => t !== "port"));
    assert(types.slice(doneAt + 1).every((t) => t !== "port"));
    const done = events[doneAt];
    assertEquals(done.type === "host-done" && done.timedOut, false);
  } finally {
    for (const l of listeners) l.close();
  }
});

Deno.test("scans ::1 when IPv6 loopback is available", async () => {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: "::1", port: 0 });
  } catch {
    return; // no IPv6 on this machine
  }
  try {
    const open = (listener.addr as Deno.NetAddr).port;
    const events = await collect(makePlan(["::1"], [open]));
    assertEquals(byPort(events).get(open)?.state, "open");
  } finally {
    listener.close();
  }
});

Deno.test("a few thousand loopback ports are all decided, none filtered", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = (listener.addr as Deno.NetAddr).port;
  try {
    const base = open > 3000 ? open - 2999 : open;
    const ports = Array.from({ length: 3000 }, (_, i) => base + i);
    const events = await collect(makePlan(["127.0.0.1"], ports));
    const found = byPort(events);
    assertEquals(found.size, 3000);
    assertEquals(found.get(open)?.state, "open");
    const filtered = [...found.values()].filter((e) => e.state === "filtered");
    assertEquals(filtered.length, 0);
  } finally {
    listener.close();
  }
});

Deno.test("silence means filtered after one retry when no loss was seen", async () => {
  const fake = fakeConnect(() => ({ kind: "timeout" }));
  const events = await collect(makePlan(["127.0.0.1"], [1, 2, 3, 4]), { connect: fake.connect });
  for (const e of portEvents(events)) {
    assertEquals([e.state, e.reason], ["filtered", "no-response"]);
  }
  for (const p of [1, 2, 3, 4]) assertEquals(fake.attempts("127.0.0.1", p), 2);

  const zero = fakeConnect(() => ({ kind: "timeout" }));
  await collect(makePlan(["127.0.0.1"], [1, 2], { timing: { maxRetries: 0 } }), {
    connect: zero.connect,
  });
  assertEquals([zero.attempts("127.0.0.1", 1), zero.attempts("127.0.0.1", 2)], [1, 1]);
});

Deno.test("an answer to a retry earns more retries, up to maxRetries", async () => {
  // Port 5 answers only its first retry: evidence of loss. Later ports never answer.
  const answer = (_a: string, port: number, tryNo: number): ConnectResult =>
    port === 5 && tryNo === 1 ? { kind: "refused", rttMs: 1 } : { kind: "timeout" };
  const ports = Array.from({ length: 30 }, (_, i) => i + 1);
  const plan = makePlan(["127.0.0.1"], ports, { plan: { sequentialPorts: true } });

  const fake = fakeConnect(answer);
  const events = await collect(plan, { connect: fake.connect, concurrency: 1 });
  assertEquals(byPort(events).get(5)?.state, "closed");
  for (const p of ports.slice(10)) assertEquals(fake.attempts("127.0.0.1", p), 3);

  const capped = fakeConnect(answer);
  await collect({ ...plan, timing: { ...plan.timing, maxRetries: 1 } }, {
    connect: capped.connect,
    concurrency: 1,
  });
  for (const p of ports.slice(10)) assertEquals(capped.attempts("127.0.0.1", p), 2);
});

Deno.test("a late answer on a retry still counts", async () => {
  const fake = fakeConnect((_a, _p, tryNo) =>
    tryNo === 0 ? { kind: "timeout" } : { kind: "open", rttMs: 2 }
  );
  const events = await collect(makePlan(["127.0.0.1"], [10, 20]), { connect: fake.connect });
  for (const e of portEvents(events)) assertEquals([e.state, e.reason], ["open", "syn-ack"]);
});

Deno.test("unreachable answers are filtered with their reason, without retries", async () => {
  const fake = fakeConnect((_a, port) =>
    port === 1
      ? { kind: "unreachable", reason: "host-unreach" }
      : { kind: "unreachable", reason: "net-unreach" }
  );
  const events = await collect(makePlan(["127.0.0.1"], [1, 2]), { connect: fake.connect });
  const found = byPort(events);
  assertEquals([found.get(1)?.state, found.get(1)?.reason], ["filtered", "host-unreach"]);
  assertEquals([found.get(2)?.state, found.get(2)?.reason], ["filtered", "net-unreach"]);
  assertEquals(fake.attempts("127.0.0.1", 1), 1);
});

Deno.test("EMFILE lowers parallelism and retries; it is never a port state", async () => {
  const ports = Array.from({ length: 300 }, (_, i) => i + 1);
  let resources = 0;
  const fake = fakeConnect(async (_a, port) => {
    // The "system" runs out of descriptors above 20 connects at once.
    if (fake.inFlight > 20) {
      resources++;
      return { kind: "resource", message: "Too many open files (os error 24)" };
    }
    await sleep(2);
    return port % 50 === 0 ? { kind: "open", rttMs: 2 } : { kind: "refused", rttMs: 2 };
  });
  const events = await collect(makePlan(["127.0.0.1"], ports), {
    connect: fake.connect,
    concurrency: 200,
  });
  assert(resources > 0);
  const found = portEvents(events);
  assertEquals(found.length, 300);
  assertEquals(new Set(found.map((e) => e.port)).size, 300);
  for (const e of found) assertEquals(e.state, e.port % 50 === 0 ? "open" : "closed");
  const warnings = events.filter((e) => e.type === "warning");
  assert(
    warnings.some((w) => w.type === "warning" && /lowering connect parallelism/.test(w.message)),
  );
});

Deno.test("resource failures with nothing in flight end the scan with an error", async () => {
  const fake = fakeConnect(() => ({ kind: "resource", message: "Too many open files" }));
  await rejects(
    collect(makePlan(["127.0.0.1"], [1]), { connect: fake.connect, maxResourceBackoffMs: 2 }),
    /sockets/,
  );
  // Each failure was a retry of the same probe, never a port verdict.
  assert(fake.attempts("127.0.0.1", 1) > 40);
});

Deno.test("discovery: answers on 80/443 mean up, silence means down", async () => {
  const fake = fakeConnect(async (address, port) => {
    await sleep(1);
    if (address === "127.0.0.2") {
      return port === 443 ? { kind: "refused", rttMs: 3 } : { kind: "timeout" };
    }
    if (address === "127.0.0.3") return { kind: "timeout" };
    if (address === "127.0.0.4") return { kind: "unreachable", reason: "host-unreach" };
    return { kind: "refused", rttMs: 1 };
  });
  const events = await collect(
    makePlan(["127.0.0.2", "127.0.0.3", "127.0.0.4"], [22, 25], { timing: { initialRttMs: 100 } }),
    { connect: fake.connect, loopbackAlwaysUp: false },
  );
  const hosts = new Map(
    events.flatMap((e) => (e.type === "host" ? [[e.address, e] as const] : [])),
  );
  const up = hosts.get("127.0.0.2")!;
  assertEquals([up.status, up.reason, up.latencyMs], ["up", "conn-refused", 3]);
  assertEquals([hosts.get("127.0.0.3")?.status, hosts.get("127.0.0.3")?.reason], [
    "down",
    "no-response",
  ]);
  assertEquals([hosts.get("127.0.0.4")?.status, hosts.get("127.0.0.4")?.reason], [
    "down",
    "host-unreach",
  ]);
  assertEquals(portEvents(events, "127.0.0.2").length, 2);
  assertEquals(portEvents(events, "127.0.0.3").length, 0);
  assertEquals(portEvents(events, "127.0.0.4").length, 0);
  const done = events.filter((e) => e.type === "host-done").map((e) =>
    e.type === "host-done" && e.address
  );
  assertEquals(done, ["127.0.0.2"]);
  // Down hosts' ports were never probed.
  assertEquals(fake.attempts("127.0.0.3", 22), 0);
  // -Pn skips discovery: every host is up ("user-set") and scanned.
  const pn = fakeConnect(() => ({ kind: "timeout" }));
  const skipped = await collect(
    makePlan(["127.0.0.3"], [22], { plan: { skipDiscovery: true }, timing: { initialRttMs: 100 } }),
    { connect: pn.connect, loopbackAlwaysUp: false },
  );
  const host = skipped.find((e) => e.type === "host");
  assertEquals(host?.type === "host" && [host.status, host.reason], ["up", "user-set"]);
  assertEquals(pn.attempts("127.0.0.3", 80), 0);
  assertEquals(portEvents(skipped).length, 1);
});

Deno.test("abort mid-scan ends with partial: true", async () => {
  const controller = new AbortController();
  const fake = fakeConnect(async () => {
    await sleep(5);
    return { kind: "refused", rttMs: 5 };
  });
  const ports = Array.from({ length: 2000 }, (_, i) => i + 1);
  const events: ScanEvent[] = [];
  for await (
    const event of connectScan(makePlan(["127.0.0.1"], ports), {
      connect: fake.connect,
      concurrency: 4,
      signal: controller.signal,
    })
  ) {
    events.push(event);
    if (portEvents(events).length === 20) controller.abort();
  }
  const last = events[events.length - 1];
  assertEquals(last.type === "end" && last.partial, true);
  assert(portEvents(events).length < 100);
  assertEquals(fake.inFlight, 0);
});

Deno.test("a consumer that stops early leaves nothing running", async () => {
  const fake = fakeConnect(async () => {
    await sleep(3);
    return { kind: "refused", rttMs: 3 };
  });
  let ports = 0;
  for await (
    const event of connectScan(makePlan(["127.0.0.1"], [1, 2, 3, 4, 5, 6, 7, 8]), {
      connect: fake.connect,
      concurrency: 2,
    })
  ) {
    if (event.type === "port" && ++ports === 2) break;
  }
  assertEquals(fake.inFlight, 0);
});

Deno.test("host timeout: the slow host is cut short, the others finish", async () => {
  const fake = fakeConnect(async (address) => {
    if (address === "127.0.0.9") {
      await sleep(80);
      return { kind: "timeout" };
    }
    await sleep(1);
    return { kind: "refused", rttMs: 1 };
  });
  const ports = Array.from({ length: 100 }, (_, i) => i + 1);
  const started = performance.now();
  const events = await collect(
    makePlan(["127.0.0.1", "127.0.0.9"], ports, { timing: { hostTimeoutMs: 300 } }),
    { connect: fake.connect, concurrency: 10 },
  );
  assert(performance.now() - started < 2000);
  const done = new Map(
    events.flatMap((e) => (e.type === "host-done" ? [[e.address, e.timedOut] as const] : [])),
  );
  assertEquals(done.get("127.0.0.9"), true);
  assertEquals(done.get("127.0.0.1"), false);
  assertEquals(portEvents(events, "127.0.0.1").length, 100);
  assert(portEvents(events, "127.0.0.9").length < 100);
  // Nothing is reported for the timed-out host after its host-done.
  const doneAt = events.findIndex((e) => e.type === "host-done" && e.address === "127.0.0.9");
  assert(events.slice(doneAt + 1).every((e) => !(e.type === "port" && e.address === "127.0.0.9")));
});

Deno.test("a filtered host does not hold up the others", async () => {
  const fake = fakeConnect(async (address, _port, _tryNo) => {
    if (address === "127.0.0.9") {
      await sleep(100);
      return { kind: "timeout" };
    }
    await sleep(1);
    return { kind: "refused", rttMs: 1 };
  });
  const ports = Array.from({ length: 60 }, (_, i) => i + 1);
  const events = await collect(makePlan(["127.0.0.9", "127.0.0.1"], ports), {
    connect: fake.connect,
    concurrency: 10,
  });
  const order = events.flatMap((e) => (e.type === "host-done" ? [e.address] : []));
  assertEquals(order, ["127.0.0.1", "127.0.0.9"]);
  for (const e of portEvents(events, "127.0.0.9")) assertEquals(e.state, "filtered");
  assert(fake.maxInFlight <= 10);
});

Deno.test("--max-rate paces connects", async () => {
  const ports = freePorts(30);
  const started = performance.now();
  const events = await collect(
    makePlan(["127.0.0.1"], ports, { timing: { maxRate: 50 } }),
  );
  const elapsed = performance.now() - started;
  assertEquals(portEvents(events).length, 30);
  // 30 connects at 50/s with a burst of 1: at least 29 intervals of 20 ms.
  assert(elapsed >= 560, `took ${elapsed} ms`);
});

Deno.test("scan delay spaces probes to one host", async () => {
  const sent: number[] = [];
  const fake = fakeConnect(() => {
    sent.push(performance.now());
    return { kind: "refused", rttMs: 1 };
  });
  await collect(makePlan(["127.0.0.1"], [1, 2, 3, 4, 5], { timing: { scanDelayMs: 40 } }), {
    connect: fake.connect,
  });
  assertEquals(sent.length, 5);
  for (let i = 1; i < sent.length; i++) {
    assert(sent[i] - sent[i - 1] >= 35, `gap ${sent[i] - sent[i - 1]}`);
  }
});

Deno.test("port order: ascending with -r, seeded permutation otherwise", async () => {
  const ports = Array.from({ length: 50 }, (_, i) => 1000 + i);
  async function orderFor(plan: ScanPlan): Promise<number[]> {
    const fake = fakeConnect(() => ({ kind: "refused", rttMs: 1 }));
    await collect(plan, { connect: fake.connect, concurrency: 1 });
    return fake.order;
  }
  assertEquals(
    await orderFor(makePlan(["127.0.0.1"], ports, { plan: { sequentialPorts: true } })),
    ports,
  );
  const a = await orderFor(makePlan(["127.0.0.1"], ports, { plan: { seed: 1 } }));
  const b = await orderFor(makePlan(["127.0.0.1"], ports, { plan: { seed: 1 } }));
  const c = await orderFor(makePlan(["127.0.0.1"], ports, { plan: { seed: 2 } }));
  assertEquals(a, b);
  assertNotEquals(a, c);
  assertNotEquals(a, ports);
  assertEquals([...a].sort((x, y) => x - y), ports);
});

Deno.test("progress comes about once a second and adds up", async () => {
  const fake = fakeConnect(async () => {
    await sleep(10);
    return { kind: "refused", rttMs: 10 };
  });
  const ports = Array.from({ length: 120 }, (_, i) => i + 1);
  const events = await collect(makePlan(["127.0.0.1"], ports), {
    connect: fake.connect,
    concurrency: 1,
  });
  const progress = events.filter((e) => e.type === "progress");
  assert(progress.length >= 1 && progress.length <= 3, `${progress.length} progress events`);
  for (const p of progress) {
    if (p.type !== "progress") continue;
    assertEquals(p.total, 120);
    assert(p.done > 0 && p.done <= p.total && p.sent >= p.done);
  }
});

Deno.test("UDP ports in a connect plan produce a warning", async () => {
  const fake = fakeConnect(() => ({ kind: "refused", rttMs: 1 }));
  const plan = makePlan(["127.0.0.1"], [1]);
  const events = await collect({ ...plan, ports: { tcp: [1], udp: [53] } }, {
    connect: fake.connect,
  });
  assert(events.some((e) => e.type === "warning" && /UDP/.test(e.message)));
  assertEquals(portEvents(events).length, 1);
});

Deno.test("classifies connect errors by errno and class", () => {
  const err = (name: string, message: string) => Object.assign(new Error(message), { name });
  assertEquals(
    classifyConnectError(err("ConnectionRefused", "Connection refused (os error 111)"), 4),
    {
      kind: "refused",
      rttMs: 4,
    },
  );
  assertEquals(classifyConnectError(err("Error", "No route to host (os error 113)"), 1), {
    kind: "unreachable",
    reason: "host-unreach",
  });
  assertEquals(classifyConnectError(err("NetworkUnreachable", "Network is unreachable"), 1), {
    kind: "unreachable",
    reason: "net-unreach",
  });
  assertEquals(
    classifyConnectError(err("Error", "Too many open files (os error 24)"), 1).kind,
    "resource",
  );
  assertEquals(
    classifyConnectError(err("AddrNotAvailable", "Cannot assign (os error 99)"), 1).kind,
    "resource",
  );
  assertEquals(classifyConnectError(err("AbortError", "aborted"), 1).kind, "timeout");
});

Deno.test("isLoopback", () => {
  for (const a of ["127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"]) assert(isLoopback(a), a);
  for (const a of ["localhost", "127.0.0", "127.0.0.1.5", "x127.0.0.1"]) assert(!isLoopback(a), a);
});

Deno.test("default transport: an unanswered connect times out and frees its socket", async () => {
  if (Deno.build.os !== "linux") return;
  // Other test modules share this process under --parallel, so count only half-open
  // connects (SYN_SENT, state 02) to this test's own port, from /proc/net/tcp.
  const synSentTo = (port: number) =>
    Deno.readTextFileSync("/proc/net/tcp").split("\n").slice(1).filter((line) => {
      const fields = line.trim().split(/\s+/);
      return fields.length > 3 && fields[3] === "02" &&
        parseInt(fields[2].split(":")[1] ?? "", 16) === port;
    }).length;
  // A listener that never accepts drops SYNs once its accept queue is full: on loopback,
  // that is a port that does not answer, i.e. filtered.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const fillers: Deno.Conn[] = [];
  try {
    let dropped = 0;
    while (dropped === 0 && fillers.length < 8192) {
      const batch = await Promise.all(
        Array.from(
          { length: 64 },
          () =>
            Deno.connect({ hostname: "127.0.0.1", port, signal: AbortSignal.timeout(300) }).then(
              (conn) => conn,
              () => undefined,
            ),
        ),
      );
      for (const conn of batch) {
        if (conn) fillers.push(conn);
        else dropped++;
      }
    }
    // Let the fillers' own timed-out attempts die first.
    for (let i = 0; i < 50 && synSentTo(port) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    const before = synSentTo(port);
    const events = await collect(
      makePlan(["127.0.0.1"], [port], { timing: { initialRttMs: 150, minRttMs: 100 } }),
    );
    const found = byPort(events).get(port);
    assertEquals([found?.state, found?.reason], ["filtered", "no-response"]);
    assert(synSentTo(port) <= before, `sockets leaked: ${synSentTo(port)} > ${before}`);
  } finally {
    for (const conn of fillers) conn.close();
    listener.close();
  }
});

Deno.test("resumed scan: finished hosts and settled ports get no connect", async () => {
  const fake = fakeConnect(() => ({ kind: "refused", rttMs: 1 }));
  const ports = Array.from({ length: 20 }, (_, i) => i + 1);
  const events = await collect(
    makePlan(["127.0.0.1", "127.0.0.2"], ports, {
      plan: {
        skip: {
          host: (address) => address === "127.0.0.2",
          port: (_address, protocol, port) => protocol === "tcp" && port % 2 === 0,
        },
      },
    }),
    { connect: fake.connect },
  );
  assertEquals(fake.order.length, 10);
  assert(fake.order.every((port) => port % 2 === 1));
  assertEquals(portEvents(events, "127.0.0.1").length, 10);
  assertEquals(events.filter((e) => "address" in e && e.address === "127.0.0.2").length, 0);
  assert(events.some((e) => e.type === "host-done" && e.address === "127.0.0.1"));
});

Deno.test("an interrupt that cuts connects short leaves their ports undecided, not filtered", async () => {
  const controller = new AbortController();
  const fake = fakeConnect(async (_address, _port, tryNo) => {
    if (tryNo === 0) {
      await sleep(5);
      return { kind: "timeout" };
    }
    // The retry hangs until the interrupt aborts it, as a real connect would.
    while (!controller.signal.aborted) await sleep(5);
    return { kind: "timeout" };
  });
  setTimeout(() => controller.abort(), 100);
  const events = await collect(
    makePlan(["127.0.0.1"], [1, 2, 3, 4], { timing: { maxRetries: 3 } }),
    { connect: fake.connect, signal: controller.signal },
  );
  assertEquals(portEvents(events).length, 0);
  assert(!events.some((e) => e.type === "host-done"));
  assertEquals(events.at(-1), { ...events.at(-1)!, type: "end", partial: true });
});
