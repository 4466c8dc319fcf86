/**
 * IPv6 neighbour discovery as host discovery: the solicitation frame the native transport
 * injects, what an advertisement proves, and the engine over the fake transport (nothing
 * leaves the process; the lab addresses below are only handed to the fake).
 */
import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import {
  addressBytes,
  decodeFrame,
  decodeIpPacket,
  EtherType,
  IpProtocol,
  LinkType,
  parseMac,
  transportChecksum,
  writeEthernet,
  writeIpv6Header,
  writeNeighborDiscovery,
} from "../../packet/mod.ts";
import type { HostEvent, PortEvent, ScanEvent } from "../events.ts";
import type { DiscoveryPlan, ScanPlan } from "../plan_types.ts";
import { type FakeHost, fakeTransport } from "./fake_transport.ts";
import { rawDiscovery, rawScan } from "./mod.ts";
import type { RawRoute } from "./engine.ts";
import { ndSolicitationFrame } from "./native_transport.ts";
import { rawTestPlan } from "./plan_for_tests.ts";
import { linkAnswer } from "./technique.ts";
import type { RawProbe, RawReply } from "./types.ts";

const OUR_MAC = "02:50:54:00:00:01";
const ROUTE: RawRoute = {
  interface: "fake0",
  source: "fd00:5054::1",
  linkType: LinkType.EN10MB,
  onLink: true,
  mac: OUR_MAC,
};
const FAST = { minRttTimeout: 5, maxRttTimeout: 20, initialRttTimeout: 10, timing: 4 };

/** A neighbour advertisement for `target` from `from`, as an Ethernet frame or bare IPv6. */
function advertisement(
  target: string,
  options: { mac?: string; hopLimit?: number; frameMac?: string; to?: string } = {},
): RawReply {
  const mac = options.mac ? macBytes(options.mac) : undefined;
  const eth = options.frameMac ? 14 : 0;
  const length = mac ? 32 : 24;
  const bytes = new Uint8Array(eth + 40 + length);
  const dst = options.to ?? ROUTE.source;
  if (options.frameMac) {
    writeEthernet(bytes, {
      dst: macBytes(OUR_MAC),
      src: macBytes(options.frameMac),
      etherType: EtherType.IPV6,
    });
  }
  writeIpv6Header(bytes, {
    src: target,
    dst,
    nextHeader: IpProtocol.ICMPV6,
    payloadLength: length,
    hopLimit: options.hopLimit ?? 255,
  }, { offset: eth });
  writeNeighborDiscovery(bytes, {
    target,
    ...(mac ? { mac } : {}),
    advertise: { solicited: true },
  }, { offset: eth + 40, src: target, dst });
  const packet = eth ? decodeFrame(LinkType.EN10MB, bytes) : decodeIpPacket(bytes);
  if (!packet) throw new Error("undecodable advertisement");
  return { packet, bytes, timeMs: 0 };
}

function macBytes(text: string): Uint8Array {
  const mac = parseMac(text);
  if (!mac) throw new Error(`bad MAC ${text}`);
  return mac;
}

Deno.test("ndSolicitationFrame: an NS to the solicited-node group, hop limit 255, our MAC", () => {
  const probe: RawProbe = {
    kind: "nd",
    family: 6,
    source: "fd00:5054::1",
    destination: "fd00:5054::12:3456",
    interface: "fake0",
    sourceMac: OUR_MAC,
  };
  const frame = ndSolicitationFrame(probe);
  equal(frame.length, 86);
  const p = decodeFrame(LinkType.EN10MB, frame);
  ok(p?.link && p.icmpv6);
  equal(p.link.dst, "33:33:ff:12:34:56");
  equal(p.link.src, OUR_MAC);
  equal(p.link.etherType, EtherType.IPV6);
  deepStrictEqual([p.ip.src, p.ip.dst, p.ip.hopLimit], [
    "fd00:5054::1",
    "ff02::1:ff12:3456",
    255,
  ]);
  deepStrictEqual(
    [p.icmpv6.type, p.icmpv6.code, p.icmpv6.targetAddress, p.icmpv6.sourceLinkAddress],
    [135, 0, "fd00:5054::12:3456", OUR_MAC],
  );
  // Verified over the message as sent: 0 means the checksum is right.
  equal(
    transportChecksum(frame.subarray(54), {
      src: addressBytes("fd00:5054::1"),
      dst: addressBytes("ff02::1:ff12:3456"),
      protocol: IpProtocol.ICMPV6,
    }),
    0,
  );
  throws(() => ndSolicitationFrame({ ...probe, sourceMac: undefined }), /source MAC/);
});

Deno.test("linkAnswer: an advertisement names its target and MAC; a forwarded one is refused", () => {
  deepStrictEqual(linkAnswer(advertisement("fd00:5054::10", { mac: "02:50:54:00:00:10" })), {
    address: "fd00:5054::10",
    source: "fd00:5054::1",
    mac: "02:50:54:00:00:10",
    reason: "nd-response",
  });
  // Without the target link-layer option, the Ethernet source says who answered.
  equal(
    linkAnswer(advertisement("fd00:5054::10", { frameMac: "02:50:54:00:00:aa" }))?.mac,
    "02:50:54:00:00:aa",
  );
  equal(linkAnswer(advertisement("fd00:5054::10", {})), undefined, "no MAC at all");
  equal(
    linkAnswer(advertisement("fd00:5054::10", { mac: "02:50:54:00:00:10", hopLimit: 254 })),
    undefined,
    "a router forwarded it",
  );
  // ARP replies go the same way; requests do not count.
  const arp = (op: number): RawReply => ({
    arp: {
      op,
      senderMac: "02:50:54:00:00:0a",
      senderIp: "198.18.0.10",
      targetMac: OUR_MAC,
      targetIp: "198.18.0.1",
    },
    bytes: new Uint8Array(42),
    timeMs: 0,
  });
  equal(linkAnswer(arp(2))?.reason, "arp-response");
  equal(linkAnswer(arp(1)), undefined);
});

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

