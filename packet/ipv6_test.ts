import { deepStrictEqual, equal } from "node:assert/strict";
import { decodeIpv6, MAX_EXTENSION_HEADERS, writeIpv6Header } from "./ipv6.ts";

function packet(next: number, ext: number[][], tail = 20): Uint8Array {
  const extLen = ext.reduce((n, e) => n + e.length, 0);
  const buf = new Uint8Array(40 + extLen + tail);
  writeIpv6Header(buf, {
    src: "::1",
    dst: "2001:db8::1",
    nextHeader: next,
    payloadLength: extLen + tail,
    hopLimit: 9,
    trafficClass: 0xab,
    flowLabel: 0xfedcb,
  });
  let o = 40;
  for (const e of ext) {
    buf.set(e, o);
    o += e.length;
  }
  return buf;
}

Deno.test("fixed header round trip", () => {
  const h = decodeIpv6(packet(6, []));
  equal(h?.trafficClass, 0xab);
  equal(h?.flowLabel, 0xfedcb);
  equal(h?.hopLimit, 9);
  equal(h?.dst, "2001:db8::1");
  equal(h?.protocol, 6);
  equal(h?.payloadOffset, 40);
});

Deno.test("extension chain: hop-by-hop, routing, fragment, destination options", () => {
  const h = decodeIpv6(packet(0, [
    [43, 0, 1, 4, 0, 0, 0, 0],
    [44, 0, 0, 0, 0, 0, 0, 0],
    [60, 0, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78],
    [17, 1, 1, 12, ...new Array(12).fill(0)],
  ]));
  deepStrictEqual(h?.extensions, [0, 43, 44, 60]);
  equal(h?.protocol, 17);
  equal(h?.payloadOffset, 40 + 8 + 8 + 8 + 16);
  deepStrictEqual(h?.fragment, { offset: 0, more: true, id: 0x12345678 });
  equal(h?.truncated, false);
});

Deno.test("a non-first fragment stops the walk", () => {
  const h = decodeIpv6(packet(44, [[6, 0, 0x05, 0x00, 0, 0, 0, 1]]));
  equal(h?.fragment?.offset, 0x500);
  equal(h?.protocol, 6);
});

Deno.test("hostile chains: runaway length, endless headers, cut fixed header", () => {
  const runaway = decodeIpv6(packet(0, [[6, 200, 0, 0, 0, 0, 0, 0]], 0));
  equal(runaway?.protocol, 0);
  equal(runaway?.truncated, true);
  // A chain of destination-options headers each pointing at another.
  const loop = decodeIpv6(
    packet(60, Array.from({ length: 40 }, () => [60, 0, 1, 4, 0, 0, 0, 0]), 0),
  );
  equal(loop?.extensions.length, MAX_EXTENSION_HEADERS);
  equal(loop?.truncated, true);
  equal(decodeIpv6(new Uint8Array(39).fill(0x60)), undefined);
  const wrong = packet(6, []);
  wrong[0] = 0x40;
  equal(decodeIpv6(wrong), undefined);
  const short = packet(6, []);
  short[4] = 0xff;
  equal(decodeIpv6(short)?.truncated, true);
});
