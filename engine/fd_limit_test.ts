import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  DEFAULT_OPEN_FILE_LIMIT,
  openFileLimit,
  parseOpenFileLimit,
  safeConcurrency,
} from "./fd_limit.ts";

const SAMPLE = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            4096                 524288               files
Max locked memory         8388608              8388608              bytes
`;

Deno.test("parses the soft open-file limit", () => {
  assertEquals(parseOpenFileLimit(SAMPLE), 4096);
  assertEquals(parseOpenFileLimit(SAMPLE.replace("4096 ", "unlimited")), 1 << 20);
  assertEquals(parseOpenFileLimit("Max cpu time unlimited unlimited seconds\n"), undefined);
});

Deno.test("falls back to 1024 when the limits cannot be read", () => {
  assertEquals(
    openFileLimit({
      readLimits: () => {
        throw new Error("no /proc");
      },
    }),
    DEFAULT_OPEN_FILE_LIMIT,
  );
  assertEquals(openFileLimit({ readLimits: () => "garbage" }), DEFAULT_OPEN_FILE_LIMIT);
  assertEquals(openFileLimit({ readLimits: () => SAMPLE }), 4096);
});

Deno.test("reads this process's real limit on Linux", () => {
  if (Deno.build.os !== "linux") return;
  const text = Deno.readTextFileSync("/proc/self/limits");
  assertEquals(openFileLimit(), parseOpenFileLimit(text));
});

Deno.test("safe concurrency keeps a reserve and honours the plan", () => {
  assertEquals(safeConcurrency({ maxParallelism: 2048 }, { limit: 1024 }), 960);
  assertEquals(safeConcurrency({ maxParallelism: 100 }, { limit: 1024 }), 100);
  assertEquals(safeConcurrency({ maxParallelism: 2048 }, { limit: 20 }), 10);
  assertEquals(safeConcurrency({ maxParallelism: 0 }, { limit: 1024 }), 1);
  assert(safeConcurrency({ maxParallelism: 1 << 30 }) <= openFileLimit());
});
