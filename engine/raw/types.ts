/**
 * The contract between the raw engine and whatever moves its packets: the engine describes
 * probes and reads decoded replies; a transport (libpcap + raw sockets, or a test fake) does
 * the I/O. Nothing here touches the network.
 */
import type { PortEvent } from "../events.ts";
import type { ArpPacket, DecodedPacket } from "../../packet/mod.ts";

/**
 * What kind of packet a probe is. "arp" and "nd" are whole Ethernet frames, injected on the
 * link: an ARP request, and an ICMPv6 neighbour solicitation to the target's solicited-node
 * multicast address.
 */
export type ProbeKind =
  | "tcp"
  | "udp"
  | "icmp-echo"
  | "icmp-timestamp"
  | "icmp-mask"
  | "arp"
  | "nd";

/** One probe as the engine describes it; the transport turns it into bytes. */
export interface RawProbe {
  kind: ProbeKind;
  family: 4 | 6;
  /** Our address (the route's source). */
  source: string;
  destination: string;
  /** TCP/UDP ports. */
  srcPort?: number;
  dstPort?: number;
  /** TCP header fields. */
  seq?: number;
  ack?: number;
  flags?: number;
  /** UDP payload. */
  payload?: Uint8Array;
  /** ICMP echo / timestamp / address-mask identifier and sequence. */
  icmpId?: number;
  icmpSeq?: number;
  /** ARP and ND: the interface to inject the frame on, and our hardware address there. */
  interface?: string;
  sourceMac?: string;
}

/** One captured reply. */
export interface RawReply {
  /** The decoded IP packet (a neighbour advertisement too); absent for an ARP frame. */
  packet?: DecodedPacket;
  /** A captured ARP packet (Ethernet links). */
  arp?: ArpPacket;
  /** The captured frame (the decoded offsets index it), for payload checks. */
  bytes: Uint8Array;
  /** Capture time on the `performance.now()` clock, milliseconds. */
  timeMs: number;
}

/** Moves the engine's packets. Tests inject a fake. */
export interface RawTransport {
  /**
   * Send probes; returns how many were taken from the front (fewer when the kernel's queue
   * is full: the engine waits a moment and offers the rest again).
   */
  send(probes: readonly RawProbe[]): number;
  /**
   * `send` off the event loop, when the transport can: the engine reads replies while the
   * kernel takes the batch. Same result as `send`.
   */
  sendAsync?(probes: readonly RawProbe[]): Promise<number>;
  /** Replies that arrived, waiting up to `waitMs` for the first one when none is queued. */
  receive(waitMs: number): Promise<RawReply[]>;
  /** Replies the capture had to drop since the last call (buffer overrun): a loss signal. */
  drops?(): number;
  /**
   * Packets the local stack dropped since the last call (the capture interfaces' drop
   * counters, the kernel's input backlog overflows): probes or replies that may have been
   * lost before the wire or before the capture. Read once per pass: a loss signal.
   */
  pathDrops?(): number;
  /** Release sockets and captures. */
  close(): void;
}

/** What a SYN-ACK or RST said about the stack that sent it: the shared event type. */
export type { ReplyFingerprint } from "../events.ts";
import type { ReplyFingerprint } from "../events.ts";

/** A port event of the raw engine: a `PortEvent` plus what the deciding reply revealed. */
export interface RawPortEvent extends PortEvent {
  fingerprint?: ReplyFingerprint;
}
