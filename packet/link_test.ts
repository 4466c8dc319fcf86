import { equal, ok } from "node:assert/strict";
import { transportChecksum } from "./checksum.ts";
import { addressBytes } from "./address.ts";
import { EtherType, IpProtocol, LinkType } from "./constants.ts";
import { decodeArp } from "./arp.ts";
import { type DecodedPacket, decodeFrame, decodeLink } from "./link.ts";
import { readPcap } from "./pcap_file.ts";
import { assertFields, fromHex, readFixture, vectors } from "./testdata/vectors.ts";

/** Recompute the transport checksum over a copy with the field zeroed (loopback leaves it partial). */
function recomputedChecksum(frame: Uint8Array, p: DecodedPacket): number {
  const seg = frame.slice(p.ip.payloadOffset, p.ip.payloadEnd);
  const at = p.tcp ? 16 : 6;
  seg[at] = seg[at + 1] = 0;
  const sum = transportChecksum(seg, {
    src: addressBytes(p.ip.src),
    dst: addressBytes(p.ip.dst),
    protocol: p.ip.protocol,
  });
  return p.udp && sum === 0 ? 0xffff : sum;
}

const fixtures: Array<[string, keyof typeof vectors.captures, number]> = [
  ["lo_en10mb.pcap", "lo_en10mb", LinkType.EN10MB],
  ["any_sll.pcap", "any_sll", LinkType.LINUX_SLL],
  ["any_sll2.pcap", "any_sll2", LinkType.LINUX_SLL2],
];

for (const [file, key, linkType] of fixtures) {
  Deno.test(`real loopback capture ${file} decodes as scapy reads it`, async () => {
    const pcap = readPcap(await readFixture(file));
    ok(pcap);
    equal(pcap.linkType, linkType);
    const expected = vectors.captures[key];
    equal(pcap.records.length, expected.length);
    let tcp = 0, udp = 0, icmp = 0, icmpv6 = 0;
    pcap.records.forEach((record, i) => {
      const p = decodeFrame(pcap.linkType, record.data);
      ok(p, `packet ${i} decodes`);
      const want = structuredClone(expected[i]) as unknown as Record<
        string,
        Record<string, unknown>
      >;
      const { checksum: tcpSum, ...tcpWant } = want.tcp ?? {};
      const { checksum: udpSum, ...udpWant } = want.udp ?? {};
      if (want.tcp) want.tcp = tcpWant;
      if (want.udp) want.udp = udpWant;
      assertFields(p, want, `${file}#${i}`);
      if (p.tcp) {
        tcp++;
        equal(recomputedChecksum(record.data, p), tcpSum, `${file}#${i} tcp checksum`);
      }
      if (p.udp) {
        udp++;
        equal(recomputedChecksum(record.data, p), udpSum, `${file}#${i} udp checksum`);
      }
      if (p.icmp) icmp++;
      if (p.icmpv6) icmpv6++;
      // Cross-check the oracle did not silently skip layers.
      equal(p.tcp !== undefined, want.tcp !== undefined);
      equal(p.icmp !== undefined, want.icmp !== undefined);
      equal(p.icmpv6 !== undefined, want.icmpv6 !== undefined);
    });
    ok(tcp >= 16 && udp >= 2 && icmp >= 3 && icmpv6 >= 3, `${tcp} ${udp} ${icmp} ${icmpv6}`);
  });
}

Deno.test("scapy frames: stacked VLANs, SACK and unknown options, IPv6 extension chain", () => {
  for (const name of ["vlan", "ext6", "fragneeded", "unreach6"] as const) {
    const v = vectors.frames[name];
    const p = decodeFrame(LinkType.EN10MB, fromHex(v.hex));
    ok(p, name);
    const { vlans, fragmentId, ...rest } = v.fields as Record<string, unknown>;
    const want = structuredClone(rest) as unknown as Record<string, Record<string, unknown>>;
    if (want.tcp) delete want.tcp.checksum;
    assertFields(p, want, name);
    if (vlans) assertFields(p.link?.vlans, vlans);
    if (fragmentId) equal(p.ip.id, fragmentId);
  }
  const ext = decodeFrame(LinkType.EN10MB, fromHex(vectors.frames.ext6.hex));
  equal(ext?.ip.protocol, IpProtocol.TCP);
  equal(ext?.tcp?.seq, 77);
});

Deno.test("ARP frames are left to decodeLink + decodeArp", () => {
  const bytes = fromHex(vectors.frames.arp.hex);
  equal(decodeFrame(LinkType.EN10MB, bytes), undefined);
  const link = decodeLink(LinkType.EN10MB, bytes);
  equal(link?.etherType, EtherType.ARP);
  assertFields(decodeArp(bytes, link!.payloadOffset), vectors.frames.arp.fields.arp);
});

Deno.test("loopback, raw and cooked headers around the same IP packet", () => {
  const ip4 = fromHex(vectors.built.syn4.hex);
  const ip6 = fromHex(vectors.built.syn6.hex);
  const wrap = (head: number[], ip: Uint8Array) => new Uint8Array([...head, ...ip]);
  // DLT_NULL: host byte order, either; AF_INET6 differs per OS.
  equal(decodeFrame(LinkType.NULL, wrap([2, 0, 0, 0], ip4))?.tcp?.dstPort, 443);
  equal(decodeFrame(LinkType.NULL, wrap([0, 0, 0, 2], ip4))?.tcp?.dstPort, 443);
  for (const af of [10, 24, 28, 30]) {
    equal(decodeFrame(LinkType.NULL, wrap([af, 0, 0, 0], ip6))?.ip.version, 6, `AF ${af}`);
  }
  // DLT_LOOP is network byte order only.
  equal(decodeFrame(LinkType.LOOP, wrap([0, 0, 0, 30], ip6))?.tcp?.dstPort, 22);
  equal(decodeFrame(LinkType.LOOP, wrap([30, 0, 0, 0], ip6)), undefined);
  for (const raw of [LinkType.RAW, LinkType.RAW_OPENBSD, LinkType.LINKTYPE_RAW]) {
    equal(decodeFrame(raw, ip4)?.ip.src, "127.0.0.1");
    equal(decodeFrame(raw, ip6)?.ip.src, "::1");
  }
  equal(decodeFrame(LinkType.IPV4, ip6), undefined);
  equal(decodeFrame(LinkType.IPV6, ip6)?.ip.dst, "::1");
  const sll = [0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 9, 0, 0, 0x86, 0xdd];
  const p = decodeFrame(LinkType.LINUX_SLL, wrap(sll, ip6));
  equal(p?.link?.packetType, 4);
  equal(p?.link?.src, "02:00:00:00:00:09");
  const sll2 = [0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 9, 0, 0];
  const q = decodeFrame(LinkType.LINUX_SLL2, wrap(sll2, ip4));
  equal(q?.link?.ifIndex, 3);
  equal(q?.tcp?.seq, 0xdeadbeef);
  // An EtherType that disagrees with the version nibble is refused.
  equal(decodeFrame(LinkType.LINUX_SLL2, wrap(sll2, ip6)), undefined);
  equal(decodeFrame(9999, ip4), undefined);
});

Deno.test("Ethernet padding after a short IP packet is not read as payload", () => {
  const ip = fromHex(vectors.built.udp4.hex);
  const frame = new Uint8Array(14 + ip.length + 20);
  frame[12] = 0x08;
  frame.set(ip, 14);
  const p = decodeFrame(LinkType.EN10MB, frame);
  equal(p?.ip.payloadEnd, 14 + ip.length);
  equal(p?.udp && p.udp.payloadEnd - p.udp.payloadOffset, 7);
});