async function run(
  plan: ScanPlan,
  hosts: Record<string, FakeHost>,
  options: { route?: RawRoute; discoveryOnly?: boolean } = {},
) {
  const transport = fakeTransport(hosts);
  const events: ScanEvent[] = [];
  const engine = {
    route: () => options.route ?? ROUTE,
    openTransport: () => transport,
    loopbackAlwaysUp: false,
    srcPort: 40404,
  };
  const stream = options.discoveryOnly === false
    ? rawScan(plan, { engine })
    : rawDiscovery(plan, { engine });
  for await (const e of stream) events.push(e);
  const hostLines = events
    .filter((e): e is HostEvent => e.type === "host")
    .map((h) => `${h.address} ${h.status} ${h.reason} ${h.mac ?? "-"}`)
    .sort();
  return { events, hostLines, sent: transport.sent };
}

async function plan6(targets: string[], options: { tcp?: number[] } = {}) {
  return await rawTestPlan({
    targets,
    scanType: "syn",
    ipv6: true,
    options: FAST,
    ...(options.tcp ? { tcp: options.tcp } : {}),
  });
}

// A host that answers ND, and one that answers ICMPv6 echo but not ND (on a LAN: absent).
const HOSTS: Record<string, FakeHost> = {
  "fd00:5054::10": { mac: "02:50:54:00:00:10", ports: { 22: "open" } },
  "fd00:5054::11": {},
};

Deno.test("-6 -sn on the link: an answered solicitation is up (nd-response, MAC), silence down", async () => {
  const pinged = { ...await plan6(["fd00:5054::10", "fd00:5054::11"]), pingScan: true };
  const { hostLines, sent } = await run(pinged, HOSTS);
  deepStrictEqual(hostLines, [
    "fd00:5054::10 up nd-response 02:50:54:00:00:10",
    "fd00:5054::11 down no-response -",
  ]);
  // Only solicitations, from the route's interface, source and MAC; the silent one retried.
  ok(sent.every((p) => p.kind === "nd" && p.family === 6));
  ok(sent.every((p) => p.interface === "fake0" && p.sourceMac === OUR_MAC));
  ok(sent.every((p) => p.source === ROUTE.source));
  ok(sent.filter((p) => p.destination === "fd00:5054::11").length >= 2);

  // As with ARP, named -P probes do not replace ND on the link.
  const withPs = await run(
    { ...pinged, discovery: probesOf({ tcpSyn: [22], icmpEcho: true }) },
    HOSTS,
  );
  deepStrictEqual(withPs.hostLines, hostLines);
  ok(withPs.sent.every((p) => p.kind === "nd"));
});

Deno.test("--disable-arp-ping over IPv6: ICMPv6 echo instead of ND", async () => {
  const pinged = {
    ...await plan6(["fd00:5054::10", "fd00:5054::11", "fd00:5054::50"]),
    pingScan: true,
    discovery: probesOf({ icmpEcho: true, arp: false }),
  };
  const { hostLines, sent } = await run(pinged, { ...HOSTS, "fd00:5054::50": { up: false } });
  deepStrictEqual(hostLines, [
    "fd00:5054::10 up echo-reply -",
    "fd00:5054::11 up echo-reply -",
    "fd00:5054::50 down no-response -",
  ]);
  ok(sent.length >= 3 && sent.every((p) => p.kind === "icmp-echo" && p.family === 6));
});

Deno.test("IPv6 behind a gateway or off Ethernet: no ND, the IP probes decide", async () => {
  const pinged = {
    ...await plan6(["fd00:5054::11"]),
    pingScan: true,
    discovery: probesOf({ icmpEcho: true }),
  };
  for (const route of [{ ...ROUTE, onLink: false }, { ...ROUTE, linkType: 0 }]) {
    const { hostLines, sent } = await run(pinged, HOSTS, { route });
    deepStrictEqual(hostLines, ["fd00:5054::11 up echo-reply -"]);
    ok(sent.every((p) => p.kind === "icmp-echo"));
  }
});

Deno.test("-6 -sS on the link: ND finds the host, then its ports are scanned", async () => {
  const scan = await plan6(["fd00:5054::10", "fd00:5054::11"], { tcp: [22, 23] });
  const { events, hostLines, sent } = await run(scan, HOSTS, { discoveryOnly: false });
  deepStrictEqual(hostLines, [
    "fd00:5054::10 up nd-response 02:50:54:00:00:10",
    "fd00:5054::11 down no-response -",
  ]);
  const ports = events
    .filter((e): e is PortEvent => e.type === "port")
    .map((e) => `${e.address}:${e.port} ${e.state}`)
    .sort();
  deepStrictEqual(ports, ["fd00:5054::10:22 open", "fd00:5054::10:23 closed"]);
  ok(sent.some((p) => p.kind === "tcp" && p.family === 6));
  ok(!sent.some((p) => p.kind === "tcp" && p.destination === "fd00:5054::11"));
});
