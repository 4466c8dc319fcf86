/** ARP codec (RFC 826) for Ethernet hardware and IPv4 protocol addresses. */

import { addressBytes, type AddressInput, ipv4ToString, macToString } from "./address.ts";
import { EtherType } from "./constants.ts";

/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LENGTH = 28;

/** ARP operations. */
export const ArpOp = { REQUEST: 1, REPLY: 2 } as const;

/** A decoded Ethernet/IPv4 ARP packet. */
export interface ArpPacket {
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

/**
 * Decode an ARP packet at `offset`. Returns `undefined` unless it is Ethernet
 * (hardware type 1, length 6) over IPv4 (0x0800, length 4) and all 28 bytes are there.
 */
export function decodeArp(bytes: Uint8Array, offset = 0): ArpPacket | undefined {
  if (offset < 0 || bytes.length - offset < ARP_LENGTH) return undefined;
  const htype = (bytes[offset] << 8) | bytes[offset + 1];
  const ptype = (bytes[offset + 2] << 8) | bytes[offset + 3];
  if (htype !== 1 || ptype !== EtherType.IPV4) return undefined;
  if (bytes[offset + 4] !== 6 || bytes[offset + 5] !== 4) return undefined;
  return {
    op: (bytes[offset + 6] << 8) | bytes[offset + 7],
    senderMac: macToString(bytes, offset + 8),
    senderIp: ipv4ToString(bytes, offset + 14),
    targetMac: macToString(bytes, offset + 18),
    targetIp: ipv4ToString(bytes, offset + 24),
  };
}

/** Fields for {@link writeArp}. */
export interface ArpFields {
  op: number;
  senderMac: Uint8Array;
  senderIp: AddressInput;
  /** Default all zeros, as in a request. */
  targetMac?: Uint8Array;
  targetIp: AddressInput;
}

/** Write a 28-byte Ethernet/IPv4 ARP packet into `target` at `at.offset`. Returns 28. */
export function writeArp(
  target: Uint8Array,
  fields: ArpFields,
  at: { offset?: number } = {},
): number {
  const o = at.offset ?? 0;
  if (o + ARP_LENGTH > target.length) throw new RangeError("target too small");
  const sip = addressBytes(fields.senderIp);
  const tip = addressBytes(fields.targetIp);
  if (sip.length !== 4 || tip.length !== 4) throw new TypeError("ARP needs IPv4 addresses");
  target.set([0, 1, 0x08, 0x00, 6, 4, fields.op >> 8, fields.op & 0xff], o);
  target.set(fields.senderMac.subarray(0, 6), o + 8);
  target.set(sip, o + 14);
  if (fields.targetMac) target.set(fields.targetMac.subarray(0, 6), o + 18);
  else target.fill(0, o + 18, o + 24);
  target.set(tip, o + 24);
  return ARP_LENGTH;
}
