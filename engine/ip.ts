/**
 * IPv4 and IPv6 text <-> number conversion, written out by hand so the plan has no
 * dependency on the platform's resolver for literals.
 *
 * Decisions:
 * - IPv4 accepts only the dotted quad with 1-3 decimal digits per octet. Leading zeros are
 *   read as decimal (`010` is 10), as nmap does; the octal/hex forms of `inet_aton` and the
 *   short forms (`1.2.3`) are rejected, because they surprise more than they help.
 * - IPv6 accepts every RFC 4291 text form (full, `::`-compressed, trailing dotted quad).
 *   Zone ids (`fe80::1%eth0`) are rejected: an address that needs a zone cannot be
 *   represented by a bare number, and the caller reports it.
 */

const IPV4_OCTET = /^[0-9]{1,3}$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parse a dotted-quad IPv4 address into an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * parseIPv4("127.0.0.1"); // 2130706433
 * parseIPv4("256.1.1.1"); // undefined
 * ```
 */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!IPV4_OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/**
 * Format an unsigned 32-bit number as a dotted quad.
 *
 * @example
 * ```ts
 * formatIPv4(2130706433); // "127.0.0.1"
 * ```
 */
export function formatIPv4(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`not an IPv4 address value: ${value}`);
  }
  return OCTETS[value >>> 24] + "." + OCTETS[(value >>> 16) & 255] + "." +
    OCTETS[(value >>> 8) & 255] + "." + OCTETS[value & 255];
}

/** "0" to "255": a sweep formats every one of its addresses. */
const OCTETS: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

/** Parse the groups on one side of `::`; each group is 16 bits, a trailing dotted quad 32. */
function parseGroups(text: string, allowIPv4Tail: boolean): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (allowIPv4Tail && i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIPv4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else {
      if (!IPV6_GROUP.test(part)) return undefined;
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

/**
 * Parse an IPv6 address (any RFC 4291 text form) into a 128-bit bigint.
 * Zone ids (`%eth0`) and surrounding brackets are rejected.
 *
 * @example
 * ```ts
 * parseIPv6("::1"); // 1n
 * parseIPv6("::ffff:127.0.0.1"); // 0xffff7f000001n
 * ```
 */
export function parseIPv6(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  const halves = text.split("::");
  let groups: number[];
  if (halves.length === 1) {
    const all = parseGroups(text, true);
    if (all === undefined || all.length !== 8) return undefined;
    groups = all;
  } else if (halves.length === 2) {
    const head = parseGroups(halves[0], false);
    const tail = parseGroups(halves[1], true);
    // `::` stands for at least one zero group, so at most seven may be written.
    if (head === undefined || tail === undefined || head.length + tail.length > 7) {
      return undefined;
    }
    groups = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    return undefined;
  }
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

/** Largest IPv6 value, 2^128 - 1. */
export const IPV6_MAX = (1n << 128n) - 1n;

/**
 * Format a 128-bit value in the RFC 5952 canonical form: lower case, no leading zeros,
 * the longest run (first on a tie) of two or more zero groups compressed to `::`.
 * IPv4-mapped addresses (`::ffff:0:0/96`) keep their dotted-quad tail, as RFC 5952 §5 recommends.
 *
 * @example
 * ```ts
 * formatIPv6(1n); // "::1"
 * formatIPv6(0x20010db8000000000000000000000001n); // "2001:db8::1"
 * ```
 */
export function formatIPv6(value: bigint): string {
  if (value < 0n || value > IPV6_MAX) throw new RangeError(`not an IPv6 address value: ${value}`);
  if (value >> 32n === 0xffffn) return `::ffff:${formatIPv4(Number(value & 0xffffffffn))}`;
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never compressed
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}
