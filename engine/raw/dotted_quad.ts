/**
 * IPv4 text on the engine's hot paths, without allocating.
 *
 * @module
 */

/**
 * Parse a canonical dotted quad ("198.19.3.4": four decimal parts, no leading zeros) into
 * `out` without allocating; false for anything else (IPv6, or text to leave to the full
 * parser).
 */
export function parseDottedQuad(text: string, out: Uint8Array, offset = 0): boolean {
  const n = text.length;
  if (n < 7 || n > 15) return false;
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return false;
      out[offset + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return false; // leading zero
      value = value * 10 + (c - 48);
      if (value > 255) return false;
      digits++;
    } else return false;
  }
  return part === 4;
}
