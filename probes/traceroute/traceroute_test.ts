import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import {
  addressBytes,
  buildIcmpPacket,
  buildTcpPacket,
  buildUdpPacket,
  decodeIpPacket,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
} from "../../packet/mod.ts";
import {
  assembleHops,
  buildProbe,
  matchPacket,
  probeKeys,
  type TraceCapture,
  traceroute,
  type TraceTransport,
} from "./traceroute.ts";

const SOURCE = "198.18.0.2";
const TARGET = "198.18.2.2";
const ROUTERS = ["198.18.0.1", "198.18.1.1"];

interface FakeNet {
  routers: string[];
  target: string;
  source: string;
  /** Routers (by 1-based hop) that never answer. */
  silent?: Set<number>;
  /** Hop (1-based) that answers with this ICMP unreachable instead of forwarding. */
  unreachableAt?: number;
  /** The target never answers. */
  targetSilent?: boolean;
  /** Drop the answer to the first probe sent with this TTL. */
  loseFirstAnswerFor?: number;
  /** TCP: answer SYNs with RST instead of SYN-ACK. */
  closed?: boolean;
  /** UDP: the port is closed (ICMP port unreachable) instead of open. */
  udpClosed?: boolean;
}

/**
 * A simulated path: each probe is decoded, and the router at its TTL (or the target,
 * when the TTL outlives the routers) builds the packet a real one would send back.
 */
function fakeTransport(net: FakeNet): TraceTransport & { sentTtls: number[]; closed: boolean } {
  let clock = 1000;
  const queue: TraceCapture[] = [];
  const seen = new Set<number>();
  const v6 = addressBytes(net.target).length === 16;
  const state = {
    sentTtls: [] as number[],
    closed: false,
    send(packet: Uint8Array, info: { ttl: number; destination: string }): number {
      clock += 0.01;
      state.sentTtls.push(info.ttl);
      const first = !seen.has(info.ttl);
      seen.add(info.ttl);
      const p = decodeIpPacket(packet)!;
      equal(p.ip.ttl, info.ttl, "the TTL written in the probe is the one announced");
      equal(info.destination, net.target);
      if (first && info.ttl === net.loseFirstAnswerFor) return clock;
      const hop = Math.min(info.ttl, net.routers.length + 1);
      const at = clock + hop * 0.25;
      let reply: Uint8Array | undefined;
      if (hop <= net.routers.length) {
        if (net.silent?.has(hop)) return clock;
        const router = net.routers[hop - 1];
        const unreachable = net.unreachableAt === hop;
        reply = buildIcmpPacket({
          src: router,
          dst: net.source,
          type: v6 ? (unreachable ? 1 : 3) : (unreachable ? 3 : 11),
          code: unreachable ? (v6 ? 3 : 1) : 0,
          payload: packet.subarray(0, v6 ? packet.length : 28),
        });
      } else if (!net.targetSilent) {
        reply = targetReply(net, p, packet);
      }
      if (reply) queue.push({ packet: decodeIpPacket(reply)!, timeMs: at });
      return clock;
    },
    async receive(waitMs: number): Promise<TraceCapture[]> {
      // Like a capture: nothing waiting means a real wait, so timers (abort) get to run.
      if (queue.length === 0 && waitMs > 0) {
        await new Promise((r) => setTimeout(r, Math.min(waitMs, 5)));
      }
      return queue.splice(0);
    },
    close() {
      state.closed = true;
    },
  };
  return state;
}

