/**
 * The raw engine's sharding, TCP+UDP runs, ARP discovery and per-host fairness, over the
 * fake transport (nothing leaves the process), and the plan's side of `--shard` and
 * `-sS -sU`.
 */
import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import type { PortEvent, ScanEvent } from "../events.ts";
import type { ScanPlan } from "../plan_types.ts";
import { buildPlan } from "../plan.ts";
import { parseArgs } from "../../cli/args.ts";
import { UsageError } from "../../cli/errors.ts";
import { type FakeHost, fakeTransport } from "./fake_transport.ts";
import { HOST_MIN_IN_FLIGHT, type RawRoute, runRawEngine } from "./engine.ts";
import { rawTestPlan, type RawTestPlanSpec } from "./plan_for_tests.ts";

const FAST = { minRttTimeout: 5, maxRttTimeout: 20, initialRttTimeout: 10, timing: 4 };
const LOOPBACK_ROUTE: RawRoute = { interface: "fake", source: "127.0.0.1" };

async function run(
  plan: ScanPlan,
  hosts: Record<string, FakeHost>,
  extra: { route?: RawRoute; onEvent?: (e: ScanEvent) => void } = {},
) {
  const transport = fakeTransport(hosts);
  const events: ScanEvent[] = [];
  await runRawEngine(plan, (e) => {
    events.push(e);
    extra.onEvent?.(e);
  }, {
    route: () => extra.route ?? LOOPBACK_ROUTE,
    openTransport: () => transport,
    loopbackAlwaysUp: false,
    srcPort: 40404,
  });
  const ports = events.filter((e): e is PortEvent => e.type === "port");
  return { events, ports, sent: transport.sent };
}

function plan(spec: RawTestPlanSpec): Promise<ScanPlan> {
  return rawTestPlan({ ...spec, options: { ...FAST, ...spec.options } });
}

const key = (e: PortEvent) => `${e.address} ${e.protocol}/${e.port} ${e.state}`;

Deno.test("--shard: the shards of one seed are disjoint and together make the whole scan", async () => {
  const hosts: Record<string, FakeHost> = {
    "127.0.0.2": { ports: { 3: "open", 17: "drop" } },
    "127.0.0.3": { ports: { 5: "open", 53: "open" } },
    "127.0.0.4": { up: false },
    "127.0.0.5": { ports: { 40: "admin-prohibited", 54: "drop" } },
  };
  const spec: RawTestPlanSpec = {
    targets: ["127.0.0.2-5"],
    scanType: "syn",
    scanTypes: ["syn", "udp"],
    tcp: Array.from({ length: 40 }, (_, i) => i + 1),
    udp: [53, 54, 55],
    seed: 4242,
  };
  const whole = await run(await plan(spec), hosts);
  const all = whole.ports.map(key).sort();
  equal(all.length, 3 * 43, "three hosts up, 40 TCP + 3 UDP ports each");

  const seen = new Set<string>();
  const probed = new Set<string>();
  for (let index = 1; index <= 3; index++) {
    const part = await run(await plan({ ...spec, shard: { index, count: 3 } }), hosts);
    ok(part.ports.length > 0 && part.ports.length < all.length, `shard ${index} is a slice`);
    for (const e of part.ports) {
      ok(!seen.has(key(e)), `${key(e)} reported by two shards`);
      seen.add(key(e));
    }
    // Discovery probes (SYN 443, ACK 80) repeat per shard; port probes must not (a shard
    // may retransmit its own).
    const mine = new Set(
      part.sent.filter((p) => p.dstPort !== undefined && p.dstPort <= 55 && p.flags !== 16)
        .map((p) => `${p.destination} ${p.kind}/${p.dstPort}`),
    );
    for (const k of mine) {
      ok(!probed.has(k), `${k} probed by two shards`);
      probed.add(k);
    }
    const end = part.events.at(-1);
    ok(end?.type === "end" && !end.partial);
  }
  deepStrictEqual([...seen].sort(), all);
});

