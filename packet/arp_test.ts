import { equal } from "node:assert/strict";
import { ArpOp, decodeArp, writeArp } from "./arp.ts";
import { parseMac } from "./address.ts";
import { fromHex, vectors } from "./testdata/vectors.ts";

Deno.test("ARP request matches scapy and decodes back", () => {
  const buf = new Uint8Array(28);
  writeArp(buf, {
    op: ArpOp.REQUEST,
    senderMac: parseMac("02:00:00:00:00:01")!,
    senderIp: "127.0.0.1",
    targetIp: "127.0.0.2",
  });
  const frame = fromHex(vectors.frames.arp.hex);
  equal(buf.join(), frame.subarray(14, 42).join());
  equal(decodeArp(buf)?.targetIp, "127.0.0.2");
  equal(decodeArp(buf)?.senderMac, "02:00:00:00:00:01");
});

Deno.test("non-Ethernet/IPv4 ARP and short packets are refused", () => {
  const buf = new Uint8Array(28);
  writeArp(buf, {
    op: ArpOp.REPLY,
    senderMac: new Uint8Array(6),
    senderIp: "127.0.0.1",
    targetIp: "127.0.0.1",
  });
  equal(decodeArp(buf.subarray(0, 27)), undefined);
  buf[5] = 16;
  equal(decodeArp(buf), undefined);
});
