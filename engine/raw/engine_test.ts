import { deepStrictEqual, equal, ok } from "node:assert/strict";
import type { PortEvent, ScanEvent } from "../events.ts";
import { type FakeHost, fakeTransport } from "./fake_transport.ts";
import { rawDiscovery, rawScan } from "./mod.ts";
import { rawTestPlan, type RawTestPlanSpec } from "./plan_for_tests.ts";
import type { RawPortEvent } from "./types.ts";

const FAST = { minRttTimeout: 5, maxRttTimeout: 20, initialRttTimeout: 10, timing: 4 };

async function run(
  spec: Omit<RawTestPlanSpec, "options"> & { options?: RawTestPlanSpec["options"] },
  hosts: Record<string, FakeHost>,
  extra: { signal?: AbortSignal; discoveryOnly?: boolean } = {},
) {
  const plan = await rawTestPlan({ ...spec, options: { ...FAST, ...spec.options } });
  const transport = fakeTransport(hosts);
  const events: ScanEvent[] = [];
  const engine = {
    route: () => ({ interface: "fake", source: "127.0.0.1" }),
    openTransport: () => transport,
    loopbackAlwaysUp: false,
    srcPort: 40404,
  };
  const stream = extra.discoveryOnly
    ? rawDiscovery(plan, { engine })
    : rawScan(plan, { engine, signal: extra.signal });
  for await (const e of stream) events.push(e);
  const ports = new Map<string, PortEvent>();
  for (const e of events) if (e.type === "port") ports.set(`${e.address}:${e.port}`, e);
  return { events, ports, sent: transport.sent };
}

const states = (ports: Map<string, PortEvent>) =>
  Object.fromEntries([...ports].map(([k, e]) => [k, `${e.state} ${e.reason}`]));

Deno.test("syn scan: states, reasons, ttl and fingerprint from a simulated host", async () => {
  const { ports, events } = await run(
    { targets: ["127.0.0.2"], scanType: "syn", tcp: [22, 23, 24, 25], skipDiscovery: true },
    { "127.0.0.2": { ttl: 63, ports: { 22: "open", 24: "drop", 25: "admin-prohibited" } } },
  );
  deepStrictEqual(states(ports), {
    "127.0.0.2:22": "open syn-ack",
    "127.0.0.2:23": "closed reset",
    "127.0.0.2:24": "filtered no-response",
    "127.0.0.2:25": "filtered admin-prohibited",
  });
  const open = ports.get("127.0.0.2:22") as RawPortEvent;
  equal(open.reasonTtl, 63);
  ok(open.rttMs !== undefined && open.rttMs >= 0);
  deepStrictEqual(open.fingerprint?.options, "M,N,W");
  equal(open.fingerprint?.windowScale, 7);
  equal(open.fingerprint?.window, 64240);
  deepStrictEqual(events.map((e) => e.type).filter((t) => t !== "progress" && t !== "port"), [
    "start",
    "host",
    "host-done",
    "end",
  ]);
});

Deno.test("every technique reads the simulated replies the nmap way", async () => {
  const host = { ports: { 1: "open", 2: "closed", 3: "drop", 4: "admin-prohibited" } } as FakeHost;
  const want: Record<string, string[]> = {
    ack: [
      "unfiltered reset",
      "unfiltered reset",
      "filtered no-response",
      "filtered admin-prohibited",
    ],
    fin: [
      "open|filtered no-response",
      "closed reset",
      "open|filtered no-response",
      "filtered admin-prohibited",
    ],
    null: [
      "open|filtered no-response",
      "closed reset",
      "open|filtered no-response",
      "filtered admin-prohibited",
    ],
    xmas: [
      "open|filtered no-response",
      "closed reset",
      "open|filtered no-response",
      "filtered admin-prohibited",
    ],
    window: ["closed reset", "closed reset", "filtered no-response", "filtered admin-prohibited"],
  };
  for (const [scanType, expected] of Object.entries(want)) {
    const { ports } = await run(
      {
        targets: ["127.0.0.2"],
        scanType: scanType as "ack",
        tcp: [1, 2, 3, 4],
        skipDiscovery: true,
      },
      { "127.0.0.2": host },
    );
    deepStrictEqual(
      [1, 2, 3, 4].map((p) =>
        `${ports.get(`127.0.0.2:${p}`)?.state} ${ports.get(`127.0.0.2:${p}`)?.reason}`
      ),
      expected,
      scanType,
    );
  }
});