function targetReply(
  net: FakeNet,
  p: NonNullable<ReturnType<typeof decodeIpPacket>>,
  packet: Uint8Array,
): Uint8Array {
  const env = { src: net.target, dst: net.source };
  if (p.tcp) {
    return buildTcpPacket({
      ...env,
      srcPort: p.tcp.dstPort,
      dstPort: p.tcp.srcPort,
      seq: 777,
      ack: (p.tcp.seq + 1) >>> 0,
      flags: net.closed ? TCP_RST | TCP_ACK : TCP_SYN | TCP_ACK,
    });
  }
  if (p.udp) {
    if (net.udpClosed) {
      const v6 = p.ip.version === 6;
      return buildIcmpPacket({
        ...env,
        type: v6 ? 1 : 3,
        code: v6 ? 4 : 3,
        payload: packet.subarray(0, 28),
      });
    }
    return buildUdpPacket({ ...env, srcPort: p.udp.dstPort, dstPort: p.udp.srcPort });
  }
  const m = (p.icmp ?? p.icmpv6)!;
  return buildIcmpPacket({ ...env, type: p.icmpv6 ? 129 : 0, id: m.id, seq: m.seq });
}

function net(extra: Partial<FakeNet> = {}): FakeNet {
  return { routers: ROUTERS, target: TARGET, source: SOURCE, ...extra };
}

Deno.test("tcp trace: every router, then the target's SYN-ACK, with RTTs", async () => {
  const transport = fakeTransport(net());
  const r = await traceroute({ address: TARGET, port: 80 }, {
    transport,
    source: SOURCE,
    timeoutMs: 50,
  });
  equal(r.protocol, "tcp");
  equal(r.port, 80);
  equal(r.address, TARGET);
  ok(r.reached);
  deepEqual(r.hops.map((h) => [h.ttl, h.address]), [[1, ROUTERS[0]], [2, ROUTERS[1]], [
    3,
    TARGET,
  ]]);
  for (const h of r.hops) ok(h.rttMs! > 0, `hop ${h.ttl} has an RTT`);
  ok(r.hops[0].rttMs! < r.hops[1].rttMs! && r.hops[1].rttMs! < r.hops[2].rttMs!);
  // All 30 TTLs leave in one burst, and the trace ends without a second round.
  deepEqual(transport.sentTtls, Array.from({ length: 30 }, (_, i) => i + 1));
  ok(transport.closed);
});

Deno.test("tcp trace to a closed port ends at the target's RST", async () => {
  const r = await traceroute({ address: TARGET, port: 81 }, {
    transport: fakeTransport(net({ closed: true })),
    source: SOURCE,
    timeoutMs: 50,
  });
  ok(r.reached);
  equal(r.hops.length, 3);
});

Deno.test("a silent router is an address-less hop, probed once more", async () => {
  const transport = fakeTransport(net({ silent: new Set([2]) }));
  const r = await traceroute({ address: TARGET, port: 80 }, {
    transport,
    source: SOURCE,
    timeoutMs: 20,
  });
  ok(r.reached);
  deepEqual(r.hops.map((h) => h.address), [ROUTERS[0], undefined, TARGET]);
  equal(r.hops[1].rttMs, undefined);
  // Second round: only the silent TTL below the target.
  deepEqual(transport.sentTtls.slice(30), [2]);
});

Deno.test("a lost answer at the target's distance is retried, so the trace stops there", async () => {
  const transport = fakeTransport(net({ loseFirstAnswerFor: 3 }));
  const r = await traceroute({ address: TARGET, port: 80 }, {
    transport,
    source: SOURCE,
    timeoutMs: 20,
  });
  ok(r.reached);
  deepEqual(r.hops.map((h) => h.address), [...ROUTERS, TARGET]);
  deepEqual(transport.sentTtls.slice(30), [3]);
});

Deno.test("an unreachable target: hops up to the last that answered, not reached", async () => {
  const r = await traceroute({ address: TARGET }, {
    transport: fakeTransport(net({ targetSilent: true })),
    source: SOURCE,
    timeoutMs: 10,
    maxHops: 8,
  });
  equal(r.protocol, "icmp");
  equal(r.port, undefined);
  equal(r.reached, false);
  deepEqual(r.hops.map((h) => h.address), ROUTERS);
});

Deno.test("host unreachable from a router ends the trace at that router", async () => {
  const r = await traceroute({ address: TARGET, protocol: "icmp" }, {
    transport: fakeTransport(net({ unreachableAt: 2 })),
    source: SOURCE,
    timeoutMs: 10,
  });
  equal(r.reached, false);
  deepEqual(r.hops.map((h) => h.address), ROUTERS);
});

