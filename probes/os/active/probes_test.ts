import { deepEqual, equal, ok } from "node:assert/strict";
import { decodeIpPacket } from "../../../packet/mod.ts";
import {
  buildIeProbe,
  buildTcpProbe,
  buildU1Probe,
  OTHER_TCP_PROBES,
  SEQ_PROBES,
  U1_IP_ID,
} from "./probes.ts";
import { optionString } from "./tests.ts";

const ADDR = { source: "127.0.0.1", destination: "127.0.0.2" };

function tcpProbe(name: string) {
  const spec = [...SEQ_PROBES, ...OTHER_TCP_PROBES].find((p) => p.name === name)!;
  const bytes = buildTcpProbe(
    { spec, srcPort: 40000, dstPort: 22, seq: 0x01020304, ack: 0x0a0b0c0d, ipId: 777 },
    ADDR,
  );
  return { bytes, packet: decodeIpPacket(bytes)! };
}

Deno.test("the six SEQ probes carry the documented windows and option layouts", () => {
  const expected: [number, string][] = [
    [1, "WANM5B4T10S"],
    [63, "M578W0ST10L"],
    [4, "T10NNW5NM280"],
    [4, "ST10WAL"],
    [16, "M218ST10WAL"],
    [512, "M109ST10"],
  ];
  SEQ_PROBES.forEach((spec, i) => {
    const { packet } = tcpProbe(spec.name);
    equal(packet.tcp!.flags, 0x02, spec.name);
    equal(packet.tcp!.window, expected[i][0], spec.name);
    equal(optionString(packet.tcp!.options), expected[i][1], spec.name);
    ok(!packet.ip.df, spec.name);
  });
});

Deno.test("ECN: CWR, ECE, the reserved bit, an urgent pointer without URG, zero ack", () => {
  const { bytes, packet } = tcpProbe("ECN");
  equal(bytes[20 + 13], 0xc2, "CWR|ECE|SYN");
  equal(bytes[20 + 12] & 0x0f, 0x01, "the reserved bit just before CWR");
  equal(packet.tcp!.urgent, 0xf7f5);
  equal(packet.tcp!.window, 3);
  equal(optionString(packet.tcp!.options), "WANM5B4SNN");
  equal(packet.tcp!.ack, 0, "the ECN probe's spec asks for a zero ack");
  ok(OTHER_TCP_PROBES.find((p) => p.name === "ECN")!.zeroAck);
});

Deno.test("T2-T7: flags, windows, DF and the closed/open split", () => {
  const table: Record<string, [number, number, boolean, "open" | "closed"]> = {
    T2: [0x00, 128, true, "open"],
    T3: [0x2b, 256, false, "open"],
    T4: [0x10, 1024, true, "open"],
    T5: [0x02, 31337, false, "closed"],
    T6: [0x10, 32768, true, "closed"],
    T7: [0x29, 65535, false, "closed"],
  };
  for (const [name, [flags, window, df, port]] of Object.entries(table)) {
    const { packet } = tcpProbe(name);
    equal(packet.tcp!.flags, flags, name);
    equal(packet.tcp!.window, window, name);
    equal(packet.ip.df, df, name);
    equal(OTHER_TCP_PROBES.find((p) => p.name === name)!.port, port, name);
    equal(
      optionString(packet.tcp!.options),
      name === "T7" ? "WFNM109T10S" : "WANM109T10S",
      name,
    );
  }
});

Deno.test("U1: 300 bytes of 'C' with IP ID 0x1042", () => {
  const bytes = buildU1Probe({ srcPort: 40001, dstPort: 33333 }, ADDR);
  const p = decodeIpPacket(bytes)!;
  equal(p.ip.totalLength, 328);
  equal(p.ip.id, U1_IP_ID);
  ok(!p.ip.df);
  equal(p.udp!.dstPort, 33333);
  ok(bytes.subarray(28).every((b) => b === 0x43));
  equal(bytes.length - 28, 300);
});

Deno.test("IE: code 9 with DF and TOS 0, then code 0 with TOS 4; ids and sequences step by one", () => {
  const first = decodeIpPacket(buildIeProbe(0, { echoId: 0x4000, ipId: 5 }, ADDR))!;
  const second = decodeIpPacket(buildIeProbe(1, { echoId: 0x4000, ipId: 6 }, ADDR))!;
  deepEqual(
    [first.ip.df, first.ip.tos, first.icmp!.code, first.icmp!.id, first.icmp!.seq],
    [true, 0, 9, 0x4000, 295],
  );
  deepEqual(
    [second.ip.df, second.ip.tos, second.icmp!.code, second.icmp!.id, second.icmp!.seq],
    [false, 4, 0, 0x4001, 296],
  );
  equal(first.ip.totalLength, 20 + 8 + 120);
  equal(second.ip.totalLength, 20 + 8 + 150);
});
