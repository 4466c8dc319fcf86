import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { tcpProbeBuilder } from "./native_transport.ts";
import {
  addressBytes,
  decodeIpPacket,
  internetChecksum,
  TCP_ACK,
  TCP_SYN,
  transportChecksum,
} from "../../packet/mod.ts";
import type { RawProbe } from "./types.ts";

function probe(destination: string, dstPort: number, fields: Partial<RawProbe> = {}): RawProbe {
  const family = destination.includes(":") ? 6 : 4;
  return {
    kind: "tcp",
    family,
    source: family === 4 ? "198.18.0.1" : "fd00::1",
    destination,
    srcPort: 40000,
    dstPort,
    seq: 0xdeadbeef,
    ack: 0,
    flags: TCP_SYN,
    ...fields,
  };
}

Deno.test("tcpProbeBuilder: IPv4 probes to many destinations carry valid checksums", () => {
  const build = tcpProbeBuilder();
  const cases: [string, number, number, number][] = [
    ["198.19.0.0", 80, 1, 0],
    ["198.19.255.255", 65535, 0xffffffff, 0],
    ["203.0.113.9", 1, 0x12345678, 0x12345678], // built, never sent
    ["198.19.0.0", 443, 7, 0],
  ];
  for (const [destination, port, seq, ack] of cases) {
    const flags = ack ? TCP_ACK : TCP_SYN;
    const bytes = build(probe(destination, port, { seq, ack, flags }));
    const p = decodeIpPacket(bytes)!;
    assertEquals(p.ip.dst, destination);
    assertEquals(p.ip.src, "198.18.0.1");
    assertEquals(p.tcp?.dstPort, port);
    assertEquals(p.tcp?.srcPort, 40000);
    assertEquals(p.tcp?.seq, seq >>> 0);
    assertEquals(p.tcp?.ack, ack >>> 0);
    assertEquals(p.tcp?.flags, flags);
    const ihl = (bytes[0] & 0x0f) * 4;
    assertEquals(internetChecksum(bytes.subarray(0, ihl)), 0, `IP checksum to ${destination}`);
    const segment = bytes.subarray(ihl);
    const src = addressBytes("198.18.0.1");
    const dst = addressBytes(destination);
    assertEquals(transportChecksum(segment, { src, dst, protocol: 6 }), 0, `TCP checksum`);
  }
});

Deno.test("tcpProbeBuilder: IPv6 probes start at the TCP header with a valid checksum", () => {
  const build = tcpProbeBuilder();
  for (const destination of ["fd00::2", "fd00:5054::ffff:1"]) {
    const segment = build(probe(destination, 22));
    assertEquals((segment[2] << 8) | segment[3], 22);
    const src = addressBytes("fd00::1");
    const dst = addressBytes(destination);
    assertEquals(transportChecksum(segment, { src, dst, protocol: 6 }), 0);
  }
});

Deno.test("tcpProbeBuilder: a packet is not changed by later builds", () => {
  const build = tcpProbeBuilder();
  const first = build(probe("198.19.0.1", 80));
  const copy = first.slice();
  build(probe("198.19.0.2", 81));
  assertEquals([...first], [...copy]);
});
