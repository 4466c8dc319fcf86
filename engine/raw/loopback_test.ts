/**
 * The raw engine on loopback with the real transport (libpcap on `lo`, raw sockets):
 * listeners opened here must read open, the ports next to them closed.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { rawAvailability } from "../../native/mod.ts";
import type { PortEvent } from "../events.ts";
import { rawScan } from "./mod.ts";
import { rawTestPlan } from "./plan_for_tests.ts";

const raw = rawAvailability();
const why = raw.ok ? undefined : raw.reason;
const inCi = Deno.env.get("CI") === "true";
if (why && !inCi) console.warn(`skipping raw loopback tests: ${why}`);

async function scanLoopback(address: string, scanType: "syn" | "fin", ports: number[]) {
  const plan = await rawTestPlan({
    targets: [address],
    scanType,
    tcp: ports,
    options: { timing: 4 },
    ipv6: address.includes(":"),
  });
  const out = new Map<number, string>();
  for await (const e of rawScan(plan)) {
    if (e.type === "port") out.set(e.port, `${e.state} ${(e as PortEvent).reason}`);
  }
  return out;
}

for (const address of ["127.0.0.1", "::1"]) {
  Deno.test({
    name: `raw -sS of ${address}: listeners open, neighbours closed`,
    ignore: why !== undefined && !inCi,
    async fn() {
      if (why) throw new Error(`raw scanning unavailable: ${why}`);
      const a = Deno.listen({ hostname: address, port: 0 });
      const b = Deno.listen({ hostname: address, port: 0 });
      const pa = (a.addr as Deno.NetAddr).port;
      const pb = (b.addr as Deno.NetAddr).port;
      // A port that was just listening and is now closed.
      const c = Deno.listen({ hostname: address, port: 0 });
      const pc = (c.addr as Deno.NetAddr).port;
      c.close();
      try {
        const got = await scanLoopback(address, "syn", [pa, pb, pc]);
        deepStrictEqual(Object.fromEntries(got), {
          [pa]: "open syn-ack",
          [pb]: "open syn-ack",
          [pc]: "closed reset",
        });
        const fin = await scanLoopback(address, "fin", [pa, pc]);
        ok(fin.get(pa) === "open|filtered no-response" && fin.get(pc) === "closed reset");
      } finally {
        a.close();
        b.close();
      }
    },
  });
}
