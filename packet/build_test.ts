import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { buildIcmpPacket, buildTcpPacket, buildTcpSyn, buildUdpPacket } from "./build.ts";
import { decodeIpPacket } from "./link.ts";
import { TCP_ACK, TCP_SYN, type TcpOption } from "./tcp.ts";
import { assertFields, vectors } from "./testdata/vectors.ts";

const OPTIONS: TcpOption[] = [
  { kind: "mss", value: 1460 },
  { kind: "sackPermitted" },
  { kind: "timestamp", value: 123456789, echo: 0 },
  { kind: "nop" },
  { kind: "wscale", shift: 7 },
];

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("buildTcpSyn over IPv4 matches scapy byte for byte", () => {
  const built = buildTcpSyn({
    src: "127.0.0.1",
    dst: "127.0.0.2",
    ttl: 53,
    ipId: 0x1234,
    df: true,
    srcPort: 40000,
    dstPort: 443,
    seq: 0xdeadbeef,
    window: 1024,
    options: OPTIONS,
  });
  equal(hex(built), vectors.built.syn4.hex);
});

Deno.test("buildTcpSyn over IPv6 matches scapy byte for byte", () => {
  const built = buildTcpSyn({
    src: "::1",
    dst: "::1",
    ttl: 47,
    flowLabel: 0x12345,
    srcPort: 40001,
    dstPort: 22,
    seq: 1,
    window: 65535,
    options: OPTIONS,
  });
  equal(hex(built), vectors.built.syn6.hex);
});

Deno.test("UDP and ICMP builders match scapy byte for byte", () => {
  const payload4 = new Uint8Array([0x12, 0x34, ...new TextEncoder().encode("hello")]);
  equal(
    hex(buildUdpPacket({
      src: "127.0.0.1",
      dst: "127.0.0.1",
      ipId: 7,
      srcPort: 5353,
      dstPort: 53,
      payload: payload4,
    })),
    vectors.built.udp4.hex,
  );
  equal(
    hex(buildUdpPacket({
      src: "::1",
      dst: "::1",
      srcPort: 5353,
      dstPort: 53,
      payload: new TextEncoder().encode("hello!"),
    })),
    vectors.built.udp6.hex,
  );
  equal(
    hex(buildIcmpPacket({
      src: "127.0.0.1",
      dst: "127.0.0.1",
      ipId: 99,
      id: 0x4242,
      seq: 3,
      payload: new TextEncoder().encode("ping-payload"),
    })),
    vectors.built.echo4.hex,
  );
  equal(
    hex(buildIcmpPacket({
      src: "::1",
      dst: "::1",
      id: 0x4243,
      seq: 4,
      payload: new TextEncoder().encode("ping6"),
    })),
    vectors.built.echo6.hex,
  );
  equal(
    hex(buildIcmpPacket({
      src: "127.0.0.1",
      dst: "127.0.0.1",
      ipId: 1, // scapy's default IP id
      type: 13,
      id: 5,
      seq: 6,
      timestamps: { originate: 1000 },
    })),
    vectors.built.tstamp4.hex,
  );
});

Deno.test("built packets decode back to their fields", () => {
  const built = buildTcpPacket({
    src: "127.0.0.1",
    dst: "127.0.0.9",
    srcPort: 1,
    dstPort: 65535,
    seq: 0xffffffff,
    ack: 0x80000000,
    flags: TCP_SYN | TCP_ACK,
    window: 0,
    urgent: 7,
    options: [{ kind: "sack", blocks: [[1, 2]] }, {
      kind: "unknown",
      code: 254,
      data: new Uint8Array([9, 8]),
    }],
    payload: new Uint8Array([1, 2, 3]),
  });
  const p = decodeIpPacket(built);
  assertFields(p, {
    ip: { version: 4, src: "127.0.0.1", dst: "127.0.0.9", ttl: 64, totalLength: built.length },
    tcp: {
      srcPort: 1,
      dstPort: 65535,
      seq: 0xffffffff,
      ack: 0x80000000,
      flags: TCP_SYN | TCP_ACK,
      window: 0,
      urgent: 7,
    },
  });
  deepStrictEqual(p?.tcp?.options, [
    { kind: "sack", blocks: [[1, 2]] },
    { kind: "unknown", code: 254, data: new Uint8Array([9, 8]) },
    { kind: "eol" },
  ]);
  deepStrictEqual(
    built.subarray(p!.tcp!.payloadOffset, p!.tcp!.payloadEnd),
    new Uint8Array([1, 2, 3]),
  );
});

Deno.test("builders write into a caller's buffer at an offset", () => {
  const target = new Uint8Array(200).fill(0xee);
  const view = buildTcpSyn({ src: "::1", dst: "::1", srcPort: 5, dstPort: 6, seq: 7 }, {
    target,
    offset: 10,
  });
  equal(view.buffer, target.buffer);
  equal(view.byteOffset, 10);
  equal(target[9], 0xee);
  equal(target[10 + view.length], 0xee);
  equal(decodeIpPacket(target.subarray(10, 10 + view.length))?.tcp?.seq, 7);
  throws(
    () => buildTcpSyn({ src: "::1", dst: "127.0.0.1", srcPort: 1, dstPort: 2, seq: 0 }),
    TypeError,
  );
  throws(
    () =>
      buildTcpSyn({ src: "::1", dst: "::1", srcPort: 1, dstPort: 2, seq: 0 }, {
        target: new Uint8Array(30),
      }),
    RangeError,
  );
});
