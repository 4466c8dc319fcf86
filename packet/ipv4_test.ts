import { equal, ok, throws } from "node:assert/strict";
import { decodeIpv4, ipv4ChecksumOk, writeIpv4Header } from "./ipv4.ts";

function header(payloadLength = 4): Uint8Array {
  const buf = new Uint8Array(20 + payloadLength);
  writeIpv4Header(buf, {
    src: "127.0.0.1",
    dst: "127.0.0.2",
    protocol: 6,
    payloadLength,
    id: 0xbeef,
    df: true,
    ttl: 3,
  });
  return buf;
}

Deno.test("round trip with checksum", () => {
  const buf = header();
  ok(ipv4ChecksumOk(buf));
  const h = decodeIpv4(buf);
  equal(h?.src, "127.0.0.1");
  equal(h?.dst, "127.0.0.2");
  equal(h?.id, 0xbeef);
  equal(h?.df, true);
  equal(h?.mf, false);
  equal(h?.ttl, 3);
  equal(h?.totalLength, 24);
  equal(h?.payloadEnd, 24);
  buf[8] ^= 1;
  ok(!ipv4ChecksumOk(buf));
});

Deno.test("options pad to four bytes", () => {
  const buf = new Uint8Array(24);
  equal(
    writeIpv4Header(buf, {
      src: "127.0.0.1",
      dst: "127.0.0.1",
      protocol: 1,
      payloadLength: 0,
      options: new Uint8Array([1, 1, 1]),
    }),
    24,
  );
  equal(decodeIpv4(buf)?.headerLength, 24);
  ok(ipv4ChecksumOk(buf));
  throws(
    () =>
      writeIpv4Header(new Uint8Array(80), {
        src: "127.0.0.1",
        dst: "127.0.0.1",
        protocol: 1,
        payloadLength: 0,
        options: new Uint8Array(41),
      }),
    RangeError,
  );
});

Deno.test("hostile headers: version, IHL, lengths", () => {
  const good = header();
  const bad = (mutate: (b: Uint8Array) => void) => {
    const b = good.slice();
    mutate(b);
    return decodeIpv4(b);
  };
  equal(bad((b) => (b[0] = 0x65)), undefined, "version 6");
  equal(bad((b) => (b[0] = 0x44)), undefined, "IHL 4");
  equal(bad((b) => (b[0] = 0x4f)), undefined, "IHL past buffer");
  equal(bad((b) => (b[3] = 10)), undefined, "total length below header");
  const big = bad((b) => (b[2] = 0xff));
  equal(big?.truncated, true, "total length beyond buffer is a truncation");
  equal(big?.payloadEnd, good.length);
  equal(decodeIpv4(good.subarray(0, 19)), undefined);
  equal(decodeIpv4(good, 10), undefined);
});
