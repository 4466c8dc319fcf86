/**
 * Captured-frame decoding by pcap link type, down to the transport header.
 *
 * This is the receive hot path: one call per captured packet. It reads bytes by
 * offset and builds a few small plain objects; nothing here throws on hostile input.
 */

import { macToString } from "./address.ts";
import { EtherType, IpProtocol, LinkType } from "./constants.ts";
import { decodeIcmp, type IcmpMessage } from "./icmp.ts";
import { decodeIcmpv6, type Icmpv6Message } from "./icmpv6.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { decodeTcp, type TcpHeader } from "./tcp.ts";
import { decodeUdp, type UdpHeader } from "./udp.ts";

/** Most VLAN tags the Ethernet decoder skips before giving up on a frame. */
const MAX_VLAN_TAGS = 4;

/** Ethernet header length. */
export const ETHERNET_HEADER_LENGTH = 14;

/** What the link layer said about a frame. */
export interface LinkInfo {
  linkType: number;
  /** EtherType of the network-layer payload (derived for loopback and raw links). */
  etherType: number;
  /** Offset of the network-layer header. */
  payloadOffset: number;
  /** Ethernet source/destination; cooked captures give the source when it is 6 bytes. */
  src?: string;
  dst?: string;
  /** 802.1Q VLAN ids, outermost first, when tagged. */
  vlans?: number[];
  /** Linux cooked captures: packet type (0 to us, 1 broadcast, 2 multicast, 3 other host, 4 outgoing). */
  packetType?: number;
  /** Linux cooked v2: interface index. */
  ifIndex?: number;
}

/** The network-layer summary every decoded packet carries. */
export interface IpSummary {
  version: 4 | 6;
  src: string;
  dst: string;
  /** TTL (IPv4) or hop limit (IPv6). */
  ttl: number;
  /** Same as `ttl`; named for IPv6 readers. */
  hopLimit: number;
  /** IPv4 id; IPv6 fragment id, or 0 when unfragmented. */
  id: number;
  /** IPv4 DF bit; always true for IPv6, where routers never fragment. */
  df: boolean;
  /** IPv4 total length; IPv6 40 + payload length. */
  totalLength: number;
  /** Upper-layer protocol (after IPv6 extension headers). */
  protocol: number;
  tos: number;
  /** True when this is a non-first fragment: no transport header was decoded. */
  fragment: boolean;
  /** True when the capture holds less than the IP header claims. */
  truncated: boolean;
  /** Offsets of the IP header and of the upper-layer header in the frame. */
  offset: number;
  payloadOffset: number;
  payloadEnd: number;
}

/** A decoded frame: link, IP, and the transport layer when it could be read. */
export interface DecodedPacket {
  link?: LinkInfo;
  ip: IpSummary;
  tcp?: TcpHeader;
  udp?: UdpHeader;
  icmp?: IcmpMessage;
  icmpv6?: Icmpv6Message;
}

function etherTypeForVersion(bytes: Uint8Array, offset: number): number {
  if (offset >= bytes.length) return 0;
  const v = bytes[offset] >> 4;
  return v === 4 ? EtherType.IPV4 : v === 6 ? EtherType.IPV6 : 0;
}

/**
 * Decode the link-layer header of a frame captured with pcap link type
 * `linkType`. Returns `undefined` for unknown link types and cut headers.
 * BSD loopback (DLT_NULL) families are read in either byte order, and IPv6's
 * per-OS family numbers (10, 24, 28, 30) are all accepted.
 */
export function decodeLink(linkType: number, bytes: Uint8Array): LinkInfo | undefined {
  const n = bytes.length;
  switch (linkType) {
    case LinkType.EN10MB: {
      if (n < ETHERNET_HEADER_LENGTH) return undefined;
      let off = 12;
      let etherType = (bytes[off] << 8) | bytes[off + 1];
      let vlans: number[] | undefined;
      while (
        etherType === EtherType.VLAN || etherType === EtherType.QINQ ||
        etherType === EtherType.QINQ_OLD
      ) {
        if (off + 6 > n || (vlans && vlans.length >= MAX_VLAN_TAGS)) return undefined;
        (vlans ??= []).push(((bytes[off + 2] << 8) | bytes[off + 3]) & 0x0fff);
        off += 4;
        etherType = (bytes[off] << 8) | bytes[off + 1];
      }
      const info: LinkInfo = {
        linkType,
        etherType,
        payloadOffset: off + 2,
        dst: macToString(bytes, 0),
        src: macToString(bytes, 6),
      };
      if (vlans) info.vlans = vlans;
      return info;
    }
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (n < 4) return undefined;
      const be = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
      const le = ((bytes[3] << 24) | (bytes[2] << 16) | (bytes[1] << 8) | bytes[0]) >>> 0;
      // DLT_NULL is in the capturing host's byte order, which the file does not say.
      const family = linkType === LinkType.LOOP ? be : Math.min(be, le);
      let etherType = 0;
      if (family === 2) etherType = EtherType.IPV4;
      else if (family === 10 || family === 24 || family === 28 || family === 30) {
        etherType = EtherType.IPV6;
      }
      return { linkType, etherType, payloadOffset: 4 };
    }
    case LinkType.RAW:
    case LinkType.RAW_OPENBSD:
    case LinkType.LINKTYPE_RAW:
      return { linkType, etherType: etherTypeForVersion(bytes, 0), payloadOffset: 0 };
    case LinkType.IPV4:
      return { linkType, etherType: EtherType.IPV4, payloadOffset: 0 };
    case LinkType.IPV6:
      return { linkType, etherType: EtherType.IPV6, payloadOffset: 0 };
    case LinkType.LINUX_SLL: {
      if (n < 16) return undefined;
      const info: LinkInfo = {
        linkType,
        etherType: (bytes[14] << 8) | bytes[15],
        payloadOffset: 16,
        packetType: (bytes[0] << 8) | bytes[1],
      };
      if (((bytes[4] << 8) | bytes[5]) === 6) info.src = macToString(bytes, 6);
      return info;
    }
    case LinkType.LINUX_SLL2: {
      if (n < 20) return undefined;
      const info: LinkInfo = {
        linkType,
        etherType: (bytes[0] << 8) | bytes[1],
        payloadOffset: 20,
        ifIndex: ((bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7]) >>> 0,
        packetType: bytes[10],
      };
      if (bytes[11] === 6) info.src = macToString(bytes, 12);
      return info;
    }
    default:
      return undefined;
  }
}