Deno.test("--shard in the plan: needs --seed, and is refused for connect scans", async () => {
  const raw = { rawAvailability: () => ({ ok: true as const }) };
  const noRaw = { rawAvailability: () => ({ ok: false as const, reason: "no CAP_NET_RAW" }) };
  const p = await buildPlan(parseArgs(["--shard", "2/3", "--seed", "9", "-p", "1-9"]), raw);
  deepStrictEqual(p.shard, { index: 2, count: 3 });
  equal(p.seed, 9);
  await rejects(buildPlan(parseArgs(["--shard", "1/2", "-p", "80"]), raw), UsageError);
  await rejects(
    buildPlan(parseArgs(["--shard", "1/2", "--seed", "1", "-sT", "-p", "80"]), raw),
    /connect scans cannot be sharded/,
  );
  await rejects(
    buildPlan(parseArgs(["--shard", "1/2", "--seed", "1", "-p", "80"]), noRaw),
    /connect scans cannot be sharded/,
  );
  for (const bad of ["0/2", "3/2", "1/0", "a/b", "2"]) {
    let message = "";
    try {
      parseArgs(["--shard", bad]);
    } catch (error) {
      message = (error as Error).message;
    }
    ok(/--shard needs I\/N/.test(message), `${bad}: ${message}`);
  }
});

Deno.test("-sS -sU: one run scans TCP and UDP ports with their own techniques", async () => {
  const { ports, events } = await run(
    await plan({
      targets: ["127.0.0.2"],
      scanType: "syn",
      scanTypes: ["syn", "udp"],
      tcp: [22, 23, 24],
      udp: [53, 54, 55],
      skipDiscovery: true,
    }),
    { "127.0.0.2": { ports: { 22: "open", 24: "drop", 53: "open", 54: "drop" } } },
  );
  deepStrictEqual(ports.map((e) => `${e.protocol}/${e.port} ${e.state} ${e.reason}`).sort(), [
    "tcp/22 open syn-ack",
    "tcp/23 closed reset",
    "tcp/24 filtered no-response",
    "udp/53 open udp-response",
    "udp/54 open|filtered no-response",
    "udp/55 closed port-unreach",
  ]);
  const start = events[0];
  ok(start.type === "start");
  deepStrictEqual(start.ports, { tcp: 3, udp: 3 });
  equal(events.filter((e) => e.type === "warning").length, 0, "no 'ports skipped' warning");
  equal(events.filter((e) => e.type === "host-done").length, 1);
});

Deno.test("-sS -sU in the plan: both techniques, top 1000 of each protocol by default", async () => {
  const raw = { rawAvailability: () => ({ ok: true as const }) };
  const both = await buildPlan(parseArgs(["-sS", "-sU", "127.0.0.1"]), raw);
  equal(both.scanType, "syn");
  deepStrictEqual(both.scanTypes, ["syn", "udp"]);
  equal(both.ports.tcp.length, 1000);
  equal(both.ports.udp.length, 1000);
  const listed = await buildPlan(parseArgs(["-sAU", "-p", "22,53", "127.0.0.1"]), raw);
  deepStrictEqual(listed.scanTypes, ["ack", "udp"]);
  deepStrictEqual(listed.ports, { tcp: [22, 53], udp: [22, 53] });
  const single = await buildPlan(parseArgs(["-sU", "-p", "53", "127.0.0.1"]), raw);
  equal(single.scanTypes, undefined, "one technique keeps the plan as it was");
  await rejects(
    buildPlan(parseArgs(["-sS", "-sU", "127.0.0.1"]), {
      rawAvailability: () => ({ ok: false, reason: "no CAP_NET_RAW" }),
    }),
    /-sS -sU needs raw packets: no CAP_NET_RAW/,
  );
  await rejects(buildPlan(parseArgs(["-sT", "-sU", "127.0.0.1"]), raw), /-sT cannot be combined/);
});