Deno.test("udp trace: an answer or a port unreachable from the target both reach it", async () => {
  for (const udpClosed of [false, true]) {
    const r = await traceroute({ address: TARGET, protocol: "udp", port: 53 }, {
      transport: fakeTransport(net({ udpClosed })),
      source: SOURCE,
      timeoutMs: 20,
    });
    ok(r.reached, `udpClosed=${udpClosed}`);
    equal(r.port, 53);
    deepEqual(r.hops.map((h) => h.address), [...ROUTERS, TARGET]);
  }
});

Deno.test("IPv6: hop limits, ICMPv6 time exceeded and echo reply", async () => {
  const v6 = { routers: ["fd00:1::1", "fd00:2::1"], target: "fd00:3::2", source: "fd00:1::2" };
  const r = await traceroute({ address: "fd00:3:0::2", protocol: "icmp" }, {
    transport: fakeTransport(v6),
    source: v6.source,
    timeoutMs: 20,
  });
  ok(r.reached);
  equal(r.address, "fd00:3::2");
  deepEqual(r.hops.map((h) => h.address), [...v6.routers, v6.target]);
  const tcp = await traceroute({ address: v6.target, port: 22 }, {
    transport: fakeTransport(v6),
    source: v6.source,
    timeoutMs: 20,
  });
  deepEqual(tcp.hops.map((h) => h.address), [...v6.routers, v6.target]);
});

Deno.test("names by reverse lookup only when asked, failures leave the address", async () => {
  const asked: string[] = [];
  const reverse = (a: string) => {
    asked.push(a);
    if (a === ROUTERS[1]) return Promise.reject(new Error("ENOTFOUND"));
    return Promise.resolve([`h-${a.replaceAll(".", "-")}.test.`]);
  };
  const plain = await traceroute({ address: TARGET, port: 80 }, {
    transport: fakeTransport(net()),
    source: SOURCE,
    timeoutMs: 10,
    reverse,
  });
  equal(asked.length, 0);
  ok(plain.hops.every((h) => h.hostname === undefined));
  const named = await traceroute({ address: TARGET, port: 80 }, {
    transport: fakeTransport(net()),
    source: SOURCE,
    timeoutMs: 10,
    resolveNames: true,
    reverse,
  });
  deepEqual(named.hops.map((h) => h.hostname), [
    "h-198-18-0-1.test",
    undefined,
    "h-198-18-2-2.test",
  ]);
});

Deno.test("abort rejects with the signal's reason and closes the transport", async () => {
  const transport = fakeTransport(net({ targetSilent: true }));
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error("stop")), 20);
  await rejects(
    traceroute({ address: TARGET, port: 80 }, {
      transport,
      source: SOURCE,
      timeoutMs: 5000,
      signal: ac.signal,
    }),
    /stop/,
  );
  ok(transport.closed);
});

Deno.test("matchPacket ignores quotes of other flows and answers without our cookie", () => {
  const keys = probeKeys({ address: TARGET, protocol: "tcp", port: 80, source: SOURCE }, 60);
  const probe = buildProbe(keys, { index: 5, ttl: 2 });
  const exceeded = (quoted: Uint8Array) =>
    decodeIpPacket(buildIcmpPacket({ src: ROUTERS[1], dst: SOURCE, type: 11, payload: quoted }))!;
  deepEqual(matchPacket(keys, exceeded(probe.subarray(0, 28)), 60), {
    kind: "hop",
    index: 5,
    from: ROUTERS[1],
  });
  // Another sequence number in the quote: someone else's SYN from the same port.
  const other = probe.slice(0, 28);
  other[24] ^= 0xff;
  equal(matchPacket(keys, exceeded(other), 60), undefined);
  // An index beyond what was sent.
  equal(matchPacket(keys, exceeded(probe.subarray(0, 28)), 5), undefined);
  // A SYN-ACK that does not acknowledge our sequence number.
  const p = decodeIpPacket(probe)!;
  const synAck = (ack: number) =>
    decodeIpPacket(buildTcpPacket({
      src: TARGET,
      dst: SOURCE,
      srcPort: 80,
      dstPort: p.tcp!.srcPort,
      seq: 1,
      ack,
      flags: TCP_SYN | TCP_ACK,
    }))!;
  equal(matchPacket(keys, synAck((p.tcp!.seq + 2) >>> 0), 60), undefined);
  deepEqual(matchPacket(keys, synAck((p.tcp!.seq + 1) >>> 0), 60), {
    kind: "target",
    index: 5,
    from: TARGET,
  });
  // Our own probe, seen by the capture on its way out.
  deepEqual(matchPacket(keys, p, 60), { kind: "outgoing", index: 5 });
});

