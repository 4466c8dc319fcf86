/**
 * `-sn` and the `-P*` discovery options from the command line to the plan, and the connect
 * "ping" an unprivileged `-sn` runs (against listeners on loopback only).
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { parseArgs } from "../cli/args.ts";
import { buildPlan } from "./plan.ts";
import { connectPingPorts, connectScan } from "./connect.ts";
import type { HostEvent, ScanEvent } from "./events.ts";

const raw = { rawAvailability: () => ({ ok: true as const }) };
const noRaw = { rawAvailability: () => ({ ok: false as const, reason: "no CAP_NET_RAW" }) };

Deno.test("plan: -sn scans no ports and keeps nmap's default probes unless -P* names some", async () => {
  const plain = await buildPlan(parseArgs(["-sn", "127.0.0.1"]), raw);
  equal(plain.pingScan, true);
  deepStrictEqual(plain.ports, { tcp: [], udp: [] });
  equal(plain.discovery, undefined);
  equal(plain.scanType, "syn");
  // -p is accepted and ignored with -sn, as nmap does.
  deepStrictEqual(
    (await buildPlan(parseArgs(["-sn", "-p", "22", "127.0.0.1"]), raw)).ports,
    { tcp: [], udp: [] },
  );

  const named = await buildPlan(
    parseArgs(["-sn", "-PS22,80,8000-8002", "-PA", "-PU", "-PE", "127.0.0.1"]),
    raw,
  );
  deepStrictEqual(named.discovery, {
    tcpSyn: [22, 80, 8000, 8001, 8002],
    tcpAck: [80],
    udp: [40125],
    icmpEcho: true,
    icmpTimestamp: false,
    icmpMask: false,
    arp: true,
  });
  // Discovery options also shape the discovery before an ordinary port scan.
  const scan = await buildPlan(parseArgs(["-PS22", "-p", "22", "127.0.0.1"]), raw);
  equal(scan.pingScan, undefined);
  deepStrictEqual(scan.discovery?.tcpSyn, [22]);
  deepStrictEqual(scan.ports.tcp, [22]);

  const noArp = await buildPlan(parseArgs(["-sn", "--disable-arp-ping", "127.0.0.1"]), raw);
  deepStrictEqual(noArp.discovery, {
    tcpSyn: [443],
    tcpAck: [80],
    udp: [],
    icmpEcho: true,
    icmpTimestamp: true,
    icmpMask: false,
    arp: false,
  });
});

Deno.test("plan: unprivileged -sn is a connect ping to the -PS/-PA ports, or 80 and 443", async () => {
  const plain = await buildPlan(parseArgs(["-sn", "127.0.0.1"]), noRaw);
  equal(plain.scanType, "connect");
  equal(plain.fallbackReason, "no CAP_NET_RAW; discovering hosts with TCP connect to ports 80,443");
  deepStrictEqual(connectPingPorts(plain), [80, 443]);
  const named = await buildPlan(parseArgs(["-sn", "-PS22", "-PA8080", "-PE", "127.0.0.1"]), noRaw);
  equal(
    named.fallbackReason,
    "no CAP_NET_RAW; discovering hosts with TCP connect to ports 22,8080 " +
      "(ICMP and UDP pings need raw packets)",
  );
  deepStrictEqual(connectPingPorts(named), [22, 8080]);
  // Only ICMP named: nothing to connect to but the defaults.
  deepStrictEqual(
    connectPingPorts(await buildPlan(parseArgs(["-sn", "-PE", "127.0.0.1"]), noRaw)),
    [80, 443],
  );
  // -sn -Pn sends nothing: no note about how it would have pinged.
  equal((await buildPlan(parseArgs(["-sn", "-Pn", "127.0.0.1"]), noRaw)).fallbackReason, undefined);
});

async function hosts(argv: string[], loopbackAlwaysUp = false): Promise<ScanEvent[]> {
  const plan = await buildPlan(parseArgs(argv), noRaw);
  const events: ScanEvent[] = [];
  for await (const e of connectScan(plan, { loopbackAlwaysUp })) events.push(e);
  return events;
}

Deno.test("connect ping: -PS<listening port> is syn-ack, a closed one conn-refused", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedListener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = (listener.addr as Deno.NetAddr).port;
  const closed = (closedListener.addr as Deno.NetAddr).port;
  closedListener.close();
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })().catch(() => {});
  try {
    const up = await hosts(["-sn", `-PS${open}`, "-T4", "127.0.0.1"]);
    const start = up.find((e) => e.type === "start");
    equal(start?.type === "start" && start.scanType, "ping");
    const host = up.filter((e): e is HostEvent => e.type === "host");
    deepStrictEqual(host.map((h) => `${h.status} ${h.reason}`), ["up syn-ack"]);
    ok(host[0].latencyMs !== undefined);
    equal(up.filter((e) => e.type === "port").length, 0);
    const refused = await hosts(["-sn", `-PA${closed}`, "-T4", "127.0.0.1"]);
    deepStrictEqual(
      refused.filter((e): e is HostEvent => e.type === "host").map((h) =>
        `${h.status} ${h.reason}`
      ),
      ["up conn-refused"],
    );
  } finally {
    listener.close();
    await accepting;
  }
});

Deno.test("connect ping: -sn of a loopback target ends at once, the host up as localhost", async () => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the -sn connect ping did not end")), 5000);
  });
  try {
    const events = await Promise.race([hosts(["-sn", "127.0.0.1", "127.0.0.2"], true), stuck]);
    const up = events.filter((e): e is HostEvent => e.type === "host");
    deepStrictEqual(up.map((h) => `${h.address} ${h.status} ${h.reason}`), [
      "127.0.0.1 up localhost-response",
      "127.0.0.2 up localhost-response",
    ]);
    equal(events.at(-1)?.type, "end");
  } finally {
    clearTimeout(timer);
  }
});
