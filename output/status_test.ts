import assert from "node:assert/strict";
import { clock, ProgressTracker } from "./status.ts";

Deno.test("clock formats h:mm:ss", () => {
  assert.equal(clock(0), "0:00:00");
  assert.equal(clock(61_000), "0:01:01");
  assert.equal(clock(3_600_000 + 5_000), "1:00:05");
});

Deno.test("status line: percent, probes, replies, rate and a remaining-time estimate", () => {
  const tracker = new ProgressTracker(1_000);
  assert.equal(tracker.line(3_000), "Stats: 0:00:02 elapsed; starting");
  tracker.update({ type: "progress", sent: 500, done: 250, total: 1000, rate: 125, replies: 240 });
  tracker.hostDone();
  assert.equal(
    tracker.line(11_000),
    "Stats: 0:00:10 elapsed; 25.0% done (250/1000); 500 probes sent; 240 replies; 125/s; " +
      "1 hosts completed; ETC 0:00:30 remaining",
  );
  tracker.update({ type: "progress", sent: 1200, done: 1000, total: 1000, rate: 100 });
  assert.doesNotMatch(tracker.line(20_000), /remaining/);
});