Deno.test("udp scan: reply open, port unreachable closed, other ICMP filtered, silence open|filtered", async () => {
  const { ports } = await run(
    { targets: ["127.0.0.2"], scanType: "udp", udp: [53, 54, 55, 56], skipDiscovery: true },
    { "127.0.0.2": { ports: { 53: "open", 54: "drop", 55: "admin-prohibited" } } },
  );
  deepStrictEqual(states(ports), {
    "127.0.0.2:53": "open udp-response",
    "127.0.0.2:54": "open|filtered no-response",
    "127.0.0.2:55": "filtered admin-prohibited",
    "127.0.0.2:56": "closed port-unreach",
  });
});

Deno.test("silent ports get one retransmission, then the scan stops early", async () => {
  const { sent, ports } = await run(
    {
      targets: ["127.0.0.2"],
      scanType: "syn",
      tcp: [10, 11, 12],
      skipDiscovery: true,
      options: { maxRetries: 6 },
    },
    { "127.0.0.2": { ports: { 10: "drop", 11: "open" } } },
  );
  equal(sent.filter((p) => p.dstPort === 10).length, 2, "pass 0 and one retransmission");
  equal(sent.filter((p) => p.dstPort === 11).length, 1);
  equal(ports.get("127.0.0.2:10")?.state, "filtered");
});

Deno.test("loss seen on a retransmission pass earns another pass, within max-retries", async () => {
  const { sent, ports } = await run(
    {
      targets: ["127.0.0.2"],
      scanType: "syn",
      tcp: [20, 21],
      skipDiscovery: true,
      options: { maxRetries: 4 },
    },
    { "127.0.0.2": { ports: { 20: "open" }, loseFirst: { 20: 1, 21: 9 } } },
  );
  equal(ports.get("127.0.0.2:20")?.state, "open", "answered on the retransmission");
  equal(sent.filter((p) => p.dstPort === 20).length, 2);
  // Pass 1 found loss (port 20), so port 21 got pass 2; pass 2 found none, so it stopped.
  equal(sent.filter((p) => p.dstPort === 21).length, 3);
  equal(ports.get("127.0.0.2:21")?.state, "filtered");
  const capped = await run(
    {
      targets: ["127.0.0.2"],
      scanType: "syn",
      tcp: [20, 21, 22],
      skipDiscovery: true,
      options: { maxRetries: 2 },
    },
    { "127.0.0.2": { loseFirst: { 20: 1, 21: 2, 22: 9 } } },
  );
  equal(capped.ports.get("127.0.0.2:21")?.state, "closed", "third try answered");
  equal(capped.sent.filter((p) => p.dstPort === 22).length, 3, "1 + max-retries probes at most");
});

Deno.test("replies that fail validation are ignored", async () => {
  // A host whose SYN-ACKs acknowledge the wrong number: every port stays unanswered.
  const plan = await rawTestPlan({
    targets: ["127.0.0.2"],
    scanType: "syn",
    tcp: [22],
    skipDiscovery: true,
    options: { ...FAST, maxRetries: 1 },
  });
  const inner = fakeTransport({ "127.0.0.2": { ports: { 22: "open" } } });
  const transport = {
    ...inner,
    send: (probes: Parameters<typeof inner.send>[0]) =>
      inner.send(probes.map((p) => ({ ...p, seq: (p.seq! + 7) >>> 0 }))),
  };
  const events: ScanEvent[] = [];
  for await (
    const e of rawScan(plan, {
      engine: {
        route: () => ({ interface: "fake", source: "127.0.0.1" }),
        openTransport: () => transport,
        srcPort: 40404,
      },
    })
  ) events.push(e);
  const port = events.find((e) => e.type === "port");
  equal(port?.type === "port" && `${port.state} ${port.reason}`, "filtered no-response");
});

