import { equal } from "node:assert/strict";
import {
  decodeIcmpv6,
  Icmpv6Type,
  solicitedNodeAddress,
  writeIcmpv6,
  writeNeighborDiscovery,
} from "./icmpv6.ts";
import { ipv6ToString, parseMac } from "./address.ts";
import { buildIcmpPacket } from "./build.ts";
import { decodeIpPacket } from "./link.ts";
import { fromHex, vectors } from "./testdata/vectors.ts";

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

Deno.test("neighbour solicitation and advertisement match scapy", () => {
  const ns = fromHex(vectors.built.ns6.hex);
  const mine = new Uint8Array(32);
  writeNeighborDiscovery(mine, { target: "fe80::2", mac: parseMac("02:00:00:00:00:01") }, {
    src: "fe80::1",
    dst: "ff02::1:ff00:2",
  });
  equal(hex(mine), hex(ns.subarray(40)));
  const na = new Uint8Array(32);
  writeNeighborDiscovery(na, {
    target: "fe80::2",
    mac: parseMac("02:00:00:00:00:02"),
    advertise: { solicited: true, override: true },
  }, { src: "fe80::2", dst: "fe80::1" });
  equal(hex(na), vectors.built.na6.hex.slice(80));
  const d = decodeIcmpv6(na);
  equal(d?.type, Icmpv6Type.NEIGHBOR_ADVERTISEMENT);
  equal(d?.targetAddress, "fe80::2");
  equal(d?.solicited, true);
  equal(d?.router, false);
  equal(d?.targetLinkAddress, "02:00:00:00:00:02");
  equal(decodeIpPacket(ns)?.icmpv6?.sourceLinkAddress, "02:00:00:00:00:01");
  equal(ipv6ToString(solicitedNodeAddress("fe80::abcd:1234:5678")), "ff02::1:ff34:5678");
});

Deno.test("zero-length ND option stops the option walk", () => {
  const buf = new Uint8Array(40);
  writeNeighborDiscovery(buf, { target: "::2" }, { src: "::1", dst: "::2" });
  buf[24] = 1; // option type with length 0 follows
  const d = decodeIcmpv6(buf);
  equal(d?.targetAddress, "::2");
  equal(d?.sourceLinkAddress, undefined);
});

Deno.test("packet too big carries the MTU and quotes the original", () => {
  const original = buildIcmpPacket({ src: "::1", dst: "::5", id: 77, seq: 9 });
  const buf = new Uint8Array(8 + original.length);
  writeIcmpv6(buf, { type: Icmpv6Type.PACKET_TOO_BIG, word: 1280, payload: original }, {
    src: "::5",
    dst: "::1",
  });
  const d = decodeIcmpv6(buf);
  equal(d?.mtu, 1280);
  equal(d?.quoted?.protocol, 58);
  equal(d?.quoted?.icmpType, 128);
  equal(d?.quoted?.icmpId, 77);
  equal(d?.quoted?.icmpSeq, 9);
});
