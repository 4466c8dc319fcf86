import { deepEqual, equal } from "node:assert/strict";
import { detectOs } from "./detect.ts";
import { parseRunnerArgs } from "./runner.ts";

Deno.test("IPv6 targets get a note instead of probes", async () => {
  const r = await detectOs({ address: "::1", openTcpPort: 22, closedTcpPort: 1 });
  equal(r.fingerprint, "");
  deepEqual(r.matches, []);
  equal(r.note, "OS detection supports IPv4 targets only");
});

Deno.test("runner arguments", () => {
  deepEqual(parseRunnerArgs(["198.18.0.10", "22", "1", "-", "--guess", "--tries", "3"]), {
    target: { address: "198.18.0.10", openTcpPort: 22, closedTcpPort: 1 },
    guess: true,
    maxTries: 3,
  });
  deepEqual(parseRunnerArgs(["127.0.0.1", "-", "-", "-"]), {
    target: { address: "127.0.0.1" },
    guess: false,
  });
});