Deno.test("the capture's stamp of an outgoing probe replaces the send-time estimate", async () => {
  const base = fakeTransport(net());
  const transport: TraceTransport = {
    send(packet, info) {
      const at = base.send(packet, info);
      // The capture sees the probe 0.2 ms after send() returned its estimate.
      echoes.push({ packet: decodeIpPacket(packet)!, timeMs: at + 0.2 });
      return at;
    },
    async receive(waitMs) {
      return [...echoes.splice(0), ...await base.receive(waitMs)];
    },
    close: () => base.close(),
  };
  const echoes: TraceCapture[] = [];
  const stamped = await traceroute({ address: TARGET, port: 80 }, {
    transport,
    source: SOURCE,
    timeoutMs: 10,
  });
  const plain = await traceroute({ address: TARGET, port: 80 }, {
    transport: fakeTransport(net()),
    source: SOURCE,
    timeoutMs: 10,
  });
  for (let i = 0; i < 3; i++) {
    const d = plain.hops[i].rttMs! - stamped.hops[i].rttMs!;
    ok(Math.abs(d - 0.2) < 1e-6, `hop ${i + 1}: ${d}`);
  }
});

Deno.test("assembleHops stops at the first end, trims silent tails", () => {
  const a = (address: string, kind: "hop" | "target" | "unreachable") => ({
    address,
    rttMs: 1,
    kind,
  });
  deepEqual(
    assembleHops(new Map([[1, a("r1", "hop")], [3, a("t", "target")], [4, a("t", "target")]]), 30),
    {
      hops: [{ ttl: 1, address: "r1", rttMs: 1 }, { ttl: 2 }, { ttl: 3, address: "t", rttMs: 1 }],
      reached: true,
    },
  );
  deepEqual(assembleHops(new Map([[2, a("r2", "hop")]]), 30), {
    hops: [{ ttl: 1 }, { ttl: 2, address: "r2", rttMs: 1 }],
    reached: false,
  });
  deepEqual(assembleHops(new Map(), 30), { hops: [], reached: false });
});

Deno.test("a TCP trace without a port is refused", async () => {
  await rejects(
    traceroute({ address: TARGET, protocol: "tcp" }, {
      transport: fakeTransport(net()),
      source: SOURCE,
    }),
    TypeError,
  );
});

const rootless = Deno.build.os !== "linux" || Deno.uid() !== 0;

Deno.test({
  name: "loopback (raw socket + pcap): one hop, the target itself",
  ignore: rootless,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = (listener.addr as Deno.NetAddr).port;
      for (const target of [{ address: "127.0.0.1", port }, { address: "127.0.0.1" }]) {
        const r = await traceroute(target, { timeoutMs: 1000 });
        ok(r.reached, JSON.stringify(r));
        equal(r.hops.length, 1);
        equal(r.hops[0].address, "127.0.0.1");
        ok(r.hops[0].rttMs! >= 0 && r.hops[0].rttMs! < 100, `rtt ${r.hops[0].rttMs}`);
      }
    } finally {
      listener.close();
    }
  },
});
