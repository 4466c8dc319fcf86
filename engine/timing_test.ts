import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { defaultOptions, type Options } from "../cli/options.ts";
import { UsageError } from "../cli/errors.ts";
import { RttEstimator, timingPlan } from "./timing.ts";

function opts(extra: Partial<Options>): Options {
  return { ...defaultOptions(), ...extra };
}

Deno.test("templates follow nmap's documented -T values", () => {
  const t0 = timingPlan(opts({ timing: 0 }));
  assertEquals(t0.scanDelayMs, 300_000);
  assertEquals(t0.maxParallelism, 1);
  assertEquals(timingPlan(opts({ timing: 1 })).scanDelayMs, 15_000);
  assertEquals(timingPlan(opts({ timing: 2 })).scanDelayMs, 400);

  const t3 = timingPlan(opts({}));
  assertEquals(t3.level, 3);
  assertEquals([t3.initialRttMs, t3.minRttMs, t3.maxRttMs, t3.maxRetries], [1000, 100, 10_000, 10]);
  assertEquals(t3.scanDelayMs, 0);
  assertEquals(t3.hostTimeoutMs, undefined);

  const t4 = timingPlan(opts({ timing: 4 }));
  assertEquals([t4.initialRttMs, t4.minRttMs, t4.maxRttMs, t4.maxRetries], [500, 100, 1250, 6]);

  const t5 = timingPlan(opts({ timing: 5 }));
  assertEquals([t5.initialRttMs, t5.minRttMs, t5.maxRttMs, t5.maxRetries], [250, 50, 300, 2]);
  assertEquals(t5.hostTimeoutMs, 15 * 60 * 1000);
  assert(t5.maxParallelism > t4.maxParallelism && t4.maxParallelism > t3.maxParallelism);
});

Deno.test("explicit options override the template", () => {
  const t = timingPlan(opts({
    timing: 5,
    maxRetries: 0,
    hostTimeout: 0,
    minRate: 10,
    maxRate: 100,
    minRttTimeout: 20,
    maxRttTimeout: 2000,
    initialRttTimeout: 700,
  }));
  assertEquals(t.maxRetries, 0);
  assertEquals(t.hostTimeoutMs, undefined); // 0 means no timeout
  assertEquals([t.minRate, t.maxRate], [10, 100]);
  assertEquals([t.initialRttMs, t.minRttMs, t.maxRttMs], [700, 20, 2000]);
  assertEquals(timingPlan(opts({ hostTimeout: 5000 })).hostTimeoutMs, 5000);
});

Deno.test("a single RTT bound that crosses the template moves the other", () => {
  const t = timingPlan(opts({ timing: 5, minRttTimeout: 500 }));
  assertEquals([t.minRttMs, t.maxRttMs], [500, 500]);
  assertEquals(t.initialRttMs, 500);
  const u = timingPlan(opts({ maxRttTimeout: 50 }));
  assertEquals([u.minRttMs, u.maxRttMs, u.initialRttMs], [50, 50, 50]);
});

Deno.test("contradictory timing options are usage errors", () => {
  throws(() => timingPlan(opts({ minRate: 10, maxRate: 5 })), UsageError);
  throws(() => timingPlan(opts({ minRttTimeout: 500, maxRttTimeout: 100 })), UsageError);
  throws(() => timingPlan(opts({ initialRttTimeout: 50, minRttTimeout: 100 })), UsageError);
});

Deno.test("RttEstimator follows RFC 6298", () => {
  const rtt = new RttEstimator({ initialRttMs: 1000, minRttMs: 100, maxRttMs: 10_000 });
  assertEquals(rtt.timeoutMs(), 1000);
  rtt.sample(200);
  assertEquals([rtt.srttMs, rtt.rttvarMs], [200, 100]);
  assertEquals(rtt.timeoutMs(), 600);
  rtt.sample(400);
  // rttvar = 3/4*100 + 1/4*|200-400| = 125; srtt = 7/8*200 + 1/8*400 = 225
  assertEquals([rtt.srttMs, rtt.rttvarMs], [225, 125]);
  assertEquals(rtt.timeoutMs(), 725);
  assertEquals(rtt.samples, 2);
});

Deno.test("RttEstimator clamps the timeout to the bounds", () => {
  const rtt = new RttEstimator({ initialRttMs: 1000, minRttMs: 100, maxRttMs: 1250 });
  for (let i = 0; i < 50; i++) rtt.sample(0.05);
  assertEquals(rtt.timeoutMs(), 100);
  for (let i = 0; i < 50; i++) rtt.sample(5000);
  assertEquals(rtt.timeoutMs(), 1250);
  rtt.sample(Number.NaN);
  rtt.sample(-1);
  assertEquals(rtt.samples, 100);
});
