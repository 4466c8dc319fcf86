import { equal, ok } from "node:assert/strict";
import { decodeUdp, writeUdp } from "./udp.ts";
import { transportChecksum } from "./checksum.ts";
import { addressBytes } from "./address.ts";

Deno.test("round trip with checksum; length field bounds the payload", () => {
  const buf = new Uint8Array(20);
  const n = writeUdp(buf, { srcPort: 53, dstPort: 40000, payload: new Uint8Array([1, 2, 3]) }, {
    src: "127.0.0.1",
    dst: "127.0.0.1",
  });
  equal(n, 11);
  const u = decodeUdp(buf);
  equal(u?.srcPort, 53);
  equal(u?.length, 11);
  equal(u?.payloadEnd, 11, "padding after the datagram is not payload");
  const a = addressBytes("127.0.0.1");
  equal(transportChecksum(buf.subarray(0, 11), { src: a, dst: a, protocol: 17 }), 0);
  ok(u!.checksum !== 0);
});

Deno.test("hostile lengths", () => {
  const buf = new Uint8Array(8);
  writeUdp(buf, { srcPort: 1, dstPort: 2 });
  buf[5] = 7;
  equal(decodeUdp(buf), undefined, "length below header");
  buf[4] = 0xff;
  equal(decodeUdp(buf)?.payloadEnd, 8, "length beyond buffer is clamped");
  equal(decodeUdp(buf.subarray(0, 7)), undefined);
});
