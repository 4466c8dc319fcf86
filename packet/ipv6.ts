/** IPv6 header codec (RFC 8200), with an extension-header walk to the upper layer. */

import { addressBytes, type AddressInput, ipv6ToString } from "./address.ts";
import { IpProtocol } from "./constants.ts";

/** Length of the fixed IPv6 header. */
export const IPV6_HEADER_LENGTH = 40;

/** Most extension headers a packet may chain before the decoder gives up on it. */
export const MAX_EXTENSION_HEADERS = 16;

/** The fragment header's fields, when the packet has one. */
export interface Ipv6Fragment {
  /** Fragment offset in bytes. */
  offset: number;
  more: boolean;
  id: number;
}

/** A decoded IPv6 header. Offsets index the buffer given to {@link decodeIpv6}. */
export interface Ipv6Header {
  version: 6;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  /** The fixed header's Next Header field. */
  nextHeader: number;
  /** The upper-layer protocol after the extension headers (or the header the walk stopped at). */
  protocol: number;
  hopLimit: number;
  src: string;
  dst: string;
  /** Extension header types in the order met. */
  extensions: number[];
  fragment?: Ipv6Fragment;
  /** Where the upper-layer header starts. */
  payloadOffset: number;
  /** Where the packet ends: min(40 + payloadLength, buffer end). */
  payloadEnd: number;
  /** True when the buffer holds less than the header promises, or an extension header is cut. */
  truncated: boolean;
}

/** True for extension headers laid out as (next header, length in 8-octet units - 1, data). */
function isGenericExtension(type: number): boolean {
  return type === IpProtocol.HOPOPT || type === IpProtocol.IPV6_ROUTE ||
    type === IpProtocol.IPV6_OPTS || type === 135 || type === 139 || type === 140;
}

/**
 * Decode an IPv6 header at `offset` and walk hop-by-hop, routing, fragment,
 * destination-options, AH, mobility, HIP and shim6 headers to the upper layer.
 * Returns `undefined` when the version is not 6 or the fixed header is cut.
 * The walk stops (without failing) at a non-first fragment, at ESP, after
 * {@link MAX_EXTENSION_HEADERS} headers, or where a header runs off the buffer;
 * `protocol` is then the header it stopped at.
 */
export function decodeIpv6(bytes: Uint8Array, offset = 0): Ipv6Header | undefined {
  const avail = bytes.length - offset;
  if (offset < 0 || avail < IPV6_HEADER_LENGTH) return undefined;
  const b0 = bytes[offset];
  if (b0 >> 4 !== 6) return undefined;
  const b1 = bytes[offset + 1];
  const payloadLength = (bytes[offset + 4] << 8) | bytes[offset + 5];
  const nextHeader = bytes[offset + 6];
  // A zero length with hop-by-hop options may be a jumbogram: trust the buffer.
  const claimedEnd = payloadLength === 0 && nextHeader === IpProtocol.HOPOPT
    ? bytes.length
    : offset + IPV6_HEADER_LENGTH + payloadLength;
  let truncated = claimedEnd > bytes.length;
  const end = truncated ? bytes.length : claimedEnd;
  const extensions: number[] = [];
  let fragment: Ipv6Fragment | undefined;
  let protocol = nextHeader;
  let pos = offset + IPV6_HEADER_LENGTH;
  while (extensions.length < MAX_EXTENSION_HEADERS) {
    let length: number;
    if (isGenericExtension(protocol)) {
      if (pos + 2 > end) break;
      length = (bytes[pos + 1] + 1) * 8;
    } else if (protocol === IpProtocol.AH) {
      if (pos + 2 > end) break;
      length = (bytes[pos + 1] + 2) * 4;
    } else if (protocol === IpProtocol.IPV6_FRAG) {
      length = 8;
      if (pos + 8 > end) break;
      const word = (bytes[pos + 2] << 8) | bytes[pos + 3];
      fragment = {
        offset: word & 0xfff8,
        more: (word & 1) !== 0,
        id: ((bytes[pos + 4] << 24) | (bytes[pos + 5] << 16) | (bytes[pos + 6] << 8) |
          bytes[pos + 7]) >>> 0,
      };
    } else {
      break;
    }
    if (pos + length > end) break;
    extensions.push(protocol);
    protocol = bytes[pos];
    pos += length;
    if (fragment && fragment.offset !== 0) break;
  }
  // Still inside the chain: the cap was hit or a header is cut short, so the
  // upper layer was never reached.
  if (isGenericExtension(protocol) || protocol === IpProtocol.AH) truncated = true;
  return {
    version: 6,
    trafficClass: ((b0 & 0x0f) << 4) | (b1 >> 4),
    flowLabel: ((b1 & 0x0f) << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3],
    payloadLength,
    nextHeader,
    protocol,
    hopLimit: bytes[offset + 7],
    src: ipv6ToString(bytes, offset + 8),
    dst: ipv6ToString(bytes, offset + 24),
    extensions,
    fragment,
    payloadOffset: pos,
    payloadEnd: end,
    truncated,
  };
}

/** Fields for {@link writeIpv6Header}. */
export interface Ipv6Fields {
  src: AddressInput;
  dst: AddressInput;
  nextHeader: number;
  /** Bytes after the fixed header. */
  payloadLength: number;
  /** Default 64. */
  hopLimit?: number;
  /** Default 0. */
  trafficClass?: number;
  /** Default 0. */
  flowLabel?: number;
}

/**
 * Write the fixed 40-byte IPv6 header into `target` at `at.offset`. Returns 40.
 * @throws {RangeError} when the payload exceeds 65535 bytes or the target is too small.
 */
export function writeIpv6Header(
  target: Uint8Array,
  fields: Ipv6Fields,
  at: { offset?: number } = {},
): number {
  const offset = at.offset ?? 0;
  if (fields.payloadLength > 0xffff) throw new RangeError("IPv6 payload too long");
  if (offset + IPV6_HEADER_LENGTH > target.length) throw new RangeError("target too small");
  const src = addressBytes(fields.src);
  const dst = addressBytes(fields.dst);
  if (src.length !== 16 || dst.length !== 16) {
    throw new TypeError("IPv6 header needs IPv6 addresses");
  }
  const tc = fields.trafficClass ?? 0;
  const flow = fields.flowLabel ?? 0;
  target[offset] = 0x60 | (tc >> 4);
  target[offset + 1] = ((tc & 0x0f) << 4) | ((flow >> 16) & 0x0f);
  target[offset + 2] = (flow >> 8) & 0xff;
  target[offset + 3] = flow & 0xff;
  target[offset + 4] = fields.payloadLength >> 8;
  target[offset + 5] = fields.payloadLength & 0xff;
  target[offset + 6] = fields.nextHeader;
  target[offset + 7] = fields.hopLimit ?? 64;
  target.set(src, offset + 8);
  target.set(dst, offset + 24);
  return IPV6_HEADER_LENGTH;
}