Deno.test("discovery: answering hosts are up and scanned, silent ones are down and skipped", async () => {
  const { events, ports } = await run(
    { targets: ["127.0.0.2", "127.0.0.3"], scanType: "syn", tcp: [22] },
    { "127.0.0.2": { ports: { 22: "open" } }, "127.0.0.3": { up: false } },
  );
  const hosts = events.filter((e) => e.type === "host");
  deepStrictEqual(
    hosts.map((h) => h.type === "host" && `${h.address} ${h.status} ${h.reason}`).sort(),
    ["127.0.0.2 up echo-reply", "127.0.0.3 down no-response"],
  );
  deepStrictEqual([...ports.keys()], ["127.0.0.2:22"]);
  const only = await run(
    { targets: ["127.0.0.2", "127.0.0.3"], scanType: "syn", tcp: [22] },
    { "127.0.0.2": {}, "127.0.0.3": { up: false } },
    { discoveryOnly: true },
  );
  equal(only.ports.size, 0);
  equal(only.events.filter((e) => e.type === "host").length, 2);
});

Deno.test("abort stops sending and ends with partial: true", async () => {
  const controller = new AbortController();
  const plan = await rawTestPlan({
    targets: ["127.0.0.2"],
    scanType: "syn",
    tcp: Array.from({ length: 5000 }, (_, i) => i + 1),
    skipDiscovery: true,
    options: { ...FAST, maxRate: 2000 },
  });
  const transport = fakeTransport({ "127.0.0.2": {} });
  let ports = 0;
  let end: ScanEvent | undefined;
  for await (
    const e of rawScan(plan, {
      signal: controller.signal,
      engine: {
        route: () => ({ interface: "fake", source: "127.0.0.1" }),
        openTransport: () => transport,
      },
    })
  ) {
    if (e.type === "port" && ++ports === 50) controller.abort();
    if (e.type === "end") end = e;
  }
  ok(end?.type === "end" && end.partial);
  ok(transport.sent.length < 5000, `sent ${transport.sent.length}`);
  ok(ports >= 50 && ports < 5000);
});

Deno.test("once every probe is answered the scan ends without waiting out the RTT timeout", async () => {
  const start = performance.now();
  const { ports } = await run(
    {
      targets: ["127.0.0.2"],
      scanType: "syn",
      tcp: Array.from({ length: 300 }, (_, i) => i + 1),
      skipDiscovery: true,
      options: { minRttTimeout: 3000, maxRttTimeout: 5000, initialRttTimeout: 3000 },
    },
    { "127.0.0.2": { ports: { 7: "open" } } },
  );
  const ms = performance.now() - start;
  equal(ports.size, 300);
  equal(ports.get("127.0.0.2:7")?.state, "open");
  ok(ms < 1500, `took ${ms.toFixed(0)} ms; the 3 s timeout floor must not be waited out`);
});

Deno.test("the congestion window caps probes in flight to a silent host", async () => {
  const plan = await rawTestPlan({
    targets: ["127.0.0.2"],
    scanType: "syn",
    tcp: Array.from({ length: 60 }, (_, i) => i + 1),
    skipDiscovery: true,
    options: {
      ...FAST,
      minRttTimeout: 300,
      maxRttTimeout: 300,
      initialRttTimeout: 300,
      maxRetries: 0,
    },
  });
  plan.timing.maxParallelism = 20;
  const transport = fakeTransport({ "127.0.0.2": { ports: { 1: "drop" }, up: false } });
  const times: number[] = [];
  const counting = {
    ...transport,
    send(probes: Parameters<typeof transport.send>[0]) {
      for (let i = 0; i < probes.length; i++) times.push(performance.now());
      return transport.send(probes);
    },
  };
  const stream = rawScan(plan, {
    engine: {
      route: () => ({ interface: "fake", source: "127.0.0.1" }),
      openTransport: () => counting,
      srcPort: 40404,
    },
  });
  for await (const _ of stream) { /* drain */ }
  equal(times.length, 60, "every port probed once");
  const early = times.filter((t) => t - times[0] < 250).length;
  ok(early <= 20, `${early} probes went before the first ones timed out; the window is 20`);
});
