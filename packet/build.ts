/**
 * Whole-packet builders: IP header plus transport header with correct checksums,
 * for IPv4 or IPv6 according to the addresses given. These are what a raw
 * sender hands to the socket.
 */

import { addressBytes, type AddressInput } from "./address.ts";
import { IpProtocol } from "./constants.ts";
import { type IcmpFields, icmpLength, writeIcmp } from "./icmp.ts";
import { writeIcmpv6 } from "./icmpv6.ts";
import { IPV4_HEADER_LENGTH, writeIpv4Header } from "./ipv4.ts";
import { IPV6_HEADER_LENGTH, writeIpv6Header } from "./ipv6.ts";
import { TCP_SYN, type TcpFields, tcpSegmentLength, writeTcp } from "./tcp.ts";
import { UDP_HEADER_LENGTH, type UdpFields, writeUdp } from "./udp.ts";

/** The IP layer of a built packet. The family follows the addresses, which must match. */
export interface IpEnvelope {
  src: AddressInput;
  dst: AddressInput;
  /** TTL or hop limit; default 64. */
  ttl?: number;
  /** IPv4 identification; default 0. (Not `id`: ICMP echo has an id of its own.) */
  ipId?: number;
  /** IPv4 don't-fragment bit; default false. */
  df?: boolean;
  /** IPv4 TOS / IPv6 traffic class; default 0. */
  tos?: number;
  /** IPv6 flow label; default 0. */
  flowLabel?: number;
  /** Raw IPv4 options. */
  ipOptions?: Uint8Array;
}

/** Where a builder writes; by default into a new array of the exact size. */
export interface BuildTarget {
  target?: Uint8Array;
  offset?: number;
}

/** A TCP packet to build. */
export type TcpPacketSpec = IpEnvelope & TcpFields;

function ipHeaderLength(src: Uint8Array, spec: IpEnvelope): number {
  if (src.length === 16) return IPV6_HEADER_LENGTH;
  return IPV4_HEADER_LENGTH + (spec.ipOptions ? (spec.ipOptions.length + 3) & ~3 : 0);
}

/** Write the IP header for `payloadLength` bytes of `protocol`; returns its length. */
function writeIp(
  buf: Uint8Array,
  spec: IpEnvelope & { src: Uint8Array; dst: Uint8Array },
  layer: { offset: number; protocol: number; payloadLength: number },
): number {
  if (spec.src.length !== spec.dst.length) {
    throw new TypeError("source and destination must be the same address family");
  }
  if (spec.src.length === 4) {
    return writeIpv4Header(buf, {
      src: spec.src,
      dst: spec.dst,
      protocol: layer.protocol,
      payloadLength: layer.payloadLength,
      ttl: spec.ttl,
      id: spec.ipId,
      df: spec.df,
      tos: spec.tos,
      options: spec.ipOptions,
    }, { offset: layer.offset });
  }
  return writeIpv6Header(buf, {
    src: spec.src,
    dst: spec.dst,
    nextHeader: layer.protocol,
    payloadLength: layer.payloadLength,
    hopLimit: spec.ttl,
    trafficClass: spec.tos,
    flowLabel: spec.flowLabel,
  }, { offset: layer.offset });
}

function prepare(
  spec: IpEnvelope,
  transportLength: number,
  out: BuildTarget,
): { buf: Uint8Array; offset: number; src: Uint8Array; dst: Uint8Array; ipLength: number } {
  const src = addressBytes(spec.src);
  const dst = addressBytes(spec.dst);
  const ipLength = ipHeaderLength(src, spec);
  const offset = out.offset ?? 0;
  const buf = out.target ?? new Uint8Array(offset + ipLength + transportLength);
  if (offset + ipLength + transportLength > buf.length) throw new RangeError("target too small");
  return { buf, offset, src, dst, ipLength };
}

/**
 * Build an IPv4 or IPv6 packet carrying a TCP segment, checksums included.
 * Returns the written bytes (a view into `out.target` when one is given).
 */
export function buildTcpPacket(spec: TcpPacketSpec, out: BuildTarget = {}): Uint8Array {
  const length = tcpSegmentLength(spec);
  const { buf, offset, src, dst, ipLength } = prepare(spec, length, out);
  writeIp(buf, { ...spec, src, dst }, {
    offset,
    protocol: IpProtocol.TCP,
    payloadLength: length,
  });
  writeTcp(buf, spec, { offset: offset + ipLength, src, dst });
  return buf.subarray(offset, offset + ipLength + length);
}

/**
 * Build a SYN probe: {@link buildTcpPacket} with the SYN flag unless `flags` says otherwise.
 * @example
 * buildTcpSyn({ src: "127.0.0.1", dst: "127.0.0.1", srcPort: 40000, dstPort: 22,
 *   seq: cookie, options: [{ kind: "mss", value: 1460 }] });
 */
export function buildTcpSyn(
  spec: IpEnvelope & Omit<TcpFields, "flags"> & { flags?: number },
  out: BuildTarget = {},
): Uint8Array {
  return buildTcpPacket({ ...spec, flags: spec.flags ?? TCP_SYN }, out);
}

/** Build an IPv4 or IPv6 packet carrying a UDP datagram, checksums included. */
export function buildUdpPacket(spec: IpEnvelope & UdpFields, out: BuildTarget = {}): Uint8Array {
  const length = UDP_HEADER_LENGTH + (spec.payload?.length ?? 0);
  const { buf, offset, src, dst, ipLength } = prepare(spec, length, out);
  writeIp(buf, { ...spec, src, dst }, { offset, protocol: IpProtocol.UDP, payloadLength: length });
  writeUdp(buf, spec, { offset: offset + ipLength, src, dst });
  return buf.subarray(offset, offset + ipLength + length);
}

/**
 * Build an ICMP echo request (or any ICMP message given by `type`): ICMPv4 over
 * IPv4, ICMPv6 over IPv6. For IPv6, `type` defaults to echo request (128) and
 * timestamps are not allowed.
 */
export function buildIcmpPacket(
  spec: IpEnvelope & Omit<IcmpFields, "type"> & { type?: number },
  out: BuildTarget = {},
): Uint8Array {
  const v6 = addressBytes(spec.src).length === 16;
  if (v6 && spec.timestamps) throw new TypeError("ICMPv6 has no timestamp messages");
  const fields: IcmpFields = { ...spec, type: spec.type ?? (v6 ? 128 : 8) };
  const length = icmpLength(fields);
  const { buf, offset, src, dst, ipLength } = prepare(spec, length, out);
  const protocol = v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP;
  writeIp(buf, { ...spec, src, dst }, { offset, protocol, payloadLength: length });
  if (v6) writeIcmpv6(buf, fields, { offset: offset + ipLength, src, dst });
  else writeIcmp(buf, fields, { offset: offset + ipLength });
  return buf.subarray(offset, offset + ipLength + length);
}