/**
 * Decode an IP packet that starts at `offset` (version taken from its first
 * nibble) and its TCP, UDP, ICMP or ICMPv6 header. Returns `undefined` when no
 * valid IP header is there. A transport header that is cut short is simply absent.
 */
export function decodeIpPacket(bytes: Uint8Array, offset = 0): DecodedPacket | undefined {
  if (offset < 0 || offset >= bytes.length) return undefined;
  const version = bytes[offset] >> 4;
  let ip: IpSummary;
  if (version === 4) {
    const h = decodeIpv4(bytes, offset);
    if (!h) return undefined;
    ip = {
      version: 4,
      src: h.src,
      dst: h.dst,
      ttl: h.ttl,
      hopLimit: h.ttl,
      id: h.id,
      df: h.df,
      totalLength: h.totalLength,
      protocol: h.protocol,
      tos: h.tos,
      fragment: h.fragmentOffset !== 0,
      truncated: h.truncated,
      offset,
      payloadOffset: h.payloadOffset,
      payloadEnd: h.payloadEnd,
    };
  } else if (version === 6) {
    const h = decodeIpv6(bytes, offset);
    if (!h) return undefined;
    ip = {
      version: 6,
      src: h.src,
      dst: h.dst,
      ttl: h.hopLimit,
      hopLimit: h.hopLimit,
      id: h.fragment?.id ?? 0,
      df: true,
      totalLength: 40 + h.payloadLength,
      protocol: h.protocol,
      tos: h.trafficClass,
      fragment: h.fragment !== undefined && h.fragment.offset !== 0,
      truncated: h.truncated,
      offset,
      payloadOffset: h.payloadOffset,
      payloadEnd: h.payloadEnd,
    };
  } else {
    return undefined;
  }
  const packet: DecodedPacket = { ip };
  if (ip.fragment) return packet;
  const at = { offset: ip.payloadOffset, end: ip.payloadEnd };
  switch (ip.protocol) {
    case IpProtocol.TCP: {
      const tcp = decodeTcp(bytes, at);
      if (tcp) packet.tcp = tcp;
      break;
    }
    case IpProtocol.UDP: {
      const udp = decodeUdp(bytes, at);
      if (udp) packet.udp = udp;
      break;
    }
    case IpProtocol.ICMP: {
      const icmp = decodeIcmp(bytes, at);
      if (icmp) packet.icmp = icmp;
      break;
    }
    case IpProtocol.ICMPV6: {
      const icmpv6 = decodeIcmpv6(bytes, at);
      if (icmpv6) packet.icmpv6 = icmpv6;
      break;
    }
  }
  return packet;
}

/**
 * Decode a captured frame by its pcap link type down to the transport layer.
 * Returns `undefined` for non-IP frames (ARP: use {@link decodeLink} and
 * `decodeArp`), unknown link types and malformed headers. Never throws.
 * @example
 * const p = decodeFrame(LinkType.EN10MB, frame);
 * if (p?.tcp && (p.tcp.flags & TCP_SYN)) console.log(p.ip.src, p.tcp.srcPort);
 */
export function decodeFrame(linkType: number, bytes: Uint8Array): DecodedPacket | undefined {
  const link = decodeLink(linkType, bytes);
  if (!link) return undefined;
  if (link.etherType !== EtherType.IPV4 && link.etherType !== EtherType.IPV6) return undefined;
  const packet = decodeIpPacket(bytes, link.payloadOffset);
  if (!packet) return undefined;
  // The link said one version and the header another: not a packet we can trust.
  if ((link.etherType === EtherType.IPV4) !== (packet.ip.version === 4)) return undefined;
  packet.link = link;
  return packet;
}

/** Write a 14-byte Ethernet header into `target` at `at.offset`. Returns 14. */
export function writeEthernet(
  target: Uint8Array,
  fields: { dst: Uint8Array; src: Uint8Array; etherType: number },
  at: { offset?: number } = {},
): number {
  const o = at.offset ?? 0;
  if (o + ETHERNET_HEADER_LENGTH > target.length) throw new RangeError("target too small");
  target.set(fields.dst.subarray(0, 6), o);
  target.set(fields.src.subarray(0, 6), o + 6);
  target[o + 12] = fields.etherType >> 8;
  target[o + 13] = fields.etherType & 0xff;
  return ETHERNET_HEADER_LENGTH;
}
