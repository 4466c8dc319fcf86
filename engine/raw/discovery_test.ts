/**
 * Host discovery with the `-P*` probes (-PS, -PA, -PU, -PE, -PP, -PM, --disable-arp-ping):
 * the probe lists, what their replies mean, and the raw engine's -sn over the fake transport
 * (nothing leaves the process).
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import {
  buildIcmpPacket,
  buildTcpPacket,
  buildUdpPacket,
  decodeIpPacket,
  ProbeCookie,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
} from "../../packet/mod.ts";
import type { HostEvent, ScanEvent } from "../events.ts";
import type { DiscoveryPlan, ScanPlan } from "../plan_types.ts";
import { type FakeHost, fakeTransport } from "./fake_transport.ts";
import { rawDiscovery } from "./mod.ts";
import type { RawRoute } from "./engine.ts";
import { rawTestPlan } from "./plan_for_tests.ts";
import { discoveryProbeCount, discoveryProbes, interpretDiscoveryReply } from "./technique.ts";

const cookie = new ProbeCookie(new Uint8Array(16).fill(7));
const SRC_PORT = 40404;
const FAST = { minRttTimeout: 5, maxRttTimeout: 20, initialRttTimeout: 10, timing: 4 };

function probesOf(partial: Partial<DiscoveryPlan>): DiscoveryPlan {
  return {
    tcpSyn: [],
    tcpAck: [],
    udp: [],
    icmpEcho: false,
    icmpTimestamp: false,
    icmpMask: false,
    arp: true,
    ...partial,
  };
}

function decode(bytes: Uint8Array) {
  const p = decodeIpPacket(bytes);
  if (!p) throw new Error("undecodable");
  return p;
}

const v4 = { family: 4 as const, source: "127.0.0.1", destination: "127.0.0.9", srcPort: SRC_PORT };

Deno.test("discoveryProbes: nmap's defaults, or exactly the probes the plan names", () => {
  const defaults = discoveryProbes(v4, cookie);
  deepStrictEqual(defaults.map((p) => `${p.kind}:${p.dstPort ?? ""}:${p.flags ?? ""}`), [
    "icmp-echo::",
    `tcp:443:${TCP_SYN}`,
    `tcp:80:${TCP_ACK}`,
    "icmp-timestamp::",
  ]);
  equal(discoveryProbeCount(), 4);

  const dns = new Uint8Array([1, 2, 3]);
  const plan = probesOf({
    tcpSyn: [22, 8080],
    tcpAck: [80],
    udp: [53, 40125],
    icmpEcho: true,
    icmpTimestamp: true,
    icmpMask: true,
  });
  const named = discoveryProbes(v4, cookie, {
    probes: plan,
    udpPayload: (port) => (port === 53 ? dns : undefined),
  });
  deepStrictEqual(named.map((p) => `${p.kind}:${p.dstPort ?? ""}:${p.flags ?? ""}`), [
    "icmp-echo::",
    `tcp:22:${TCP_SYN}`,
    `tcp:8080:${TCP_SYN}`,
    `tcp:80:${TCP_ACK}`,
    "udp:53:",
    "udp:40125:",
    "icmp-timestamp::",
    "icmp-mask::",
  ]);
  equal(discoveryProbeCount(plan), named.length);
  deepStrictEqual(named[4].payload, dns);
  equal(named[5].payload, undefined);
  // Every TCP probe carries its own cookie; the ACK one also as its ack number.
  ok(named[1].seq !== named[2].seq);
  equal(named[3].ack, named[3].seq);
  equal(named[1].ack, 0);

  // ICMPv6 has echo but no timestamp or address mask.
  const v6 = discoveryProbes(
    { family: 6, source: "fd00::1", destination: "fd00::9", srcPort: SRC_PORT },
    cookie,
    { probes: probesOf({ icmpEcho: true, icmpTimestamp: true, icmpMask: true, udp: [7] }) },
  );
  deepStrictEqual(v6.map((p) => p.kind), ["icmp-echo", "udp"]);
});

Deno.test("interpretDiscoveryReply: SYN, ACK, UDP and ICMP pings to any port", () => {
  const plan = probesOf({ tcpSyn: [22], tcpAck: [8443], udp: [40125], icmpMask: true });
  const [syn, ack, , mask] = discoveryProbes(v4, cookie, { probes: plan });
  const check = { srcPort: SRC_PORT, cookie };
  const from = { src: "127.0.0.9", dst: "127.0.0.1" };
  const synAck = decode(buildTcpPacket({
    ...from,
    srcPort: 22,
    dstPort: SRC_PORT,
    seq: 1,
    ack: (syn.seq! + 1) >>> 0,
    flags: TCP_SYN | TCP_ACK,
  }));
  equal(interpretDiscoveryReply(synAck, check)?.reason, "syn-ack");
  const rstAck = decode(buildTcpPacket({
    ...from,
    srcPort: 22,
    dstPort: SRC_PORT,
    seq: 0,
    ack: (syn.seq! + 1) >>> 0,
    flags: TCP_RST | TCP_ACK,
  }));
  equal(interpretDiscoveryReply(rstAck, check)?.reason, "reset");
  // The same acknowledgement from another port fails the cookie.
  const wrongPort = decode(buildTcpPacket({
    ...from,
    srcPort: 23,
    dstPort: SRC_PORT,
    seq: 1,
    ack: (syn.seq! + 1) >>> 0,
    flags: TCP_SYN | TCP_ACK,
  }));
  equal(interpretDiscoveryReply(wrongPort, check), undefined);
  const reset = decode(buildTcpPacket({
    ...from,
    srcPort: 8443,
    dstPort: SRC_PORT,
    seq: ack.ack!,
    flags: TCP_RST,
  }));
  deepStrictEqual(interpretDiscoveryReply(reset, check), {
    address: "127.0.0.9",
    source: "127.0.0.1",
    up: true,
    reason: "reset",
    ttl: 64,
  });
  const forgedReset = decode(buildTcpPacket({
    ...from,
    srcPort: 8443,
    dstPort: SRC_PORT,
    seq: (ack.ack! + 1) >>> 0,
    flags: TCP_RST,
  }));
  equal(interpretDiscoveryReply(forgedReset, check), undefined);

  const udp = decode(buildUdpPacket({ ...from, srcPort: 40125, dstPort: SRC_PORT }));
  equal(interpretDiscoveryReply(udp, check)?.reason, "udp-response");
  equal(
    interpretDiscoveryReply(
      decode(buildUdpPacket({ ...from, srcPort: 40125, dstPort: SRC_PORT + 1 })),
      check,
    ),
    undefined,
  );
  const quoted = buildUdpPacket({
    src: "127.0.0.1",
    dst: "127.0.0.9",
    srcPort: SRC_PORT,
    dstPort: 40125,
  });
  const unreach = decode(
    buildIcmpPacket({ ...from, type: 3, code: 3, payload: quoted.subarray(0, 28) }),
  );
  const verdict = interpretDiscoveryReply(unreach, check);
  deepStrictEqual([verdict?.up, verdict?.reason], [true, "port-unreach"]);

  const maskReply = decode(
    buildIcmpPacket({ ...from, type: 18, id: mask.icmpId, seq: 3, payload: new Uint8Array(4) }),
  );
  equal(interpretDiscoveryReply(maskReply, check)?.reason, "addressmask-reply");
});

async function discover(
  plan: ScanPlan,
  hosts: Record<string, FakeHost>,
  route: RawRoute = { interface: "fake", source: "127.0.0.1" },
) {
  const transport = fakeTransport(hosts);
  const events: ScanEvent[] = [];
  const engine = {
    route: () => route,
    openTransport: () => transport,
    loopbackAlwaysUp: false,
    srcPort: SRC_PORT,
  };
  for await (const e of rawDiscovery(plan, { engine })) events.push(e);
  const hostLines = events
    .filter((e): e is HostEvent => e.type === "host")
    .map((h) => `${h.address} ${h.status} ${h.reason}`)
    .sort();
  return { events, hostLines, sent: transport.sent };
}

async function pingPlan(targets: string[], discovery?: DiscoveryPlan): Promise<ScanPlan> {
  const plan = await rawTestPlan({ targets, scanType: "syn", options: FAST });
  return { ...plan, pingScan: true, ...(discovery ? { discovery } : {}) };
}

Deno.test("-sn -PS22: a listener means syn-ack, a closed port reset, silence down", async () => {
  const targets = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
  const { hostLines, sent, events } = await discover(
    await pingPlan(targets, probesOf({ tcpSyn: [22] })),
    {
      "127.0.0.2": { ports: { 22: "open" } },
      "127.0.0.3": {},
      "127.0.0.4": { up: false },
    },
  );
  deepStrictEqual(hostLines, [
    "127.0.0.2 up syn-ack",
    "127.0.0.3 up reset",
    "127.0.0.4 down no-response",
  ]);
  // Only the named probe, no ICMP and no port scan.
  ok(sent.length >= 3);
  ok(sent.every((p) => p.kind === "tcp" && p.dstPort === 22 && p.flags === TCP_SYN));
  equal(events.filter((e) => e.type === "port").length, 0);
  const start = events.find((e) => e.type === "start");
  equal(start?.type === "start" && start.scanType, "ping");
});

Deno.test("-sn -PA, -PU, -PE: resets, port unreachables and echo replies find hosts", async () => {
  const hosts: Record<string, FakeHost> = {
    "127.0.0.2": { icmp: false },
    "127.0.0.3": { up: false },
  };
  const ack = await discover(
    await pingPlan(["127.0.0.2", "127.0.0.3"], probesOf({ tcpAck: [80, 8080] })),
    hosts,
  );
  deepStrictEqual(ack.hostLines, ["127.0.0.2 up reset", "127.0.0.3 down no-response"]);
  ok(ack.sent.every((p) => p.kind === "tcp" && p.flags === TCP_ACK));

  const udp = await discover(
    await pingPlan(["127.0.0.2", "127.0.0.3"], probesOf({ udp: [40125] })),
    hosts,
  );
  deepStrictEqual(udp.hostLines, ["127.0.0.2 up port-unreach", "127.0.0.3 down no-response"]);
  const open = await discover(
    await pingPlan(["127.0.0.2"], probesOf({ udp: [53] })),
    { "127.0.0.2": { ports: { 53: "open" } } },
  );
  deepStrictEqual(open.hostLines, ["127.0.0.2 up udp-response"]);

  // ICMP only: a host that ignores ICMP is down even though its TCP stack would answer.
  const echo = await discover(
    await pingPlan(["127.0.0.2", "127.0.0.4"], probesOf({ icmpEcho: true })),
    { "127.0.0.2": { icmp: false }, "127.0.0.4": {} },
  );
  deepStrictEqual(echo.hostLines, ["127.0.0.2 down no-response", "127.0.0.4 up echo-reply"]);
  ok(echo.sent.every((p) => p.kind === "icmp-echo"));
  const ts = await discover(
    await pingPlan(["127.0.0.4"], probesOf({ icmpTimestamp: true })),
    { "127.0.0.4": {} },
  );
  deepStrictEqual(ts.hostLines, ["127.0.0.4 up timestamp-reply"]);
  const mask = await discover(
    await pingPlan(["127.0.0.4"], probesOf({ icmpMask: true })),
    { "127.0.0.4": {} },
  );
  deepStrictEqual(mask.hostLines, ["127.0.0.4 up addressmask-reply"]);
});

Deno.test("-sn over IPv6: ICMPv6 echo finds hosts (no timestamp probe exists)", async () => {
  const plan = await rawTestPlan({
    targets: ["::1"],
    scanType: "syn",
    ipv6: true,
    options: FAST,
  });
  // Addresses are only handed to the fake transport; nothing is sent.
  const targets = {
    size: 2,
    at: (i: number) => ({ address: ["fd00::9", "fd00::a"][i], family: 6 as const }),
  };
  const { hostLines, sent } = await discover(
    {
      ...plan,
      targets,
      pingScan: true,
      discovery: probesOf({ icmpEcho: true, icmpTimestamp: true }),
    },
    { "fd00::9": {}, "fd00::a": { up: false } },
    { interface: "fake", source: "fd00::1" },
  );
  deepStrictEqual(hostLines, ["fd00::9 up echo-reply", "fd00::a down no-response"]);
  ok(sent.length > 0 && sent.every((p) => p.kind === "icmp-echo" && p.family === 6));
});

Deno.test("on-link hosts: ARP even with -PS (as nmap), IP probes with --disable-arp-ping", async () => {
  // Nothing leaves the process: the fake transport answers for these lab-range addresses.
  const route: RawRoute = {
    interface: "fake0",
    source: "198.18.0.1",
    linkType: 1,
    onLink: true,
    mac: "02:50:54:00:00:01",
  };
  const hosts: Record<string, FakeHost> = {
    "198.18.0.10": { mac: "02:50:54:00:00:0a", ports: { 22: "open" } },
  };
  const arp = await discover(
    await pingPlan(["198.18.0.10"], probesOf({ tcpSyn: [22] })),
    hosts,
    route,
  );
  deepStrictEqual(arp.hostLines, ["198.18.0.10 up arp-response"]);
  ok(arp.sent.every((p) => p.kind === "arp"));
  const ip = await discover(
    await pingPlan(["198.18.0.10"], probesOf({ tcpSyn: [22], arp: false })),
    hosts,
    route,
  );
  deepStrictEqual(ip.hostLines, ["198.18.0.10 up syn-ack"]);
  ok(ip.sent.every((p) => p.kind === "tcp"));
});
