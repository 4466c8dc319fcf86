/** TCP header and options codec (RFC 9293, RFC 7323, RFC 2018). */

import { addressBytes, type AddressInput } from "./address.ts";
import { transportChecksum } from "./checksum.ts";
import { IpProtocol } from "./constants.ts";

/** Length of a TCP header without options. */
export const TCP_HEADER_LENGTH = 20;

/** FIN flag bit. */
export const TCP_FIN = 0x01;
/** SYN flag bit. */
export const TCP_SYN = 0x02;
/** RST flag bit. */
export const TCP_RST = 0x04;
/** PSH flag bit. */
export const TCP_PSH = 0x08;
/** ACK flag bit. */
export const TCP_ACK = 0x10;
/** URG flag bit. */
export const TCP_URG = 0x20;
/** ECE flag bit (RFC 3168). */
export const TCP_ECE = 0x40;
/** CWR flag bit (RFC 3168). */
export const TCP_CWR = 0x80;
/** The historic ECN-nonce bit (RFC 3540), the low bit of the data-offset byte. */
export const TCP_NS = 0x100;

/** TCP flag bits by name. */
export const TcpFlags = {
  FIN: TCP_FIN,
  SYN: TCP_SYN,
  RST: TCP_RST,
  PSH: TCP_PSH,
  ACK: TCP_ACK,
  URG: TCP_URG,
  ECE: TCP_ECE,
  CWR: TCP_CWR,
  NS: TCP_NS,
} as const;

/** TCP option kinds (IANA "TCP Option Kind Numbers"). */
export const TcpOptionKind = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WSCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMP: 8,
} as const;

/** One TCP option, decoded. Kinds this codec does not know, or known kinds with a wrong length, stay raw. */
export type TcpOption =
  | { kind: "eol" }
  | { kind: "nop" }
  | { kind: "mss"; value: number }
  | { kind: "wscale"; shift: number }
  | { kind: "sackPermitted" }
  | { kind: "sack"; blocks: Array<[number, number]> }
  | { kind: "timestamp"; value: number; echo: number }
  | { kind: "unknown"; code: number; data: Uint8Array };

/** A decoded TCP header. Offsets index the buffer given to {@link decodeTcp}. */
export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Header length in bytes (data offset x 4). */
  headerLength: number;
  /** Flag bits, see {@link TcpFlags}; includes {@link TCP_NS}. */
  flags: number;
  window: number;
  checksum: number;
  urgent: number;
  options: TcpOption[];
  /** True when the option list ran off the header or had a zero/one length. */
  optionsMalformed: boolean;
  payloadOffset: number;
  payloadEnd: number;
}

function u32(bytes: Uint8Array, i: number): number {
  return ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
}

/**
 * Decode TCP options from `bytes[start, end)`. Stops at EOL (which is kept in the
 * list, since its presence is part of a stack's fingerprint) or at a malformed
 * length; `malformed` reports the latter.
 */
export function decodeTcpOptions(
  bytes: Uint8Array,
  range: { start: number; end: number },
): { options: TcpOption[]; malformed: boolean } {
  const options: TcpOption[] = [];
  let i = range.start;
  const end = Math.min(range.end, bytes.length);
  while (i < end) {
    const code = bytes[i];
    if (code === TcpOptionKind.EOL) {
      options.push({ kind: "eol" });
      return { options, malformed: false };
    }
    if (code === TcpOptionKind.NOP) {
      options.push({ kind: "nop" });
      i++;
      continue;
    }
    if (i + 1 >= end) return { options, malformed: true };
    const len = bytes[i + 1];
    if (len < 2 || i + len > end) return { options, malformed: true };
    const d = i + 2;
    if (code === TcpOptionKind.MSS && len === 4) {
      options.push({ kind: "mss", value: (bytes[d] << 8) | bytes[d + 1] });
    } else if (code === TcpOptionKind.WSCALE && len === 3) {
      options.push({ kind: "wscale", shift: bytes[d] });
    } else if (code === TcpOptionKind.SACK_PERMITTED && len === 2) {
      options.push({ kind: "sackPermitted" });
    } else if (code === TcpOptionKind.TIMESTAMP && len === 10) {
      options.push({ kind: "timestamp", value: u32(bytes, d), echo: u32(bytes, d + 4) });
    } else if (code === TcpOptionKind.SACK && len >= 10 && (len - 2) % 8 === 0) {
      const blocks: Array<[number, number]> = [];
      for (let b = d; b < i + len; b += 8) blocks.push([u32(bytes, b), u32(bytes, b + 4)]);
      options.push({ kind: "sack", blocks });
    } else {
      options.push({ kind: "unknown", code, data: bytes.slice(d, i + len) });
    }
    i += len;
  }
  return { options, malformed: false };
}

