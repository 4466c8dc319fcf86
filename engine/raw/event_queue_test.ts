import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import type { ScanEvent } from "../events.ts";
import { EventQueue } from "./event_queue.ts";
import { runRawEngine } from "./engine.ts";
import { rawTestPlan } from "./plan_for_tests.ts";
import { fakeTransport } from "./fake_transport.ts";

const warning = (i: number): ScanEvent => ({ type: "warning", message: String(i) });

Deno.test("EventQueue: the writer waits past `high` and goes on at `low`", async () => {
  const q = new EventQueue({ high: 4, low: 1 });
  for (let i = 0; i < 4; i++) q.push(warning(i));
  equal(q.backpressure(), undefined, "4 waiting is not past high");
  q.push(warning(4));
  const lag = q.backpressure();
  ok(lag instanceof Promise);
  equal(q.backpressure(), lag, "one wait for every caller");
  let released = false;
  lag.then(() => (released = true));
  q.take();
  q.take();
  q.take();
  await Promise.resolve();
  equal(released, false, "2 waiting is still above low");
  q.take();
  await Promise.resolve();
  equal(released, true, "released at low");
  deepStrictEqual(q.take(), warning(4), "in order");
  equal(q.take(), undefined);
});

Deno.test("EventQueue: a closed queue never holds the writer", async () => {
  const q = new EventQueue({ high: 1, low: 0 });
  q.push(warning(0));
  q.push(warning(1));
  const lag = q.backpressure();
  ok(lag);
  q.close();
  await lag; // resolves: the reader is gone
  q.push(warning(2));
  equal(q.backpressure(), undefined);
});

Deno.test("EventQueue: finish ends the reader after the rest; a failure is rethrown", async () => {
  const q = new EventQueue();
  q.push(warning(0));
  q.finish(new Error("boom"));
  equal(q.done, false, "one event still waiting");
  deepStrictEqual(q.take(), warning(0));
  equal(q.done, true);
  await q.more();
  throws(() => q.rethrow(), /boom/);
});

Deno.test("the engine pauses for a slow reader: the queue stays near its high mark", async () => {
  // 4096 hosts, -Pn: 4096 host events up front, then a port and a host-done event each.
  const plan = await rawTestPlan({
    targets: ["127.1.0.0/20"],
    scanType: "syn",
    tcp: [80],
    skipDiscovery: true,
    options: { minRttTimeout: 5, maxRttTimeout: 20, initialRttTimeout: 10, timing: 4 },
  });
  const hosts = { "127.1.0.16": { ports: { 80: "open" as const } } };
  const q = new EventQueue({ high: 256, low: 64 });
  const running = runRawEngine(plan, (e) => q.push(e), {
    route: () => ({ interface: "fake", source: "127.0.0.1" }),
    openTransport: () => fakeTransport(hosts),
    loopbackAlwaysUp: false,
    srcPort: 40404,
    backpressure: () => q.backpressure(),
  }).then(() => q.finish(), (e) => q.finish(e));
  let most = 0;
  let taken = 0;
  const counts = new Map<string, number>();
  while (!q.done) {
    most = Math.max(most, q.size);
    const e = q.take();
    if (e === undefined) {
      await q.more();
      continue;
    }
    taken++;
    counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
    if (taken % 50 === 0) await new Promise((r) => setTimeout(r, 0)); // a slow reader
  }
  await running;
  q.rethrow();
  deepStrictEqual([counts.get("host"), counts.get("port"), counts.get("host-done")], [
    4096,
    4096,
    4096,
  ]);
  // The engine checks every 1024 events of a loop: the queue passes its high mark by at
  // most that much, never by the whole scan (12288 events).
  ok(most <= 256 + 1024, `the queue held ${most} events`);
});
