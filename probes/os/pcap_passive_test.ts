import { equal, ok, throws } from "node:assert/strict";
import { buildTcpPacket, buildUdpPacket } from "../../packet/build.ts";
import { LinkType } from "../../packet/constants.ts";
import { writePcap } from "../../packet/pcap_file.ts";
import { TCP_ACK, TCP_RST, TCP_SYN, type TcpOption } from "../../packet/tcp.ts";
import { collectPcapSamples, passiveFromPcap } from "./pcap_passive.ts";

const LINUX_FULL: TcpOption[] = [
  { kind: "mss", value: 1460 },
  { kind: "sackPermitted" },
  { kind: "timestamp", value: 1, echo: 2 },
  { kind: "nop" },
  { kind: "wscale", shift: 7 },
];
const WINDOWS_FULL: TcpOption[] = [
  { kind: "mss", value: 1460 },
  { kind: "nop" },
  { kind: "wscale", shift: 8 },
  { kind: "nop" },
  { kind: "nop" },
  { kind: "sackPermitted" },
];

function tcp(
  from: [string, number],
  to: [string, number],
  fields: { flags: number; ttl: number; window: number; ipId?: number; options?: TcpOption[] },
): Uint8Array {
  return buildTcpPacket({
    src: from[0],
    dst: to[0],
    srcPort: from[1],
    dstPort: to[1],
    seq: 1000,
    ack: fields.flags & TCP_ACK ? 1 : 0,
    df: true,
    ...fields,
  });
}

// Documentation addresses (RFC 5737): the packets are only ever bytes in a file.
const CLIENT: [string, number] = ["192.0.2.1", 40000];
const LINUX: [string, number] = ["192.0.2.10", 80];
const WINDOWS: [string, number] = ["192.0.2.20", 445];

function capture(): Uint8Array {
  const packets = [
    tcp(CLIENT, LINUX, { flags: TCP_SYN, ttl: 64, window: 64240, ipId: 500, options: LINUX_FULL }),
    tcp(LINUX, CLIENT, { flags: TCP_SYN | TCP_ACK, ttl: 61, window: 65160, options: LINUX_FULL }),
    tcp(CLIENT, WINDOWS, {
      flags: TCP_SYN,
      ttl: 64,
      window: 64240,
      ipId: 501,
      options: LINUX_FULL,
    }),
    tcp(WINDOWS, CLIENT, {
      flags: TCP_SYN | TCP_ACK,
      ttl: 120,
      window: 65535,
      ipId: 0x2345,
      options: WINDOWS_FULL,
    }),
    // A closed port on the Linux host: a RST that answers a SYN counts.
    tcp(CLIENT, [LINUX[0], 81], { flags: TCP_SYN, ttl: 64, window: 64240, options: LINUX_FULL }),
    tcp([LINUX[0], 81], CLIENT, { flags: TCP_RST | TCP_ACK, ttl: 61, window: 0 }),
    // A RST nobody asked for (mid-connection) and plain data: ignored.
    tcp(["192.0.2.30", 22], CLIENT, { flags: TCP_RST, ttl: 255, window: 0 }),
    tcp(["192.0.2.30", 22], CLIENT, { flags: TCP_ACK, ttl: 255, window: 4128 }),
    buildUdpPacket({ src: "192.0.2.40", dst: CLIENT[0], srcPort: 53, dstPort: 5353 }),
  ];
  return writePcap(packets.map((data) => ({ data })), { linkType: LinkType.LINKTYPE_RAW });
}

Deno.test("collectPcapSamples: SYNs, SYN-ACKs and answering RSTs by sender", () => {
  const { hosts, skipped } = collectPcapSamples(capture());
  equal(skipped, 1, "the UDP packet");
  equal([...hosts.keys()].join(" "), "192.0.2.1 192.0.2.10 192.0.2.20");
  const linux = hosts.get("192.0.2.10")!;
  equal(linux.map((s) => s.kind).join(","), "syn-ack,rst");
  equal(linux[0].options, "M,S,T,N,W");
  equal(linux[0].window, 65160);
  // The client sent three SYNs with the same stack fingerprint: one sample, ids aside.
  equal(hosts.get("192.0.2.1")!.length, 1);
  equal(hosts.get("192.0.2.1")![0].kind, "syn");
});

Deno.test("passiveFromPcap: Linux and Windows servers and the Linux client", () => {
  const hints = passiveFromPcap(capture());
  equal(hints.get("192.0.2.10")?.family, "Linux");
  equal(hints.get("192.0.2.10")?.distance, 3);
  equal(hints.get("192.0.2.20")?.family, "Windows");
  equal(hints.get("192.0.2.20")?.distance, 8);
  equal(hints.get("192.0.2.1")?.family, "Linux");
  equal(hints.has("192.0.2.30"), false, "no handshake, no hint");
});

Deno.test("passiveFromPcap: a real loopback capture of Linux handshakes", async () => {
  const bytes = await Deno.readFile(
    new URL("../../packet/testdata/lo_en10mb.pcap", import.meta.url),
  );
  const hints = passiveFromPcap(bytes);
  ok(hints.size >= 1);
  for (const [host, hint] of hints) {
    equal(hint.family, "Linux", host);
    equal(hint.distance, 0, host);
  }
});

Deno.test("passiveFromPcap: rejects what is not a classic pcap", () => {
  throws(
    () => passiveFromPcap(new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a, ...new Array(28).fill(0)])),
    TypeError,
  );
  equal(passiveFromPcap(writePcap([], { linkType: LinkType.EN10MB })).size, 0);
});