/**
 * Decode a TCP header at `offset`, bounded by `end` (default: buffer end).
 * Returns `undefined` when fewer than 20 bytes remain, the data offset is below 5,
 * or the header runs past `end`. Malformed options do not fail the header.
 */
export function decodeTcp(
  bytes: Uint8Array,
  at: { offset?: number; end?: number } = {},
): TcpHeader | undefined {
  const offset = at.offset ?? 0;
  const end = Math.min(at.end ?? bytes.length, bytes.length);
  if (offset < 0 || end - offset < TCP_HEADER_LENGTH) return undefined;
  const b12 = bytes[offset + 12];
  const headerLength = (b12 >> 4) * 4;
  if (headerLength < TCP_HEADER_LENGTH || offset + headerLength > end) return undefined;
  const { options, malformed } = headerLength > TCP_HEADER_LENGTH
    ? decodeTcpOptions(bytes, { start: offset + TCP_HEADER_LENGTH, end: offset + headerLength })
    : { options: [], malformed: false };
  return {
    srcPort: (bytes[offset] << 8) | bytes[offset + 1],
    dstPort: (bytes[offset + 2] << 8) | bytes[offset + 3],
    seq: u32(bytes, offset + 4),
    ack: u32(bytes, offset + 8),
    headerLength,
    flags: ((b12 & 1) << 8) | bytes[offset + 13],
    window: (bytes[offset + 14] << 8) | bytes[offset + 15],
    checksum: (bytes[offset + 16] << 8) | bytes[offset + 17],
    urgent: (bytes[offset + 18] << 8) | bytes[offset + 19],
    options,
    optionsMalformed: malformed,
    payloadOffset: offset + headerLength,
    payloadEnd: end,
  };
}

/** Bytes the options take on the wire, before padding. */
function optionLength(option: TcpOption): number {
  switch (option.kind) {
    case "eol":
    case "nop":
      return 1;
    case "mss":
      return 4;
    case "wscale":
      return 3;
    case "sackPermitted":
      return 2;
    case "sack":
      return 2 + 8 * option.blocks.length;
    case "timestamp":
      return 10;
    case "unknown":
      return 2 + option.data.length;
  }
}

/** Padded on-wire length of an option list (a multiple of 4). */
export function tcpOptionsLength(options: readonly TcpOption[]): number {
  let n = 0;
  for (const o of options) n += optionLength(o);
  return (n + 3) & ~3;
}

function put32(target: Uint8Array, i: number, v: number): void {
  target[i] = (v >>> 24) & 0xff;
  target[i + 1] = (v >>> 16) & 0xff;
  target[i + 2] = (v >>> 8) & 0xff;
  target[i + 3] = v & 0xff;
}

/**
 * Write TCP options in the given order into `target` at `at.offset`, padding with
 * EOL (zero) bytes to a 4-byte boundary. Returns the padded length.
 * @throws {RangeError} when the options exceed 40 bytes or a value is out of range.
 */
