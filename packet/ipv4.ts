/** IPv4 header codec (RFC 791). */

import { addressBytes, type AddressInput, ipv4ToString } from "./address.ts";
import { internetChecksum } from "./checksum.ts";

/** Length of an IPv4 header without options. */
export const IPV4_HEADER_LENGTH = 20;

/** A decoded IPv4 header. Offsets index the buffer given to {@link decodeIpv4}. */
export interface Ipv4Header {
  version: 4;
  /** Header length in bytes (IHL x 4). */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  df: boolean;
  mf: boolean;
  /** Fragment offset in bytes. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
  /** Where the payload starts. */
  payloadOffset: number;
  /** Where the payload ends: min(start + totalLength, buffer end), so link padding is cut. */
  payloadEnd: number;
  /** True when the buffer holds less than totalLength (snap length, or a quote inside ICMP). */
  truncated: boolean;
}

/**
 * Decode an IPv4 header at `offset`. Returns `undefined` for anything that is not
 * a plausible IPv4 header: wrong version, IHL < 5, header past the buffer end, or a
 * total length shorter than the header. A total length beyond the buffer is
 * accepted with `truncated: true`, because ICMP errors quote cut-down packets.
 */
export function decodeIpv4(bytes: Uint8Array, offset = 0): Ipv4Header | undefined {
  const avail = bytes.length - offset;
  if (offset < 0 || avail < IPV4_HEADER_LENGTH) return undefined;
  const b0 = bytes[offset];
  if (b0 >> 4 !== 4) return undefined;
  const headerLength = (b0 & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH || headerLength > avail) return undefined;
  const totalLength = (bytes[offset + 2] << 8) | bytes[offset + 3];
  if (totalLength < headerLength) return undefined;
  const flags = (bytes[offset + 6] << 8) | bytes[offset + 7];
  const truncated = totalLength > avail;
  return {
    version: 4,
    headerLength,
    tos: bytes[offset + 1],
    totalLength,
    id: (bytes[offset + 4] << 8) | bytes[offset + 5],
    df: (flags & 0x4000) !== 0,
    mf: (flags & 0x2000) !== 0,
    fragmentOffset: (flags & 0x1fff) * 8,
    ttl: bytes[offset + 8],
    protocol: bytes[offset + 9],
    checksum: (bytes[offset + 10] << 8) | bytes[offset + 11],
    src: ipv4ToString(bytes, offset + 12),
    dst: ipv4ToString(bytes, offset + 16),
    payloadOffset: offset + headerLength,
    payloadEnd: truncated ? bytes.length : offset + totalLength,
    truncated,
  };
}

/** True when the IPv4 header at `offset` carries a correct header checksum. */
export function ipv4ChecksumOk(bytes: Uint8Array, offset = 0): boolean {
  const header = decodeIpv4(bytes, offset);
  if (!header) return false;
  return internetChecksum(bytes.subarray(offset, offset + header.headerLength)) === 0;
}

/** Fields for {@link writeIpv4Header}. */
export interface Ipv4Fields {
  src: AddressInput;
  dst: AddressInput;
  protocol: number;
  /** Bytes that follow the header (and its options). */
  payloadLength: number;
  /** Default 64. */
  ttl?: number;
  /** Default 0. */
  id?: number;
  /** Don't-fragment bit; default false. */
  df?: boolean;
  /** Default 0. */
  tos?: number;
  /** Raw IP options; padded with zeros (end of options list) to a multiple of 4. */
  options?: Uint8Array;
}

/**
 * Write an IPv4 header with a correct checksum into `target` at `at.offset`.
 * Returns the header length.
 * @throws {RangeError} when options exceed 40 bytes, the packet exceeds 65535
 * bytes or the target is too small.
 */
export function writeIpv4Header(
  target: Uint8Array,
  fields: Ipv4Fields,
  at: { offset?: number } = {},
): number {
  const offset = at.offset ?? 0;
  const optionsLength = fields.options ? (fields.options.length + 3) & ~3 : 0;
  if (optionsLength > 40) throw new RangeError("IPv4 options exceed 40 bytes");
  const headerLength = IPV4_HEADER_LENGTH + optionsLength;
  const totalLength = headerLength + fields.payloadLength;
  if (totalLength > 0xffff) throw new RangeError(`IPv4 packet too long: ${totalLength}`);
  if (offset + headerLength > target.length) throw new RangeError("target too small");
  const src = addressBytes(fields.src);
  const dst = addressBytes(fields.dst);
  if (src.length !== 4 || dst.length !== 4) throw new TypeError("IPv4 header needs IPv4 addresses");
  target[offset] = 0x40 | (headerLength >> 2);
  target[offset + 1] = fields.tos ?? 0;
  target[offset + 2] = totalLength >> 8;
  target[offset + 3] = totalLength & 0xff;
  const id = fields.id ?? 0;
  target[offset + 4] = (id >> 8) & 0xff;
  target[offset + 5] = id & 0xff;
  target[offset + 6] = fields.df ? 0x40 : 0;
  target[offset + 7] = 0;
  target[offset + 8] = fields.ttl ?? 64;
  target[offset + 9] = fields.protocol;
  target[offset + 10] = 0;
  target[offset + 11] = 0;
  target.set(src, offset + 12);
  target.set(dst, offset + 16);
  if (fields.options) {
    target.set(fields.options, offset + 20);
    target.fill(0, offset + 20 + fields.options.length, offset + headerLength);
  }
  const sum = internetChecksum(target.subarray(offset, offset + headerLength));
  target[offset + 10] = sum >> 8;
  target[offset + 11] = sum & 0xff;
  return headerLength;
}
