import { equal } from "node:assert/strict";
import {
  buildIcmpPacket,
  buildTcpPacket,
  decodeIpPacket,
  ProbeCookie,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
} from "../../packet/mod.ts";
import {
  discoveryProbes,
  interpretDiscoveryReply,
  interpretPortReply,
  portProbe,
} from "./technique.ts";

const cookie = new ProbeCookie(new Uint8Array(16).fill(3));
const tuple = {
  family: 4 as const,
  source: "127.0.0.1",
  destination: "127.0.0.9",
  srcPort: 40000,
  dstPort: 443,
};
const back = { src: "127.0.0.9", dst: "127.0.0.1", srcPort: 443, dstPort: 40000 };

function decode(bytes: Uint8Array) {
  const p = decodeIpPacket(bytes);
  if (!p) throw new Error("undecodable");
  return p;
}

Deno.test("SYN-ACK acknowledging the cookie is open; off by one is not ours", () => {
  const probe = portProbe("syn", tuple, { cookie });
  const good = decode(
    buildTcpPacket({ ...back, seq: 9, ack: probe.seq! + 1, flags: TCP_SYN | TCP_ACK }),
  );
  equal(interpretPortReply("syn", good, { srcPort: 40000, cookie })?.state, "open");
  const bad = decode(
    buildTcpPacket({ ...back, seq: 9, ack: probe.seq! + 2, flags: TCP_SYN | TCP_ACK }),
  );
  equal(interpretPortReply("syn", bad, { srcPort: 40000, cookie }), undefined);
  const otherPort = decode(
    buildTcpPacket({
      ...back,
      dstPort: 40001,
      seq: 9,
      ack: probe.seq! + 1,
      flags: TCP_SYN | TCP_ACK,
    }),
  );
  equal(interpretPortReply("syn", otherPort, { srcPort: 40000, cookie }), undefined);
});

Deno.test("ACK-scan reset must carry our ack as its seq; NULL-scan reset acks seq + 0", () => {
  const ack = portProbe("ack", tuple, { cookie });
  const rst = decode(buildTcpPacket({ ...back, seq: ack.ack!, flags: TCP_RST }));
  equal(interpretPortReply("ack", rst, { srcPort: 40000, cookie })?.state, "unfiltered");
  const wrong = decode(buildTcpPacket({ ...back, seq: ack.ack! ^ 1, flags: TCP_RST }));
  equal(interpretPortReply("ack", wrong, { srcPort: 40000, cookie }), undefined);
  const nul = portProbe("null", tuple, { cookie });
  const r0 = decode(buildTcpPacket({ ...back, seq: 0, ack: nul.seq!, flags: TCP_RST | TCP_ACK }));
  equal(interpretPortReply("null", r0, { srcPort: 40000, cookie })?.state, "closed");
  equal(interpretPortReply("fin", r0, { srcPort: 40000, cookie }), undefined, "FIN counts one");
});

Deno.test("ICMP errors quoting our probe: reasons by code, forged quotes ignored", () => {
  const probe = portProbe("syn", tuple, { cookie });
  const original = buildTcpPacket({
    src: tuple.source,
    dst: tuple.destination,
    srcPort: 40000,
    dstPort: 443,
    seq: probe.seq!,
    flags: TCP_SYN,
  });
  for (
    const [code, reason] of [[1, "host-unreach"], [3, "port-unreach"], [10, "host-prohibited"], [
      13,
      "admin-prohibited",
    ]] as const
  ) {
    const err = decode(
      buildIcmpPacket({
        src: "127.0.0.5",
        dst: "127.0.0.1",
        type: 3,
        code,
        payload: original.subarray(0, 28),
      }),
    );
    const v = interpretPortReply("syn", err, { srcPort: 40000, cookie });
    equal(`${v?.address} ${v?.port} ${v?.state} ${v?.reason}`, `127.0.0.9 443 filtered ${reason}`);
  }
  const forged = original.slice();
  forged[20 + 7] ^= 1; // a quoted seq that is not our cookie
  const err = decode(
    buildIcmpPacket({
      src: "127.0.0.5",
      dst: "127.0.0.1",
      type: 3,
      code: 13,
      payload: forged.subarray(0, 28),
    }),
  );
  equal(interpretPortReply("syn", err, { srcPort: 40000, cookie }), undefined);
});

Deno.test("discovery: echo reply with the cookie id is up; an ACK-80 reset is up", () => {
  const probes = discoveryProbes({
    family: 4,
    source: "127.0.0.1",
    destination: "127.0.0.9",
    srcPort: 40000,
  }, cookie);
  equal(probes.map((p) => p.kind).join(), "icmp-echo,tcp,tcp,icmp-timestamp");
  const echo = decode(
    buildIcmpPacket({ src: "127.0.0.9", dst: "127.0.0.1", type: 0, id: probes[0].icmpId, seq: 1 }),
  );
  equal(interpretDiscoveryReply(echo, { srcPort: 40000, cookie })?.reason, "echo-reply");
  const stranger = decode(
    buildIcmpPacket({
      src: "127.0.0.9",
      dst: "127.0.0.1",
      type: 0,
      id: (probes[0].icmpId! + 1) & 0xffff,
    }),
  );
  equal(interpretDiscoveryReply(stranger, { srcPort: 40000, cookie }), undefined);
  const rst = decode(
    buildTcpPacket({
      src: "127.0.0.9",
      dst: "127.0.0.1",
      srcPort: 80,
      dstPort: 40000,
      seq: probes[2].ack!,
      flags: TCP_RST,
    }),
  );
  equal(interpretDiscoveryReply(rst, { srcPort: 40000, cookie })?.reason, "reset");
});
