/** UDP header codec (RFC 768). */

import { addressBytes, type AddressInput } from "./address.ts";
import { transportChecksum } from "./checksum.ts";
import { IpProtocol } from "./constants.ts";

/** Length of a UDP header. */
export const UDP_HEADER_LENGTH = 8;

/** A decoded UDP header. Offsets index the buffer given to {@link decodeUdp}. */
export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  /** The length field (header + data) as sent. */
  length: number;
  checksum: number;
  payloadOffset: number;
  /** min(offset + length, end): the datagram's own length wins over link padding. */
  payloadEnd: number;
}

/**
 * Decode a UDP header at `at.offset`, bounded by `at.end`. Returns `undefined`
 * when fewer than 8 bytes remain or the length field is below 8.
 */
export function decodeUdp(
  bytes: Uint8Array,
  at: { offset?: number; end?: number } = {},
): UdpHeader | undefined {
  const offset = at.offset ?? 0;
  const end = Math.min(at.end ?? bytes.length, bytes.length);
  if (offset < 0 || end - offset < UDP_HEADER_LENGTH) return undefined;
  const length = (bytes[offset + 4] << 8) | bytes[offset + 5];
  if (length < UDP_HEADER_LENGTH) return undefined;
  return {
    srcPort: (bytes[offset] << 8) | bytes[offset + 1],
    dstPort: (bytes[offset + 2] << 8) | bytes[offset + 3],
    length,
    checksum: (bytes[offset + 6] << 8) | bytes[offset + 7],
    payloadOffset: offset + UDP_HEADER_LENGTH,
    payloadEnd: Math.min(offset + length, end),
  };
}

/** Fields for {@link writeUdp}. */
export interface UdpFields {
  srcPort: number;
  dstPort: number;
  payload?: Uint8Array;
}

/**
 * Write a UDP datagram into `target` at `at.offset`. With `at.src` and `at.dst`
 * the checksum is computed (a computed 0 is sent as 0xffff, RFC 768); without
 * them it is left 0, which IPv4 reads as "no checksum". Returns the length.
 */
export function writeUdp(
  target: Uint8Array,
  fields: UdpFields,
  at: { offset?: number; src?: AddressInput; dst?: AddressInput } = {},
): number {
  const offset = at.offset ?? 0;
  const length = UDP_HEADER_LENGTH + (fields.payload?.length ?? 0);
  if (length > 0xffff) throw new RangeError("UDP datagram too long");
  if (offset + length > target.length) throw new RangeError("target too small");
  target[offset] = fields.srcPort >> 8;
  target[offset + 1] = fields.srcPort & 0xff;
  target[offset + 2] = fields.dstPort >> 8;
  target[offset + 3] = fields.dstPort & 0xff;
  target[offset + 4] = length >> 8;
  target[offset + 5] = length & 0xff;
  target[offset + 6] = 0;
  target[offset + 7] = 0;
  if (fields.payload) target.set(fields.payload, offset + UDP_HEADER_LENGTH);
  if (at.src !== undefined && at.dst !== undefined) {
    const sum = transportChecksum(target.subarray(offset, offset + length), {
      src: addressBytes(at.src),
      dst: addressBytes(at.dst),
      protocol: IpProtocol.UDP,
    }) || 0xffff;
    target[offset + 6] = sum >> 8;
    target[offset + 7] = sum & 0xff;
  }
  return length;
}
