import { equal, notEqual, ok, throws } from "node:assert/strict";
import { ProbeCookie, sipHash24 } from "./cookie.ts";
import { buildTcpPacket, buildTcpSyn } from "./build.ts";
import { decodeIpPacket } from "./link.ts";
import { TCP_ACK, TCP_SYN } from "./tcp.ts";

const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);

Deno.test("SipHash-2-4 reference vectors (paper appendix A, vectors.h)", () => {
  // Paper: key 00..0f, message 00..0e.
  equal(sipHash24(KEY, Uint8Array.from({ length: 15 }, (_, i) => i)), 0xa129ca6149be45e5n);
  // Reference implementation vectors.h, entries 0 and 8 (little-endian output bytes).
  equal(sipHash24(KEY, new Uint8Array(0)), 0x726fdb47dd0e0e31n);
  equal(sipHash24(KEY, Uint8Array.from({ length: 8 }, (_, i) => i)), 0x93f5f5799a932462n);
  throws(() => sipHash24(new Uint8Array(8), new Uint8Array(1)), RangeError);
});

Deno.test("cookie is stable per key and tuple, and differs across keys and tuples", () => {
  const t = { src: "127.0.0.1", dst: "127.0.0.2", srcPort: 40000, dstPort: 80 };
  const a = new ProbeCookie(KEY);
  const b = new ProbeCookie(KEY);
  equal(a.seq(t), b.seq(t));
  equal(a.seq(t), a.seq({ ...t, src: new Uint8Array([127, 0, 0, 1]) }));
  notEqual(a.seq(t), a.seq({ ...t, dstPort: 81 }));
  notEqual(a.seq(t), a.seq({ ...t, src: "127.0.0.3" }));
  notEqual(a.seq(t), new ProbeCookie().seq(t));
  const six = { src: "::1", dst: "::1", srcPort: 1, dstPort: 2 };
  ok(a.seq(six) >= 0 && a.seq(six) <= 0xffffffff);
  ok(a.cookie16(t) >= 0 && a.cookie16(t) <= 0xffff);
  equal(new ProbeCookie(a.key).seq(six), a.seq(six));
});

Deno.test("cookie values spread over the 32-bit range", () => {
  const c = new ProbeCookie(KEY);
  const seen = new Set<number>();
  let high = 0;
  for (let port = 1; port <= 2000; port++) {
    const v = c.seq({ src: "127.0.0.1", dst: "127.0.0.1", srcPort: 40000, dstPort: port });
    seen.add(v);
    if (v >= 0x80000000) high++;
  }
  equal(seen.size, 2000);
  ok(high > 850 && high < 1150, `top bit set ${high}/2000`);
});

Deno.test("a SYN-ACK matches its SYN's cookie; a forged one does not", () => {
  const c = new ProbeCookie(KEY);
  const probe = { src: "127.0.0.1", dst: "127.0.0.5", srcPort: 45678, dstPort: 443 };
  const syn = decodeIpPacket(buildTcpSyn({ ...probe, seq: c.seq(probe) }));
  ok(syn?.tcp);
  const reply = (ack: number) =>
    decodeIpPacket(buildTcpPacket({
      src: "127.0.0.5",
      dst: "127.0.0.1",
      srcPort: 443,
      dstPort: 45678,
      seq: 999,
      ack,
      flags: TCP_SYN | TCP_ACK,
    }))!;
  ok(c.matchesReply(reply((syn.tcp.seq + 1) >>> 0)));
  ok(!c.matchesReply(reply(syn.tcp.seq)));
  ok(!c.matchesReply(reply((syn.tcp.seq + 2) >>> 0)));
  ok(!new ProbeCookie().matchesReply(reply((syn.tcp.seq + 1) >>> 0)));
  // The ack wraps modulo 2^32.
  ok(c.ackMatches(probe, (c.seq(probe) + 1) >>> 0));
});
