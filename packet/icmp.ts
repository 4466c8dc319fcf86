/** ICMPv4 codec (RFC 792, RFC 1191): echo, timestamp, errors with their quoted packet. */

import { ipv4ToString } from "./address.ts";
import { internetChecksum } from "./checksum.ts";
import { decodeQuoted, type QuotedPacket } from "./quoted.ts";

/** ICMPv4 message types. */
export const IcmpType = {
  ECHO_REPLY: 0,
  DEST_UNREACHABLE: 3,
  SOURCE_QUENCH: 4,
  REDIRECT: 5,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  PARAMETER_PROBLEM: 12,
  TIMESTAMP_REQUEST: 13,
  TIMESTAMP_REPLY: 14,
  ADDRESS_MASK_REQUEST: 17,
  ADDRESS_MASK_REPLY: 18,
} as const;

/** Destination-unreachable codes that port scanners read. */
export const IcmpUnreachCode = {
  NET: 0,
  HOST: 1,
  PROTOCOL: 2,
  PORT: 3,
  FRAG_NEEDED: 4,
  NET_PROHIBITED: 9,
  HOST_PROHIBITED: 10,
  ADMIN_PROHIBITED: 13,
} as const;

/** A decoded ICMPv4 message; type-specific fields are present only where they apply. */
export interface IcmpMessage {
  type: number;
  code: number;
  checksum: number;
  /** Echo, timestamp and address-mask messages. */
  id?: number;
  seq?: number;
  /** Timestamp messages: milliseconds since midnight UT. */
  originate?: number;
  receive?: number;
  transmit?: number;
  /** Address-mask reply. */
  addressMask?: string;
  /** Redirect: the better gateway. */
  gateway?: string;
  /** Fragmentation needed: the next-hop MTU (0 from pre-RFC 1191 routers). */
  mtu?: number;
  /** Parameter problem: the offending octet. */
  pointer?: number;
  /** Errors: the packet that caused this message. */
  quoted?: QuotedPacket;
  /** Where the data after the 8-byte header starts. */
  payloadOffset: number;
  payloadEnd: number;
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

/** True for ICMPv4 error types, whose body quotes the offending packet. */
export function isIcmpError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/**
 * Decode an ICMPv4 message at `at.offset`, bounded by `at.end`. Returns
 * `undefined` when fewer than 8 bytes remain. Body fields that are cut short are
 * left out rather than failing the message.
 */
export function decodeIcmp(
  bytes: Uint8Array,
  at: { offset?: number; end?: number } = {},
): IcmpMessage | undefined {
  const offset = at.offset ?? 0;
  const end = Math.min(at.end ?? bytes.length, bytes.length);
  if (offset < 0 || end - offset < 8) return undefined;
  const type = bytes[offset];
  const msg: IcmpMessage = {
    type,
    code: bytes[offset + 1],
    checksum: (bytes[offset + 2] << 8) | bytes[offset + 3],
    payloadOffset: offset + 8,
    payloadEnd: end,
  };
  const d = offset + 8;
  switch (type) {
    case IcmpType.ECHO_REPLY:
    case IcmpType.ECHO_REQUEST:
    case IcmpType.TIMESTAMP_REQUEST:
    case IcmpType.TIMESTAMP_REPLY:
    case IcmpType.ADDRESS_MASK_REQUEST:
    case IcmpType.ADDRESS_MASK_REPLY:
      msg.id = (bytes[offset + 4] << 8) | bytes[offset + 5];
      msg.seq = (bytes[offset + 6] << 8) | bytes[offset + 7];
      if ((type === 13 || type === 14) && d + 12 <= end) {
        msg.originate = u32(bytes, d);
        msg.receive = u32(bytes, d + 4);
        msg.transmit = u32(bytes, d + 8);
      } else if ((type === 17 || type === 18) && d + 4 <= end) {
        msg.addressMask = ipv4ToString(bytes, d);
      }
      break;
    case IcmpType.DEST_UNREACHABLE:
      if (msg.code === IcmpUnreachCode.FRAG_NEEDED) {
        msg.mtu = (bytes[offset + 6] << 8) | bytes[offset + 7];
      }
      break;
    case IcmpType.REDIRECT:
      msg.gateway = ipv4ToString(bytes, offset + 4);
      break;
    case IcmpType.PARAMETER_PROBLEM:
      msg.pointer = bytes[offset + 4];
      break;
  }
  if (isIcmpError(type)) {
    const inner = decodeQuoted(bytes.subarray(0, end), d);
    if (inner) msg.quoted = inner;
  }
  return msg;
}

/** Fields for {@link writeIcmp}. */
export interface IcmpFields {
  type: number;
  /** Default 0. */
  code?: number;
  /** Bytes 4-5 (echo/timestamp id); default 0. */
  id?: number;
  /** Bytes 6-7 (echo/timestamp sequence); default 0. */
  seq?: number;
  /** Timestamp messages: written as the first 12 body bytes, before `payload`. */
  timestamps?: { originate: number; receive?: number; transmit?: number };
  payload?: Uint8Array;
}

/** Length of the message {@link writeIcmp} would write. */
export function icmpLength(fields: IcmpFields): number {
  return 8 + (fields.timestamps ? 12 : 0) + (fields.payload?.length ?? 0);
}

/**
 * Write an ICMPv4 message with its checksum into `target` at `at.offset`.
 * Returns the message length.
 * @example
 * writeIcmp(buf, { type: IcmpType.ECHO_REQUEST, id: 0x1234, seq: 1 });
 */
export function writeIcmp(
  target: Uint8Array,
  fields: IcmpFields,
  at: { offset?: number } = {},
): number {
  const offset = at.offset ?? 0;
  const length = icmpLength(fields);
  if (offset + length > target.length) throw new RangeError("target too small");
  const id = fields.id ?? 0;
  const seq = fields.seq ?? 0;
  target[offset] = fields.type;
  target[offset + 1] = fields.code ?? 0;
  target[offset + 2] = 0;
  target[offset + 3] = 0;
  target[offset + 4] = id >> 8;
  target[offset + 5] = id & 0xff;
  target[offset + 6] = seq >> 8;
  target[offset + 7] = seq & 0xff;
  let i = offset + 8;
  if (fields.timestamps) {
    const t = fields.timestamps;
    for (const v of [t.originate, t.receive ?? 0, t.transmit ?? 0]) {
      target[i] = (v >>> 24) & 0xff;
      target[i + 1] = (v >>> 16) & 0xff;
      target[i + 2] = (v >>> 8) & 0xff;
      target[i + 3] = v & 0xff;
      i += 4;
    }
  }
  if (fields.payload) target.set(fields.payload, i);
  const sum = internetChecksum(target.subarray(offset, offset + length));
  target[offset + 2] = sum >> 8;
  target[offset + 3] = sum & 0xff;
  return length;
}
