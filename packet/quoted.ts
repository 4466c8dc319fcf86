/**
 * The packet an ICMP or ICMPv6 error quotes back: its IP header and at least the
 * first 8 bytes of its transport header, which is enough to match it to a probe.
 */

import { IpProtocol } from "./constants.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";

/** Summary of a quoted (original) packet. Fields the quote was too short for are absent. */
export interface QuotedPacket {
  version: 4 | 6;
  /** Upper-layer protocol of the original packet. */
  protocol: number;
  src: string;
  dst: string;
  /** IPv4 id, or the IPv6 fragment id (0 when unfragmented). */
  id: number;
  /** TTL / hop limit as it reached the reporting router (often 0 or 1). */
  ttl: number;
  /** Total length the original claimed (IPv6: 40 + payload length). */
  totalLength: number;
  /** TCP, UDP and SCTP ports. */
  srcPort?: number;
  dstPort?: number;
  /** TCP sequence number: carries the probe cookie. */
  seq?: number;
  /** SCTP verification tag. */
  vtag?: number;
  /** Quoted ICMP / ICMPv6 header fields. */
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  icmpSeq?: number;
}

/** Decode a quoted packet at `offset`, or `undefined` if no IP header is there. */
export function decodeQuoted(bytes: Uint8Array, offset: number): QuotedPacket | undefined {
  if (offset < 0 || offset >= bytes.length) return undefined;
  const version = bytes[offset] >> 4;
  let q: QuotedPacket;
  let pos: number;
  let end: number;
  let firstFragment = true;
  if (version === 4) {
    const h = decodeIpv4(bytes, offset);
    if (!h) return undefined;
    q = {
      version: 4,
      protocol: h.protocol,
      src: h.src,
      dst: h.dst,
      id: h.id,
      ttl: h.ttl,
      totalLength: h.totalLength,
    };
    pos = h.payloadOffset;
    end = h.payloadEnd;
    firstFragment = h.fragmentOffset === 0;
  } else if (version === 6) {
    const h = decodeIpv6(bytes, offset);
    if (!h) return undefined;
    q = {
      version: 6,
      protocol: h.protocol,
      src: h.src,
      dst: h.dst,
      id: h.fragment?.id ?? 0,
      ttl: h.hopLimit,
      totalLength: 40 + h.payloadLength,
    };
    pos = h.payloadOffset;
    end = h.payloadEnd;
    firstFragment = !h.fragment || h.fragment.offset === 0;
  } else {
    return undefined;
  }
  if (!firstFragment) return q;
  const p = q.protocol;
  if (
    (p === IpProtocol.TCP || p === IpProtocol.UDP || p === IpProtocol.SCTP) && pos + 4 <= end
  ) {
    q.srcPort = (bytes[pos] << 8) | bytes[pos + 1];
    q.dstPort = (bytes[pos + 2] << 8) | bytes[pos + 3];
    if (pos + 8 <= end && p !== IpProtocol.UDP) {
      const word = ((bytes[pos + 4] << 24) | (bytes[pos + 5] << 16) | (bytes[pos + 6] << 8) |
        bytes[pos + 7]) >>> 0;
      if (p === IpProtocol.TCP) q.seq = word;
      else q.vtag = word;
    }
  } else if ((p === IpProtocol.ICMP || p === IpProtocol.ICMPV6) && pos + 2 <= end) {
    q.icmpType = bytes[pos];
    q.icmpCode = bytes[pos + 1];
    if (pos + 8 <= end) {
      q.icmpId = (bytes[pos + 4] << 8) | bytes[pos + 5];
      q.icmpSeq = (bytes[pos + 6] << 8) | bytes[pos + 7];
    }
  }
  return q;
}
