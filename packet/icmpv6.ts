/** ICMPv6 codec (RFC 4443, RFC 4861): echo, errors with their quoted packet, neighbour discovery. */

import { addressBytes, type AddressInput, ipv6ToString, macToString } from "./address.ts";
import { transportChecksum } from "./checksum.ts";
import { IpProtocol } from "./constants.ts";
import { decodeQuoted, type QuotedPacket } from "./quoted.ts";

/** ICMPv6 message types. */
export const Icmpv6Type = {
  DEST_UNREACHABLE: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAMETER_PROBLEM: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  ROUTER_SOLICITATION: 133,
  ROUTER_ADVERTISEMENT: 134,
  NEIGHBOR_SOLICITATION: 135,
  NEIGHBOR_ADVERTISEMENT: 136,
  REDIRECT: 137,
} as const;

/** Destination-unreachable codes (RFC 4443 section 3.1). */
export const Icmpv6UnreachCode = {
  NO_ROUTE: 0,
  ADMIN_PROHIBITED: 1,
  BEYOND_SCOPE: 2,
  ADDRESS: 3,
  PORT: 4,
  POLICY: 5,
  REJECT_ROUTE: 6,
} as const;

/** A decoded ICMPv6 message; type-specific fields are present only where they apply. */
export interface Icmpv6Message {
  type: number;
  code: number;
  checksum: number;
  /** Echo request/reply. */
  id?: number;
  seq?: number;
  /** Packet too big. */
  mtu?: number;
  /** Parameter problem. */
  pointer?: number;
  /** Neighbour solicitation/advertisement: the address asked or told about. */
  targetAddress?: string;
  /** Neighbour advertisement flags. */
  router?: boolean;
  solicited?: boolean;
  override?: boolean;
  /** Link-layer address options (types 1 and 2), as MAC text. */
  sourceLinkAddress?: string;
  targetLinkAddress?: string;
  /** Errors: the packet that caused this message. */
  quoted?: QuotedPacket;
  payloadOffset: number;
  payloadEnd: number;
}

function readNdOptions(bytes: Uint8Array, start: number, end: number, msg: Icmpv6Message): void {
  let i = start;
  while (i + 2 <= end) {
    const len = bytes[i + 1] * 8;
    // A zero length would loop forever (RFC 4861 says drop the packet); stop here.
    if (len === 0 || i + len > end) return;
    if (len >= 8) {
      if (bytes[i] === 1) msg.sourceLinkAddress = macToString(bytes, i + 2);
      else if (bytes[i] === 2) msg.targetLinkAddress = macToString(bytes, i + 2);
    }
    i += len;
  }
}

/**
 * Decode an ICMPv6 message at `at.offset`, bounded by `at.end`. Returns
 * `undefined` when fewer than 4 bytes remain (8 for types with a fixed 8-byte header).
 */
export function decodeIcmpv6(
  bytes: Uint8Array,
  at: { offset?: number; end?: number } = {},
): Icmpv6Message | undefined {
  const offset = at.offset ?? 0;
  const end = Math.min(at.end ?? bytes.length, bytes.length);
  if (offset < 0 || end - offset < 8) return undefined;
  const type = bytes[offset];
  const msg: Icmpv6Message = {
    type,
    code: bytes[offset + 1],
    checksum: (bytes[offset + 2] << 8) | bytes[offset + 3],
    payloadOffset: offset + 8,
    payloadEnd: end,
  };
  const word = ((bytes[offset + 4] << 24) | (bytes[offset + 5] << 16) |
    (bytes[offset + 6] << 8) | bytes[offset + 7]) >>> 0;
  switch (type) {
    case Icmpv6Type.ECHO_REQUEST:
    case Icmpv6Type.ECHO_REPLY:
      msg.id = word >>> 16;
      msg.seq = word & 0xffff;
      break;
    case Icmpv6Type.PACKET_TOO_BIG:
      msg.mtu = word;
      break;
    case Icmpv6Type.PARAMETER_PROBLEM:
      msg.pointer = word;
      break;
    case Icmpv6Type.NEIGHBOR_SOLICITATION:
    case Icmpv6Type.NEIGHBOR_ADVERTISEMENT:
      if (offset + 24 > end) break;
      msg.targetAddress = ipv6ToString(bytes, offset + 8);
      if (type === Icmpv6Type.NEIGHBOR_ADVERTISEMENT) {
        const f = bytes[offset + 4];
        msg.router = (f & 0x80) !== 0;
        msg.solicited = (f & 0x40) !== 0;
        msg.override = (f & 0x20) !== 0;
      }
      msg.payloadOffset = offset + 24;
      readNdOptions(bytes, offset + 24, end, msg);
      break;
  }
  if (type >= 1 && type <= 4) {
    const inner = decodeQuoted(bytes.subarray(0, end), offset + 8);
    if (inner) msg.quoted = inner;
  }
  return msg;
}

