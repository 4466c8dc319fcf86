/**
 * A scripted transport for tests: it answers each probe as a simulated host would, with
 * real packets built and decoded by packet/, so the engine's whole reply path runs.
 */
import {
  buildIcmpPacket,
  buildTcpPacket,
  buildUdpPacket,
  decodeIpPacket,
  IpProtocol,
  parseMac,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  writeIpv6Header,
  writeNeighborDiscovery,
} from "../../packet/mod.ts";
import type { RawProbe, RawReply, RawTransport } from "./types.ts";

/** How a simulated port answers. */
export type FakeBehaviour = "open" | "closed" | "drop" | "admin-prohibited" | "port-unreach";

/** A simulated host. */
export interface FakeHost {
  /** Behaviour per port; ports not listed are closed (TCP) / port-unreach (UDP). */
  ports?: Record<number, FakeBehaviour>;
  /** Answers discovery probes (echo, SYN 443, ACK 80, timestamp). Default true. */
  up?: boolean;
  /** Answers ICMP echo, timestamp and address-mask requests (when up). Default true. */
  icmp?: boolean;
  /** Drop the first N probes sent to these ports (simulated loss). */
  loseFirst?: Record<number, number>;
  ttl?: number;
  /**
   * Answer ARP requests (IPv4) or neighbour solicitations (IPv6) with this hardware address
   * (the host is on our link).
   */
  mac?: string;
  /** Replies arrive this many milliseconds after the probe (a slow path). */
  delayMs?: number;
}

/** A fake transport and what it saw. */
export interface FakeTransport extends RawTransport {
  /** Every probe handed to `send`, in order. */
  readonly sent: RawProbe[];
  /**
   * Per destination, the most probes ever outstanding at once: sent, to be answered, and
   * their answer not yet handed to `receive`'s caller.
   */
  readonly maxOutstanding: Map<string, number>;
}

