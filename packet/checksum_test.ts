import { equal, ok } from "node:assert/strict";
import {
  foldChecksum,
  internetChecksum,
  onesComplementSum,
  pseudoHeaderSum,
  transportChecksum,
} from "./checksum.ts";

Deno.test("RFC 1071 section 3 example: sum ddf2, checksum 220d", () => {
  const bytes = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  // The RFC's folded one's-complement sum is 0xddf2.
  equal(~foldChecksum(onesComplementSum(bytes)) & 0xffff, 0xddf2);
  equal(internetChecksum(bytes), 0x220d);
});

Deno.test("odd length pads the last byte with zero", () => {
  equal(internetChecksum(new Uint8Array([0x12])), ~0x1200 & 0xffff);
  equal(
    internetChecksum(new Uint8Array([0x12, 0x34, 0x56])),
    internetChecksum(new Uint8Array([0x12, 0x34, 0x56, 0x00])),
  );
});

Deno.test("a buffer holding its own checksum sums to zero", () => {
  const bytes = new Uint8Array(64);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) & 0xff;
  bytes[10] = bytes[11] = 0;
  const sum = internetChecksum(bytes);
  bytes[10] = sum >> 8;
  bytes[11] = sum & 0xff;
  equal(internetChecksum(bytes), 0);
});

Deno.test("large sums fold past 32 bits correctly", () => {
  const bytes = new Uint8Array(131072).fill(0xff);
  // All-ones words sum to a multiple of 0xffff: folded, that is 0xffff, complement 0.
  equal(internetChecksum(bytes), 0);
  equal(foldChecksum(0x1_0000_0000 * 3 + 5), ~(3 + 5) & 0xffff);
});

Deno.test("pseudo-header: IPv4 and IPv6 layouts sum the same fields", () => {
  const src4 = new Uint8Array([127, 0, 0, 1]);
  const dst4 = new Uint8Array([127, 0, 0, 2]);
  const explicit = new Uint8Array([127, 0, 0, 1, 127, 0, 0, 2, 0, 6, 0, 20]);
  equal(
    foldChecksum(pseudoHeaderSum(src4, dst4, { protocol: 6, length: 20 })),
    internetChecksum(explicit),
  );
  const src6 = new Uint8Array(16);
  src6[15] = 1;
  const v6 = new Uint8Array(40);
  v6.set(src6, 0);
  v6.set(src6, 16);
  v6[34] = 0x01; // length 0x100 in the 32-bit field
  v6[39] = 58;
  equal(
    foldChecksum(pseudoHeaderSum(src6, src6, { protocol: 58, length: 0x100 })),
    internetChecksum(v6),
  );
  ok(transportChecksum(new Uint8Array(8), { src: src4, dst: dst4, protocol: 17 }) !== 0);
});