export function writeTcpOptions(
  target: Uint8Array,
  options: readonly TcpOption[],
  at: { offset?: number } = {},
): number {
  const total = tcpOptionsLength(options);
  if (total > 40) throw new RangeError(`TCP options take ${total} bytes; the limit is 40`);
  let i = at.offset ?? 0;
  const start = i;
  for (const o of options) {
    switch (o.kind) {
      case "eol":
        target[i++] = 0;
        break;
      case "nop":
        target[i++] = 1;
        break;
      case "mss":
        if (o.value < 0 || o.value > 0xffff) throw new RangeError(`MSS out of range: ${o.value}`);
        target[i] = 2;
        target[i + 1] = 4;
        target[i + 2] = o.value >> 8;
        target[i + 3] = o.value & 0xff;
        i += 4;
        break;
      case "wscale":
        if (o.shift < 0 || o.shift > 255) throw new RangeError(`window scale out of range`);
        target[i] = 3;
        target[i + 1] = 3;
        target[i + 2] = o.shift;
        i += 3;
        break;
      case "sackPermitted":
        target[i] = 4;
        target[i + 1] = 2;
        i += 2;
        break;
      case "sack":
        target[i] = 5;
        target[i + 1] = 2 + 8 * o.blocks.length;
        i += 2;
        for (const [left, right] of o.blocks) {
          put32(target, i, left);
          put32(target, i + 4, right);
          i += 8;
        }
        break;
      case "timestamp":
        target[i] = 8;
        target[i + 1] = 10;
        put32(target, i + 2, o.value);
        put32(target, i + 6, o.echo);
        i += 10;
        break;
      case "unknown":
        if (o.code > 255 || o.code < 2) throw new RangeError(`bad option kind ${o.code}`);
        target[i] = o.code;
        target[i + 1] = 2 + o.data.length;
        target.set(o.data, i + 2);
        i += 2 + o.data.length;
        break;
    }
  }
  target.fill(0, i, start + total);
  return total;
}

/** Fields for {@link writeTcp}. */
export interface TcpFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  /** Default 0. */
  ack?: number;
  /** Flag bits, see {@link TcpFlags}. */
  flags: number;
  /** Default 1024. */
  window?: number;
  /** Default 0. */
  urgent?: number;
  options?: readonly TcpOption[];
  payload?: Uint8Array;
}

/** Length of the segment {@link writeTcp} would write. */
export function tcpSegmentLength(fields: TcpFields): number {
  return TCP_HEADER_LENGTH + tcpOptionsLength(fields.options ?? []) +
    (fields.payload?.length ?? 0);
}

/**
 * Write a TCP segment (header, options, payload) into `target` at `at.offset`.
 * With `at.src` and `at.dst` the checksum is filled in over the pseudo-header of
 * that address family; without them it is left zero. Returns the segment length.
 */
export function writeTcp(
  target: Uint8Array,
  fields: TcpFields,
  at: { offset?: number; src?: AddressInput; dst?: AddressInput } = {},
): number {
  const offset = at.offset ?? 0;
  const length = tcpSegmentLength(fields);
  if (offset + length > target.length) throw new RangeError("target too small");
  const headerLength = length - (fields.payload?.length ?? 0);
  target[offset] = fields.srcPort >> 8;
  target[offset + 1] = fields.srcPort & 0xff;
  target[offset + 2] = fields.dstPort >> 8;
  target[offset + 3] = fields.dstPort & 0xff;
  put32(target, offset + 4, fields.seq >>> 0);
  put32(target, offset + 8, (fields.ack ?? 0) >>> 0);
  target[offset + 12] = ((headerLength >> 2) << 4) | ((fields.flags >> 8) & 1);
  target[offset + 13] = fields.flags & 0xff;
  const window = fields.window ?? 1024;
  target[offset + 14] = window >> 8;
  target[offset + 15] = window & 0xff;
  target[offset + 16] = 0;
  target[offset + 17] = 0;
  const urgent = fields.urgent ?? 0;
  target[offset + 18] = urgent >> 8;
  target[offset + 19] = urgent & 0xff;
  if (fields.options?.length) {
    writeTcpOptions(target, fields.options, { offset: offset + TCP_HEADER_LENGTH });
  }
  if (fields.payload) target.set(fields.payload, offset + headerLength);
  if (at.src !== undefined && at.dst !== undefined) {
    const sum = transportChecksum(target.subarray(offset, offset + length), {
      src: addressBytes(at.src),
      dst: addressBytes(at.dst),
      protocol: IpProtocol.TCP,
    });
    target[offset + 16] = sum >> 8;
    target[offset + 17] = sum & 0xff;
  }
  return length;
}

/** Render flag bits the way tcpdump and nmap do, e.g. "SA" for SYN-ACK; "" for none. */
export function tcpFlagsToString(flags: number): string {
  let s = "";
  if (flags & TCP_FIN) s += "F";
  if (flags & TCP_SYN) s += "S";
  if (flags & TCP_RST) s += "R";
  if (flags & TCP_PSH) s += "P";
  if (flags & TCP_ACK) s += "A";
  if (flags & TCP_URG) s += "U";
  if (flags & TCP_ECE) s += "E";
  if (flags & TCP_CWR) s += "C";
  if (flags & TCP_NS) s += "N";
  return s;
}