Deno.test("ARP discovery: on-link hosts that answer ARP are up with their MAC; no IP probes", async () => {
  // Nothing leaves the process: the fake transport answers for these lab-range addresses.
  const route: RawRoute = {
    interface: "fake0",
    source: "198.18.0.1",
    linkType: 1,
    onLink: true,
    mac: "02:50:54:00:00:01",
  };
  const { events, ports, sent } = await run(
    await plan({ targets: ["198.18.0.10", "198.18.0.11"], scanType: "syn", tcp: [22, 23] }),
    {
      "198.18.0.10": { mac: "02:50:54:00:00:0a", ports: { 22: "open" } },
      "198.18.0.11": {}, // answers IP probes, but not ARP: on a LAN that means absent
    },
    { route },
  );
  const hosts = events.filter((e) => e.type === "host");
  deepStrictEqual(
    hosts.map((h) => h.type === "host" && `${h.address} ${h.status} ${h.reason} ${h.mac}`),
    ["198.18.0.10 up arp-response 02:50:54:00:00:0a", "198.18.0.11 down no-response undefined"],
  );
  deepStrictEqual(ports.map((e) => `${e.address}:${e.port} ${e.state}`).sort(), [
    "198.18.0.10:22 open",
    "198.18.0.10:23 closed",
  ]);
  const discovery = sent.filter((p) => p.dstPort === undefined || p.dstPort > 100);
  ok(discovery.length >= 2 && discovery.every((p) => p.kind === "arp"), "only ARP to find hosts");
  equal(discovery[0].sourceMac, route.mac);
  equal(discovery[0].interface, "fake0");

  // Off-link (behind a gateway) or with ARP turned off, the IP probes are used.
  const offLink = await run(
    await plan({ targets: ["198.18.0.11"], scanType: "syn", tcp: [22] }),
    { "198.18.0.11": {} },
    { route: { ...route, onLink: false } },
  );
  const h = offLink.events.find((e) => e.type === "host");
  ok(h?.type === "host" && h.status === "up" && h.reason === "echo-reply");
  ok(offLink.sent.every((p) => p.kind !== "arp"));
});

Deno.test("fairness: a slow host is capped in flight and the fast host finishes first", async () => {
  const base = await plan({
    targets: ["127.0.0.2", "127.0.0.3"],
    scanType: "syn",
    tcp: Array.from({ length: 300 }, (_, i) => i + 1),
    skipDiscovery: true,
    options: { timing: 4, initialRttTimeout: 500, minRttTimeout: 200, maxRttTimeout: 1000 },
  });
  // A window of 40: the cap per host is max(16, 40 / 2) = 20 while both hosts scan.
  const p: ScanPlan = { ...base, timing: { ...base.timing, maxParallelism: 40 } };
  const cap = Math.max(HOST_MIN_IN_FLIGHT, 40 / 2);
  const slow = "127.0.0.3";
  let fastDone = -1;
  let slowDone = -1;
  let worst = 0;
  const t0 = performance.now();
  const transport = fakeTransport(
    { "127.0.0.2": {}, [slow]: { delayMs: 40 } },
    {
      onSend: (probe, outstanding) => {
        if (probe.destination === slow && fastDone < 0) worst = Math.max(worst, outstanding);
      },
    },
  );
  const events: ScanEvent[] = [];
  await runRawEngine(p, (e) => {
    events.push(e);
    if (e.type === "host-done") {
      if (e.address === slow) slowDone = performance.now() - t0;
      else fastDone = performance.now() - t0;
    }
  }, {
    route: () => LOOPBACK_ROUTE,
    openTransport: () => transport,
    loopbackAlwaysUp: false,
    srcPort: 40404,
  });
  equal(events.filter((e) => e.type === "port").length, 600);
  ok(fastDone >= 0 && slowDone >= 0, "both hosts finish");
  ok(fastDone < slowDone / 3, `fast host done at ${fastDone} ms, slow at ${slowDone} ms`);
  ok(worst > 0 && worst <= cap, `slow host had ${worst} probes in flight (cap ${cap})`);
  // The slow host's answers all came within its RTT timeout: no retransmission was needed.
  equal(transport.sent.filter((x) => x.destination === slow).length, 300);
});
