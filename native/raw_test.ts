/**
 * End-to-end raw path on loopback only: hand-built SYNs leave through
 * RawSocket, replies come back through Capture. Every packet goes to
 * 127.0.0.1 or ::1.
 */
import { assert, assertEquals } from "./test_assert.ts";
import { RawSocket } from "./libc.ts";
import { Capture, type CapturedPacket, DLT } from "./pcap.ts";
import { CAPABILITY_HINT, hasRawSocketCapability } from "./privileges.ts";
import { NativeError } from "./native_error.ts";

const RAW_OK = hasRawSocketCapability();
const IN_CI = Deno.env.get("CI") === "true";

/** Run where CAP_NET_RAW is held; fail loudly without it in CI, skip elsewhere. */
function rawTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test({
    name,
    ignore: !RAW_OK && !IN_CI,
    fn: async () => {
      if (!RAW_OK) {
        throw new Error(`${name}: this test needs CAP_NET_RAW in CI (${CAPABILITY_HINT})`);
      }
      await fn();
    },
  });
}

// --- a minimal packet builder, local to this test (packet/ is tested on its own) ---

function sum16(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length % 2) sum += bytes[bytes.length - 1] << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function tcpSyn(sport: number, dport: number, seq: number): Uint8Array {
  const tcp = new Uint8Array(20);
  const v = new DataView(tcp.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint32(4, seq);
  tcp[12] = 5 << 4;
  tcp[13] = 0x02; // SYN
  v.setUint16(14, 1024);
  return tcp;
}

function tcpChecksum(tcp: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
  const pseudo = sum16(src) + sum16(dst) + 6 + tcp.length;
  new DataView(tcp.buffer, tcp.byteOffset).setUint16(16, fold(sum16(tcp, pseudo)));
}

const LOOP4 = new Uint8Array([127, 0, 0, 1]);
const LOOP6 = new Uint8Array(16).fill(0, 0, 15).fill(1, 15);

function ipv4Syn(sport: number, dport: number, seq: number): Uint8Array {
  const tcp = tcpSyn(sport, dport, seq);
  tcpChecksum(tcp, LOOP4, LOOP4);
  const packet = new Uint8Array(40);
  const v = new DataView(packet.buffer);
  packet[0] = 0x45;
  v.setUint16(2, 40);
  v.setUint16(4, 0x1234);
  v.setUint16(6, 0x4000);
  packet[8] = 64;
  packet[9] = 6;
  packet.set(LOOP4, 12);
  packet.set(LOOP4, 16);
  v.setUint16(10, fold(sum16(packet.subarray(0, 20))));
  packet.set(tcp, 20);
  return packet;
}

/** The TCP header of a captured Ethernet frame (Linux lo is DLT_EN10MB). */
function tcpOf(
  frame: CapturedPacket,
): { sport: number; dport: number; seq: number; ack: number; flags: number } {
  const b = frame.bytes;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const etherType = v.getUint16(12);
  let at: number;
  if (etherType === 0x0800) at = 14 + (b[14] & 0x0f) * 4;
  else if (etherType === 0x86dd && b[14 + 6] === 6) at = 14 + 40;
  else throw new Error(`unexpected frame, ethertype ${etherType.toString(16)}`);
  return {
    sport: v.getUint16(at),
    dport: v.getUint16(at + 2),
    seq: v.getUint32(at + 4),
    ack: v.getUint32(at + 8),
    flags: b[at + 13],
  };
}

/** Collect packets from `cap` until `count` arrived or `ms` passed. */
async function collect(cap: Capture, count: number, ms = 2000): Promise<CapturedPacket[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  const got: CapturedPacket[] = [];
  try {
    for await (const batch of cap.packets({ signal: ac.signal, pollMs: 20 })) {
      got.push(...batch);
      if (got.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return got;
}

function closedPort(hostname: string): number {
  const l = Deno.listen({ hostname, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function sourcePort(): number {
  return 40000 + Math.floor(Math.random() * 20000);
}

const RST_ACK = 0x14;
const SYN_ACK = 0x12;

rawTest("IPv4 SYN to a closed loopback port draws RST/ACK", async () => {
  const port = closedPort("127.0.0.1");
  const sport = sourcePort();
  const seq = 0x1badb002;
  const cap = Capture.open("lo", { filter: `tcp and src port ${port} and dst host 127.0.0.1` });
  const sock = RawSocket.open(4);
  try {
    assertEquals(cap.linkType, DLT.EN10MB);
    assert(sock.send(ipv4Syn(sport, port, seq), "127.0.0.1"));
    const [reply] = await collect(cap, 1);
    assert(reply, "no reply captured");
    const tcp = tcpOf(reply);
    assertEquals(tcp.flags, RST_ACK);
    assertEquals(tcp.dport, sport);
    assertEquals(tcp.ack, (seq + 1) >>> 0);
    assert(reply.timestampUs > Date.UTC(2020, 0, 1) * 1000);
    assertEquals(reply.origLength, reply.bytes.length);
    assert(cap.stats().received >= 1);
  } finally {
    sock.close();
    cap.close();
  }
});

rawTest("IPv4 SYN to a listening loopback port draws SYN/ACK", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const sport = sourcePort();
  const seq = 0x01020304;
  const cap = Capture.open("lo", { filter: `tcp and src port ${port} and dst host 127.0.0.1` });
  const sock = RawSocket.open(4);
  try {
    assert(sock.send(ipv4Syn(sport, port, seq), "127.0.0.1"));
    const [reply] = await collect(cap, 1);
    assert(reply, "no reply captured");
    const tcp = tcpOf(reply);
    assertEquals(tcp.flags, SYN_ACK);
    assertEquals(tcp.dport, sport);
    assertEquals(tcp.ack, seq + 1);
  } finally {
    sock.close();
    cap.close();
    listener.close();
  }
});

rawTest("sendBatch sends every packet of a batch", async () => {
  const ports = [closedPort("127.0.0.1"), closedPort("127.0.0.1"), closedPort("127.0.0.1")];
  const sport = sourcePort();
  const filter = `tcp and dst port ${sport} and dst host 127.0.0.1 and (${
    ports.map((p) => `src port ${p}`).join(" or ")
  })`;
  const cap = Capture.open("lo", { filter });
  const sock = RawSocket.open(4);
  try {
    const sent = sock.sendBatch(
      ports.map((p, i) => ({ bytes: ipv4Syn(sport, p, 1000 * (i + 1)), destination: "127.0.0.1" })),
    );
    assertEquals(sent, ports.length);
    const replies = (await collect(cap, ports.length)).map(tcpOf);
    assertEquals(replies.map((r) => r.sport).sort(), [...ports].sort());
    for (const r of replies) {
      assertEquals(r.flags, RST_ACK);
      assertEquals(r.ack, 1000 * (ports.indexOf(r.sport) + 1) + 1);
    }
  } finally {
    sock.close();
    cap.close();
  }
});

rawTest(
  "sendBatch and sendBatchAsync route IPv4 packets without a destination by header",
  async () => {
    const ports = [closedPort("127.0.0.1"), closedPort("127.0.0.1"), closedPort("127.0.0.1")];
    const sport = sourcePort();
    const filter = `tcp and dst port ${sport} and dst host 127.0.0.1 and (${
      ports.map((p) => `src port ${p}`).join(" or ")
    })`;
    const cap = Capture.open("lo", { filter });
    const sock = RawSocket.open(4);
    try {
      // Slots alternate between text and header destinations, so each kind follows the other.
      assertEquals(sock.sendBatch([{ bytes: ipv4Syn(sport, ports[0], 100) }]), 1);
      assertEquals(
        sock.sendBatch([
          { bytes: ipv4Syn(sport, ports[1], 200), destination: "127.0.0.1" },
          { bytes: ipv4Syn(sport, ports[2], 300) },
        ]),
        2,
      );
      assertEquals(await sock.sendBatchAsync([{ bytes: ipv4Syn(sport, ports[0], 400) }]), 1);
      const replies = (await collect(cap, 4)).map(tcpOf);
      assertEquals(replies.map((r) => r.ack).sort((a, b) => a - b), [101, 201, 301, 401]);
    } finally {
      sock.close();
      cap.close();
    }
  },
);

rawTest("incomingOnly: the capture no longer sees the copy of what we send", async () => {
  // On lo the kernel hands a capture each packet we send twice, leaving and arriving
  // (libpcap drops the leaving copy itself, but counts it): once with the option.
  const port = closedPort("127.0.0.1");
  const sport = sourcePort();
  const filter = `tcp and src port ${sport} and dst port ${port} and dst host 127.0.0.1`;
  const both = Capture.open("lo", { filter });
  const incoming = Capture.open("lo", { filter, incomingOnly: true });
  // The kernel also counts what crossed lo before the filter was set (other tests' packets,
  // when tests run in parallel): count from here.
  const bothBefore = both.stats().received;
  const incomingBefore = incoming.stats().received;
  const sock = RawSocket.open(4);
  try {
    assert(sock.send(ipv4Syn(sport, port, 77), "127.0.0.1"));
    await new Promise((r) => setTimeout(r, 50));
    assertEquals(both.readBatch().length, 1);
    assertEquals(incoming.readBatch().length, 1);
    assertEquals(both.stats().received - bothBefore, 2);
    assertEquals(incoming.stats().received - incomingBefore, 1);
  } finally {
    sock.close();
    both.close();
    incoming.close();
  }
});

rawTest("next() and readBatch() return undefined / nothing when idle, then copies", () => {
  const port = closedPort("127.0.0.1");
  const sport = sourcePort();
  const cap = Capture.open("lo", { filter: `tcp and src port ${port} and dst port ${sport}` });
  const sock = RawSocket.open(4);
  try {
    assertEquals(cap.next(), undefined);
    assertEquals(cap.readBatch().length, 0);
    sock.send(ipv4Syn(sport, port, 7), "127.0.0.1");
    sock.send(ipv4Syn(sport, port, 8), "127.0.0.1");
    // The kernel answers synchronously on lo; give the ring a moment.
    const deadline = Date.now() + 2000;
    const got: CapturedPacket[] = [];
    while (got.length < 2 && Date.now() < deadline) {
      const p = cap.next();
      if (p) got.push(p);
    }
    assertEquals(got.length, 2);
    // Copies survive later reads: the two acks differ.
    assertEquals(got.map((p) => tcpOf(p).ack), [8, 9]);
  } finally {
    sock.close();
    cap.close();
  }
});

rawTest("IPv6 SYN to ::1: the kernel writes the IPv6 header and checksum", async () => {
  const listener = Deno.listen({ hostname: "::1", port: 0 });
  const open = (listener.addr as Deno.NetAddr).port;
  const closed = closedPort("::1");
  const sport = sourcePort();
  const cap = Capture.open("lo", { filter: `ip6 and tcp and dst port ${sport} and dst host ::1` });
  const sock = RawSocket.open(6, { protocol: "tcp", source: "::1", kernelChecksum: true });
  try {
    assert(sock.send(tcpSyn(sport, open, 500), "::1"));
    assert(sock.send(tcpSyn(sport, closed, 600), "::1"));
    const replies = (await collect(cap, 2)).map(tcpOf);
    const fromOpen = replies.find((r) => r.sport === open);
    const fromClosed = replies.find((r) => r.sport === closed);
    assert(fromOpen && fromClosed, `replies: ${JSON.stringify(replies)}`);
    assertEquals(fromOpen.flags, SYN_ACK);
    assertEquals(fromOpen.ack, 501);
    assertEquals(fromClosed.flags, RST_ACK);
    assertEquals(fromClosed.ack, 601);
  } finally {
    sock.close();
    cap.close();
    listener.close();
  }
});

rawTest("IPv6 raw socket sends the caller's own checksum when asked to", async () => {
  const closed = closedPort("::1");
  const sport = sourcePort();
  const cap = Capture.open("lo", {
    filter: `ip6 and tcp and src port ${closed} and dst port ${sport}`,
  });
  const sock = RawSocket.open(6, { protocol: "tcp", source: "::1" });
  try {
    const syn = tcpSyn(sport, closed, 42);
    const pseudo = sum16(LOOP6) + sum16(LOOP6) + 6 + syn.length;
    new DataView(syn.buffer).setUint16(16, fold(sum16(syn, pseudo)));
    assert(sock.send(syn, "::1"));
    const [reply] = await collect(cap, 1);
    assert(reply, "no reply: checksum rejected?");
    assertEquals(tcpOf(reply).ack, 43);
  } finally {
    sock.close();
    cap.close();
  }
});

rawTest("close() while packets() waits ends the stream without leaking the poll", async () => {
  const cap = Capture.open("lo", { filter: "tcp and port 9 and host 127.0.0.1" });
  const started = Date.now();
  const stream = (async () => {
    let batches = 0;
    for await (const _ of cap.packets({ pollMs: 30 })) batches++;
    return batches;
  })();
  await new Promise((r) => setTimeout(r, 50));
  cap.close();
  assertEquals(await stream, 0);
  assert(Date.now() - started < 1000);
  let threw = false;
  try {
    cap.next();
  } catch (error) {
    threw = error instanceof NativeError && error.syscall === "pcap_next_ex";
  }
  assert(threw, "next() after close must throw a NativeError");
});

rawTest("bad filters and devices are NativeErrors naming the pcap call", () => {
  let error: unknown;
  try {
    Capture.open("lo", { filter: "tcp and (" });
  } catch (e) {
    error = e;
  }
  assert(error instanceof NativeError && error.syscall === "pcap_compile", String(error));
  error = undefined;
  try {
    Capture.open("no-such-dev0");
  } catch (e) {
    error = e;
  }
  assert(error instanceof NativeError && error.syscall === "pcap_activate", String(error));
});
