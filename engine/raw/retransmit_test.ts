import { deepStrictEqual, equal, ok } from "node:assert/strict";
import type { ScanEvent } from "../events.ts";
import { type FakeHost, fakeTransport } from "./fake_transport.ts";
import { rawScan } from "./mod.ts";
import { rawTestPlan } from "./plan_for_tests.ts";
import { retransmitSample, SAMPLE_ALL, SAMPLE_STRIDE } from "./engine.ts";
import type { RawTransport } from "./types.ts";

const FAST = { minRttTimeout: 5, maxRttTimeout: 20, initialRttTimeout: 10, timing: 4 };
/** A sweep of 127.1.0.0/20 (4096 addresses), port 80, every 16th address answering. */
const BLOCK = "127.1.0.0/20";
const EVERY = 16;

function answering(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 4096; i += EVERY) out.push(`127.1.${i >> 8}.${i & 255}`);
  return out;
}

async function sweep(
  hosts: Record<string, FakeHost>,
  wrap: (t: RawTransport) => RawTransport = (t) => t,
) {
  const plan = await rawTestPlan({
    targets: [BLOCK],
    scanType: "syn",
    tcp: [80],
    skipDiscovery: true,
    options: { ...FAST, maxRetries: 6 },
  });
  const transport = fakeTransport(hosts);
  const events: ScanEvent[] = [];
  const stream = rawScan(plan, {
    engine: {
      route: () => ({ interface: "fake", source: "127.0.0.1" }),
      openTransport: () => wrap(transport),
      loopbackAlwaysUp: false,
      srcPort: 40404,
    },
  });
  for await (const e of stream) events.push(e);
  const open = new Set<string>();
  const probes = new Map<string, number>();
  for (const e of events) if (e.type === "port" && e.state === "open") open.add(e.address);
  for (const p of transport.sent) probes.set(p.destination, (probes.get(p.destination) ?? 0) + 1);
  return { events, open, probes, sent: transport.sent.length };
}

Deno.test("retransmitSample: small sets go whole, large ones one in SAMPLE_STRIDE, spread", () => {
  const small = Array.from({ length: SAMPLE_ALL }, (_, i) => i * 3);
  deepStrictEqual(retransmitSample(small), { sample: small, rest: [] });
  const n = 61440;
  const big = Array.from({ length: n }, (_, i) => i);
  const { sample, rest } = retransmitSample(big);
  equal(sample.length, n / SAMPLE_STRIDE);
  equal(sample.length + rest.length, n);
  deepStrictEqual([...sample, ...rest].sort((a, b) => a - b), big, "a partition of the input");
  // Spread over the whole walk, not its head: every 16th unit.
  equal(sample[0], 0);
  equal(sample[sample.length - 1], n - SAMPLE_STRIDE);
  const mid = Array.from({ length: 2000 }, (_, i) => i);
  equal(retransmitSample(mid).sample.length, SAMPLE_ALL, "at least SAMPLE_ALL");
});

Deno.test("sweep without loss: silent addresses get one probe, a sample of them a second", async () => {
  const hosts = Object.fromEntries(
    answering().map((a) => [a, { ports: { 80: "open" } }]),
  ) as Record<
    string,
    FakeHost
  >;
  const { open, probes, sent, events } = await sweep(hosts);
  equal(open.size, 256, "every answering address found");
  for (const a of answering()) equal(probes.get(a), 1, `${a} answered its only probe`);
  const silent = 4096 - 256;
  // The sample is drawn early from the units whose timeout has passed: at most this many.
  const most = Math.max(SAMPLE_ALL, Math.ceil(silent / SAMPLE_STRIDE));
  const twice = [...probes.values()].filter((n) => n === 2).length;
  ok(twice > 0 && twice <= most, `${twice} addresses probed twice`);
  equal(sent, 4096 + twice, "one pass, then the sample only");
  const filtered = events.filter((e) => e.type === "port" && e.state === "filtered").length;
  equal(filtered, silent, "every silent address still gets its verdict");
});

Deno.test("sweep with loss the sample sees: every silent address is probed again", async () => {
  // Every answering address loses its first probe: the sample catches some of them.
  const hosts = Object.fromEntries(
    answering().map((a) => [a, { ports: { 80: "open" }, loseFirst: { 80: 1 } }]),
  ) as Record<string, FakeHost>;
  const { open, probes } = await sweep(hosts);
  equal(open.size, 256, "all found on the retransmissions");
  for (const [address, n] of probes) ok(n >= 2, `${address} probed ${n} time(s)`);
});

Deno.test("sweep with drops in the local stack: every silent address is probed again", async () => {
  const hosts = Object.fromEntries(
    answering().map((a) => [a, { ports: { 80: "open" } }]),
  ) as Record<
    string,
    FakeHost
  >;
  let reads = 0;
  const { probes } = await sweep(hosts, (t) => ({
    ...t,
    // 3 drops reported at the end of the first pass, none after.
    pathDrops: () => (reads++ === 1 ? 3 : 0),
  }));
  const silent = [...probes].filter(([a]) => !(a in hosts));
  ok(silent.length > 0);
  for (const [address, n] of silent) equal(n, 2, `${address} probed twice`);
});

Deno.test("silent units are retransmitted once their own timeout passes, not after a pass cooldown", async () => {
  // 400 ports in order at 1000 probes/s: the pass takes ~400 ms; the timeout is 200 ms.
  const ports = Array.from({ length: 400 }, (_, i) => i + 1);
  const plan = await rawTestPlan({
    targets: ["127.0.0.2"],
    scanType: "syn",
    tcp: ports,
    skipDiscovery: true,
    sequentialPorts: true,
    options: {
      minRttTimeout: 200,
      maxRttTimeout: 200,
      initialRttTimeout: 200,
      timing: 4,
      maxRetries: 3,
      maxRate: 1000,
    },
  });
  const transport = fakeTransport({ "127.0.0.2": { ports: { 1: "drop", 400: "drop" } } });
  const times: { port: number; at: number }[] = [];
  const timed: RawTransport = {
    ...transport,
    send(probes) {
      const n = transport.send(probes);
      for (let k = 0; k < n; k++) times.push({ port: probes[k].dstPort!, at: performance.now() });
      return n;
    },
  };
  const events: ScanEvent[] = [];
  for await (
    const e of rawScan(plan, {
      engine: {
        route: () => ({ interface: "fake", source: "127.0.0.1" }),
        openTransport: () => timed,
        srcPort: 40404,
      },
    })
  ) events.push(e);
  const of = (port: number) => times.filter((t) => t.port === port);
  equal(of(1).length, 2, "port 1: probe and one retransmission");
  equal(of(400).length, 2, "port 400: probe and one retransmission");
  for (const port of [1, 400]) {
    const [first, second] = of(port);
    ok(second.at - first.at >= 200 - 5, `port ${port} waited out its timeout before the retry`);
  }
  // Port 1 went first: its timeout ran out while the pass went on, so it is retried right
  // after the pass, not a whole timeout after the pass's last probe.
  const passEnd = times[399].at;
  ok(
    of(1)[1].at - passEnd < 100,
    `port 1 retried ${(of(1)[1].at - passEnd).toFixed(0)} ms after the pass`,
  );
  const verdicts = events.filter((e) => e.type === "port" && e.state === "filtered");
  equal(verdicts.length, 2);
});
