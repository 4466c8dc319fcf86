/**
 * The Internet checksum (RFC 1071) and the pseudo-header sums that TCP, UDP and
 * ICMPv6 fold into theirs.
 *
 * Sums are kept unfolded as plain numbers: a double holds integers exactly to
 * 2^53, far beyond any packet's worth of 16-bit words, so folding happens once.
 */

/**
 * Add `bytes` as big-endian 16-bit words to `initial` (an odd last byte is padded
 * with zero). The result is unfolded; pass it to {@link foldChecksum}.
 */
export function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = bytes.length;
  let i = 0;
  for (; i + 1 < n; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < n) sum += bytes[i] << 8;
  return sum;
}

/** Fold an unfolded sum to 16 bits with end-around carry and complement it. */
export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/**
 * The Internet checksum of `bytes`, optionally continuing an unfolded `initial` sum.
 * Over data that already holds a correct checksum the result is 0.
 * @example
 * internetChecksum(new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])); // 0x220d
 */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return foldChecksum(onesComplementSum(bytes, initial));
}

/**
 * Unfolded sum of the pseudo-header for an upper-layer checksum: the RFC 793
 * IPv4 layout for 4-byte addresses, the RFC 8200 IPv6 layout for 16-byte ones.
 * Both reduce to "addresses + protocol + upper-layer length" word sums.
 */
export function pseudoHeaderSum(
  src: Uint8Array,
  dst: Uint8Array,
  options: { protocol: number; length: number },
): number {
  let sum = onesComplementSum(src) + onesComplementSum(dst);
  sum += options.protocol;
  // IPv6 carries a 32-bit length; its high word only matters for jumbograms.
  sum += (options.length >>> 16) + (options.length & 0xffff);
  return sum;
}

/**
 * Checksum of an upper-layer segment (TCP, UDP, ICMPv6) with its pseudo-header.
 * Compute it with the checksum field zeroed to fill it in, or over the segment as
 * received to verify it (0 means correct).
 */
export function transportChecksum(
  segment: Uint8Array,
  pseudo: { src: Uint8Array; dst: Uint8Array; protocol: number },
): number {
  const initial = pseudoHeaderSum(pseudo.src, pseudo.dst, {
    protocol: pseudo.protocol,
    length: segment.length,
  });
  return internetChecksum(segment, initial);
}
