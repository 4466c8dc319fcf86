import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { RateLimiter } from "./rate.ts";

/** A fake clock whose sleep advances time instead of waiting. */
function fakeClock() {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.t += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

Deno.test("maxRate: no one-second window holds more than rate + burst", async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ maxRate: 50, now: clock.now, sleep: clock.sleep });
  assert(limiter.limited);
  const times: number[] = [];
  for (let i = 0; i < 500; i++) {
    await limiter.take();
    times.push(clock.t);
  }
  // 500 probes at 50/s take about 10 s of (fake) time.
  assert(clock.t >= 9_000 && clock.t <= 10_000, `took ${clock.t} ms`);
  let worst = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 1000) j++;
    worst = Math.max(worst, i - j + 1);
  }
  assert(worst <= 51, `worst window ${worst}`);
});

Deno.test("concurrent takers are paced too", async () => {
  const clock = fakeClock();
  let slept = 0;
  const limiter = new RateLimiter({
    maxRate: 10,
    now: clock.now,
    sleep: (ms) => {
      slept = Math.max(slept, ms);
      return Promise.resolve();
    },
  });
  await Promise.all(Array.from({ length: 20 }, () => limiter.take()));
  // Reservations are made at call time: the 20th waits about 1.9 s at 10/s.
  assert(slept >= 1800 && slept <= 1900, `longest wait ${slept}`);
});

Deno.test("real time: 20 takes at 100/s last about 0.2 s", async () => {
  const limiter = new RateLimiter({ maxRate: 100, burst: 1 });
  const start = performance.now();
  for (let i = 0; i < 20; i++) await limiter.take();
  const elapsed = performance.now() - start;
  assert(elapsed >= 180 && elapsed < 1500, `elapsed ${elapsed}`);
});

Deno.test("unlimited limiter never waits and still counts", async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep });
  assertEquals(limiter.limited, false);
  for (let i = 0; i < 1000; i++) await limiter.take();
  assertEquals(clock.t, 0);
  assertEquals(limiter.total, 1000);
});

Deno.test("rate() and belowMinRate() follow the achieved rate", async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ minRate: 100, now: clock.now, sleep: clock.sleep });
  // First second: never reported below (too early to judge).
  for (let i = 0; i < 20; i++) {
    await limiter.take();
    clock.t += 10;
  }
  assertEquals(limiter.belowMinRate(), false);
  // Then 20 probes per second for three seconds.
  for (let i = 0; i < 60; i++) {
    await limiter.take();
    clock.t += 50;
  }
  const rate = limiter.rate();
  assert(rate >= 15 && rate <= 25, `rate ${rate}`);
  assertEquals(limiter.belowMinRate(), true);
  // Then 500 per second.
  for (let i = 0; i < 1000; i++) {
    await limiter.take();
    clock.t += 2;
  }
  assertEquals(limiter.belowMinRate(), false);
});

Deno.test("an aborted signal releases waiting takers", async () => {
  const controller = new AbortController();
  const limiter = new RateLimiter({ maxRate: 1, burst: 1, signal: controller.signal });
  await limiter.take();
  const start = performance.now();
  const waiting = limiter.take();
  controller.abort();
  await waiting;
  assert(performance.now() - start < 500);
});
