import { equal, ok } from "node:assert/strict";
import { decodeIcmp, IcmpType, writeIcmp } from "./icmp.ts";
import { internetChecksum } from "./checksum.ts";
import { buildTcpSyn, buildUdpPacket } from "./build.ts";

Deno.test("echo and timestamp round trip with a valid checksum", () => {
  const buf = new Uint8Array(40);
  const n = writeIcmp(buf, {
    type: IcmpType.ECHO_REQUEST,
    id: 0x1234,
    seq: 0xfffe,
    payload: new Uint8Array([1, 2, 3]),
  });
  equal(internetChecksum(buf.subarray(0, n)), 0);
  const e = decodeIcmp(buf, { end: n });
  equal(e?.id, 0x1234);
  equal(e?.seq, 0xfffe);
  equal(e?.quoted, undefined);
  const t = writeIcmp(buf, {
    type: IcmpType.TIMESTAMP_REPLY,
    id: 1,
    seq: 2,
    timestamps: { originate: 1, receive: 2, transmit: 0xffffffff },
  });
  const ts = decodeIcmp(buf, { end: t });
  equal(ts?.receive, 2);
  equal(ts?.transmit, 0xffffffff);
});

Deno.test("errors quote the original packet: time exceeded with TCP, unreachable with UDP", () => {
  const original = buildTcpSyn({
    src: "127.0.0.1",
    dst: "127.0.0.7",
    ipId: 4321,
    ttl: 1,
    srcPort: 40000,
    dstPort: 443,
    seq: 0x01020304,
  });
  const buf = new Uint8Array(8 + 28);
  // Routers may quote only the IP header and 8 bytes.
  const n = writeIcmp(buf, { type: IcmpType.TIME_EXCEEDED, payload: original.subarray(0, 28) });
  const m = decodeIcmp(buf, { end: n });
  equal(m?.quoted?.protocol, 6);
  equal(m?.quoted?.src, "127.0.0.1");
  equal(m?.quoted?.dst, "127.0.0.7");
  equal(m?.quoted?.srcPort, 40000);
  equal(m?.quoted?.dstPort, 443);
  equal(m?.quoted?.seq, 0x01020304);
  equal(m?.quoted?.id, 4321);
  equal(m?.quoted?.totalLength, original.length);
  const udp = buildUdpPacket({ src: "127.0.0.1", dst: "127.0.0.8", srcPort: 5, dstPort: 161 });
  const u = new Uint8Array(8 + udp.length);
  writeIcmp(u, { type: IcmpType.DEST_UNREACHABLE, code: 3, payload: udp });
  const q = decodeIcmp(u)?.quoted;
  equal(q?.dstPort, 161);
  equal(q?.seq, undefined);
});

Deno.test("errors with a cut or missing quote still decode", () => {
  const original = buildTcpSyn({
    src: "127.0.0.1",
    dst: "127.0.0.7",
    srcPort: 1,
    dstPort: 2,
    seq: 3,
  });
  const buf = new Uint8Array(8 + 24);
  writeIcmp(buf, { type: IcmpType.DEST_UNREACHABLE, code: 13, payload: original.subarray(0, 24) });
  const m = decodeIcmp(buf);
  equal(m?.quoted?.dstPort, 2);
  equal(m?.quoted?.seq, undefined);
  const bare = new Uint8Array(8);
  writeIcmp(bare, { type: IcmpType.DEST_UNREACHABLE, code: 1 });
  ok(decodeIcmp(bare) && decodeIcmp(bare)!.quoted === undefined);
  equal(decodeIcmp(bare.subarray(0, 7)), undefined);
});
