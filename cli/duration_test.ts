import assert from "node:assert/strict";
import { parseDuration } from "./duration.ts";
import { UsageError } from "./errors.ts";

Deno.test("a bare number is seconds", () => {
  assert.equal(parseDuration("30"), 30_000);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("0.25"), 250);
});

Deno.test("units ms, s, m and h, any case, with decimals", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("2s"), 2_000);
  assert.equal(parseDuration("0.5s"), 500);
  assert.equal(parseDuration(".5s"), 500);
  assert.equal(parseDuration("1.1s"), 1_100);
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration("10MS"), 10);
  assert.equal(parseDuration("3H"), 10_800_000);
  assert.equal(parseDuration("0.5ms"), 0.5);
});

Deno.test("bad durations throw a UsageError naming the option", () => {
  for (const bad of ["", "-5", "-1s", "5x", "s", "1e3", "1.5.5s", "5 s", "0x10", "ms", "1d"]) {
    assert.throws(
      () => parseDuration(bad, { option: "--host-timeout" }),
      (error: unknown) =>
        error instanceof UsageError && error.message.includes("for --host-timeout") &&
        error.message.startsWith("invalid duration"),
      bad,
    );
  }
  assert.throws(() => parseDuration("5x"), /^UsageError: invalid duration '5x' \(/);
  assert.throws(() => parseDuration(""), /invalid duration an empty value/);
});