/** Build a fake transport over `hosts` (by address). */
export function fakeTransport(
  hosts: Record<string, FakeHost>,
  options: {
    now?: () => number;
    /** Called after each probe is taken, with its destination's outstanding count. */
    onSend?: (probe: RawProbe, outstanding: number) => void;
  } = {},
): FakeTransport {
  const now = options.now ?? (() => performance.now());
  const sent: RawProbe[] = [];
  const pending: { reply: RawReply; due: number; destination: string }[] = [];
  const lost = new Map<string, number>();
  const outstanding = new Map<string, number>();
  const maxOutstanding = new Map<string, number>();
  let current: RawProbe | undefined;
  const enqueue = (reply: RawReply) => {
    const p = current!;
    const n = (outstanding.get(p.destination) ?? 0) + 1;
    outstanding.set(p.destination, n);
    maxOutstanding.set(p.destination, Math.max(n, maxOutstanding.get(p.destination) ?? 0));
    const due = reply.timeMs + (hosts[p.destination]?.delayMs ?? 0);
    pending.push({ reply: { ...reply, timeMs: due }, due, destination: p.destination });
  };
  const reply = (bytes: Uint8Array) => {
    const packet = decodeIpPacket(bytes);
    if (packet) enqueue({ packet, bytes, timeMs: now() });
  };
  const answer = (p: RawProbe) => {
    const host = hosts[p.destination];
    if (!host) return;
    current = p;
    if (p.kind === "arp") {
      if (host.mac === undefined || host.up === false) return;
      enqueue({
        arp: {
          op: 2,
          senderMac: host.mac,
          senderIp: p.destination,
          targetMac: p.sourceMac ?? "",
          targetIp: p.source,
        },
        bytes: new Uint8Array(42),
        timeMs: now(),
      });
      return;
    }
    if (p.kind === "nd") {
      if (host.mac === undefined || host.up === false) return;
      // A solicited advertisement, as Linux sends it: to the solicitation's source, hop
      // limit 255, our target address and the host's MAC in the target link-layer option.
      const mac = parseMac(host.mac);
      if (!mac) throw new TypeError(`fake host ${p.destination}: bad MAC ${host.mac}`);
      const bytes = new Uint8Array(40 + 32);
      writeIpv6Header(bytes, {
        src: p.destination,
        dst: p.source,
        nextHeader: IpProtocol.ICMPV6,
        payloadLength: 32,
        hopLimit: 255,
      });
      writeNeighborDiscovery(bytes, {
        target: p.destination,
        mac,
        advertise: { solicited: true, override: true },
      }, { offset: 40, src: p.destination, dst: p.source });
      reply(bytes);
      return;
    }
    const ttl = host.ttl ?? 64;
    const env = { src: p.destination, dst: p.source, ttl };
    if (p.kind === "icmp-echo" || p.kind === "icmp-timestamp" || p.kind === "icmp-mask") {
      if (host.up === false || host.icmp === false) return;
      const type = p.kind === "icmp-timestamp"
        ? 14
        : p.kind === "icmp-mask"
        ? 18
        : p.family === 6
        ? 129
        : 0;
      reply(buildIcmpPacket({ ...env, type, id: p.icmpId, seq: p.icmpSeq }));
      return;
    }
    const port = p.dstPort!;
    const key = `${p.destination}|${port}`;
    const toLose = host.loseFirst?.[port] ?? 0;
    const seen = lost.get(key) ?? 0;
    if (seen < toLose) {
      lost.set(key, seen + 1);
      return;
    }
    let behaviour = host.ports?.[port] ?? (p.kind === "udp" ? "port-unreach" : "closed");
    if (host.up === false) behaviour = "drop";
    const original = p.kind === "tcp"
      ? buildTcpPacket({
        src: p.source,
        dst: p.destination,
        srcPort: p.srcPort!,
        dstPort: port,
        seq: p.seq!,
        ack: p.ack,
        flags: p.flags!,
      })
      : buildUdpPacket({ src: p.source, dst: p.destination, srcPort: p.srcPort!, dstPort: port });
    const icmp = (code: number) =>
      reply(buildIcmpPacket({
        ...env,
        type: p.family === 6 ? 1 : 3,
        code,
        payload: original.subarray(0, p.family === 6 ? 48 : 28),
      }));
    if (behaviour === "drop") return;
    if (behaviour === "admin-prohibited") return icmp(p.family === 6 ? 1 : 13);
    if (behaviour === "port-unreach") return icmp(p.family === 6 ? 4 : 3);
    if (p.kind === "udp") {
      if (behaviour === "open") {
        reply(
          buildUdpPacket({
            ...env,
            srcPort: port,
            dstPort: p.srcPort!,
            payload: new Uint8Array([1]),
          }),
        );
      }
      return;
    }
    // TCP, as Linux answers (RFC 9293): SYN to a listener -> SYN-ACK; otherwise RST.
    const flags = p.flags!;
    const tcp = { srcPort: port, dstPort: p.srcPort! };
    if (flags & TCP_ACK) {
      reply(buildTcpPacket({ ...env, ...tcp, seq: p.ack!, flags: TCP_RST, window: 0 }));
      return;
    }
    const fin = flags & 1 ? 1 : 0;
    const syn = flags & TCP_SYN ? 1 : 0;
    if (behaviour === "open") {
      if (!syn) return; // a listener ignores FIN/NULL/Xmas
      reply(buildTcpPacket({
        ...env,
        ...tcp,
        seq: 12345,
        ack: (p.seq! + 1) >>> 0,
        flags: TCP_SYN | TCP_ACK,
        window: 64240,
        options: [{ kind: "mss", value: 1460 }, { kind: "nop" }, { kind: "wscale", shift: 7 }],
      }));
      return;
    }
    reply(buildTcpPacket({
      ...env,
      ...tcp,
      seq: 0,
      ack: (p.seq! + syn + fin) >>> 0,
      flags: TCP_RST | TCP_ACK,
      window: 0,
    }));
  };
  return {
    sent,
    maxOutstanding,
    send(probes: readonly RawProbe[]): number {
      for (const p of probes) {
        sent.push(p);
        answer(p);
        options.onSend?.(p, outstanding.get(p.destination) ?? 0);
      }
      return probes.length;
    },
    async receive(waitMs: number): Promise<RawReply[]> {
      const ready = () => pending.some((p) => p.due <= now());
      if (!ready() && waitMs > 0) {
        await new Promise((r) => setTimeout(r, Math.min(waitMs, 5)));
      }
      const t = now();
      const out: RawReply[] = [];
      let kept = 0;
      for (const p of pending) {
        if (p.due <= t) {
          out.push(p.reply);
          outstanding.set(p.destination, outstanding.get(p.destination)! - 1);
        } else pending[kept++] = p;
      }
      pending.length = kept;
      return out;
    },
    close(): void {},
  };
}