/** Fields for {@link writeIcmpv6}. */
export interface Icmpv6Fields {
  type: number;
  /** Default 0. */
  code?: number;
  /** Echo id (bytes 4-5); default 0. */
  id?: number;
  /** Echo sequence (bytes 6-7); default 0. */
  seq?: number;
  /** Raw bytes 4-7 instead of id/seq (e.g. the MTU of packet-too-big). */
  word?: number;
  payload?: Uint8Array;
}

function finishChecksum(
  target: Uint8Array,
  offset: number,
  length: number,
  pseudo: { src: AddressInput; dst: AddressInput },
): void {
  const sum = transportChecksum(target.subarray(offset, offset + length), {
    src: addressBytes(pseudo.src),
    dst: addressBytes(pseudo.dst),
    protocol: IpProtocol.ICMPV6,
  });
  target[offset + 2] = sum >> 8;
  target[offset + 3] = sum & 0xff;
}

/**
 * Write an ICMPv6 message into `target` at `at.offset`, with the checksum over
 * the IPv6 pseudo-header of `at.src` and `at.dst` (ICMPv6 always needs them).
 * Returns the message length.
 */
export function writeIcmpv6(
  target: Uint8Array,
  fields: Icmpv6Fields,
  at: { offset?: number; src: AddressInput; dst: AddressInput },
): number {
  const offset = at.offset ?? 0;
  const length = 8 + (fields.payload?.length ?? 0);
  if (offset + length > target.length) throw new RangeError("target too small");
  const word = fields.word ?? ((((fields.id ?? 0) & 0xffff) << 16) | ((fields.seq ?? 0) & 0xffff));
  target[offset] = fields.type;
  target[offset + 1] = fields.code ?? 0;
  target[offset + 2] = 0;
  target[offset + 3] = 0;
  target[offset + 4] = (word >>> 24) & 0xff;
  target[offset + 5] = (word >>> 16) & 0xff;
  target[offset + 6] = (word >>> 8) & 0xff;
  target[offset + 7] = word & 0xff;
  if (fields.payload) target.set(fields.payload, offset + 8);
  finishChecksum(target, offset, length, at);
  return length;
}

/**
 * Write a neighbour solicitation (or, with `fields.advertise`, an advertisement)
 * for `fields.target`, with a link-layer address option when `fields.mac` is given.
 * Returns the message length (24, or 32 with the option).
 */
export function writeNeighborDiscovery(
  target: Uint8Array,
  fields: {
    target: AddressInput;
    mac?: Uint8Array;
    advertise?: { router?: boolean; solicited?: boolean; override?: boolean };
  },
  at: { offset?: number; src: AddressInput; dst: AddressInput },
): number {
  const offset = at.offset ?? 0;
  const length = fields.mac ? 32 : 24;
  if (offset + length > target.length) throw new RangeError("target too small");
  const addr = addressBytes(fields.target);
  if (addr.length !== 16) throw new TypeError("neighbour discovery needs an IPv6 target");
  const adv = fields.advertise;
  target[offset] = adv ? Icmpv6Type.NEIGHBOR_ADVERTISEMENT : Icmpv6Type.NEIGHBOR_SOLICITATION;
  target.fill(0, offset + 1, offset + 8);
  if (adv) {
    target[offset + 4] = (adv.router ? 0x80 : 0) | (adv.solicited ? 0x40 : 0) |
      (adv.override ? 0x20 : 0);
  }
  target.set(addr, offset + 8);
  if (fields.mac) {
    // Solicitations carry the sender's address (type 1), advertisements the target's (type 2).
    target[offset + 24] = adv ? 2 : 1;
    target[offset + 25] = 1;
    target.set(fields.mac.subarray(0, 6), offset + 26);
  }
  finishChecksum(target, offset, length, at);
  return length;
}

/** The solicited-node multicast address (ff02::1:ffXX:XXXX) a solicitation for `address` goes to. */
export function solicitedNodeAddress(address: AddressInput): Uint8Array {
  const a = addressBytes(address);
  if (a.length !== 16) throw new TypeError("solicited-node address needs an IPv6 address");
  const out = new Uint8Array(16);
  out[0] = 0xff;
  out[1] = 0x02;
  out[11] = 0x01;
  out[12] = 0xff;
  out.set(a.subarray(13), 13);
  return out;
}
