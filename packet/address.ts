/**
 * IP and MAC address conversions between wire bytes and text.
 *
 * Decoders turn addresses into strings once per packet; encoders and the cookie
 * write text addresses straight into a caller's buffer so the hot path need not
 * allocate an intermediate array.
 */

/** An address given to an encoder: text ("127.0.0.1", "::1") or 4/16 wire bytes. */
export type AddressInput = string | Uint8Array;

/** Recently formatted IPv4 addresses by value: a scan decodes the same few over and over. */
const IPV4_TEXT = new Map<number, string>();
const IPV4_TEXT_MAX = 4096;

/** Format 4 bytes at `offset` as dotted-quad IPv4 text. */
export function ipv4ToString(bytes: Uint8Array, offset = 0): string {
  const value = ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) |
    bytes[offset + 3]) >>> 0;
  let text = IPV4_TEXT.get(value);
  if (text === undefined) {
    text = `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
    if (IPV4_TEXT.size >= IPV4_TEXT_MAX) IPV4_TEXT.clear();
    IPV4_TEXT.set(value, text);
  }
  return text;
}

/**
 * Format 16 bytes at `offset` as RFC 5952 IPv6 text: lower case, the longest run
 * of two or more zero groups (the first on a tie) shortened to `::`, and
 * IPv4-mapped addresses written `::ffff:a.b.c.d`.
 */
export function ipv6ToString(bytes: Uint8Array, offset = 0): string {
  let mapped = true;
  for (let i = 0; i < 10; i++) if (bytes[offset + i] !== 0) mapped = false;
  if (mapped && bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff) {
    return `::ffff:${ipv4ToString(bytes, offset + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let g = 0; g <= 8; g++) {
    const zero = g < 8 && bytes[offset + 2 * g] === 0 && bytes[offset + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
    } else if (runStart >= 0) {
      const len = g - runStart;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;
  let out = "";
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      out += g === 0 ? "::" : ":";
      g += bestLen - 1;
      continue;
    }
    const word = (bytes[offset + 2 * g] << 8) | bytes[offset + 2 * g + 1];
    out += word.toString(16);
    if (g < 7) out += ":";
  }
  return out;
}

/** The last MACs formatted, by value: the frames of one scan carry the same two or three. */
const MAC_TEXT = new Map<number, string>();
const MAC_TEXT_MAX = 256;

/** Format 6 bytes at `offset` as a lower-case colon-separated MAC address. */
export function macToString(bytes: Uint8Array, offset = 0): string {
  // 48 bits fit a double exactly.
  const value = ((bytes[offset] << 8) | bytes[offset + 1]) * 0x1_0000_0000 +
    (((bytes[offset + 2] << 24) | (bytes[offset + 3] << 16) | (bytes[offset + 4] << 8) |
      bytes[offset + 5]) >>> 0);
  let text = MAC_TEXT.get(value);
  if (text === undefined) {
    text = formatMac(bytes, offset);
    if (MAC_TEXT.size >= MAC_TEXT_MAX) MAC_TEXT.clear();
    MAC_TEXT.set(value, text);
  }
  return text;
}

function formatMac(bytes: Uint8Array, offset: number): string {
  let out = "";
  for (let i = 0; i < 6; i++) {
    const b = bytes[offset + i];
    out += (b < 16 ? "0" : "") + b.toString(16);
    if (i < 5) out += ":";
  }
  return out;
}

/**
 * Write IPv4 text into `target` at `offset`. Returns 4, or -1 when the text is
 * not a dotted quad of decimal octets (no shorthand forms such as "127.1").
 */
export function writeIpv4(text: string, target: Uint8Array, offset = 0): number {
  let octet = 0;
  let digits = 0;
  let part = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return -1;
      target[offset + part] = octet;
      part++;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      // A leading zero would read as octal to some tools; refuse the ambiguity.
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return -1;
    } else {
      return -1;
    }
  }
  return part === 4 ? 4 : -1;
}

/**
 * Write IPv6 text (with `::` and an optional dotted-quad tail) into `target` at
 * `offset`. Returns 16, or -1 when the text is not an IPv6 address. Zone ids
 * ("%eth0") are refused: a zone is not part of the wire address.
 */
export function writeIpv6(text: string, target: Uint8Array, offset = 0): number {
  if (text.length < 2 || text.length > 45) return -1;
  const words: number[] = [];
  let gap = -1;
  let i = 0;
  if (text.startsWith("::")) {
    gap = 0;
    i = 2;
    if (text.length === 2) {
      target.fill(0, offset, offset + 16);
      return 16;
    }
  } else if (text.charCodeAt(0) === 58) {
    return -1;
  }
  while (i < text.length) {
    let end = i;
    while (end < text.length && text.charCodeAt(end) !== 58) end++;
    const piece = text.slice(i, end);
    if (piece.includes(".")) {
      if (end !== text.length || words.length > 6) return -1;
      const quad = new Uint8Array(4);
      if (writeIpv4(piece, quad) < 0) return -1;
      words.push((quad[0] << 8) | quad[1], (quad[2] << 8) | quad[3]);
      i = end;
      break;
    }
    if (piece.length === 0 || piece.length > 4 || !/^[0-9a-fA-F]+$/.test(piece)) return -1;
    words.push(parseInt(piece, 16));
    if (end === text.length) {
      i = end;
      break;
    }
    // A "::" after a group marks the gap; a single trailing ":" is an error.
    if (text.charCodeAt(end + 1) === 58) {
      if (gap >= 0) return -1;
      gap = words.length;
      i = end + 2;
    } else {
      i = end + 1;
      if (i === text.length) return -1;
    }
  }
  if (gap < 0 ? words.length !== 8 : words.length > 7) return -1;
  const fill = 8 - words.length;
  let w = 0;
  for (let g = 0; g < 8; g++) {
    let value = 0;
    if (gap >= 0 && g >= gap && g < gap + fill) value = 0;
    else value = words[w++];
    target[offset + 2 * g] = value >> 8;
    target[offset + 2 * g + 1] = value & 0xff;
  }
  return 16;
}

/** Parse IPv4 or IPv6 text to wire bytes (4 or 16), or `undefined` if it is neither. */
export function parseAddress(text: string): Uint8Array | undefined {
  const v4 = new Uint8Array(4);
  if (writeIpv4(text, v4) === 4) return v4;
  const v6 = new Uint8Array(16);
  if (writeIpv6(text, v6) === 16) return v6;
  return undefined;
}

/** Parse "aa:bb:cc:dd:ee:ff" (or with dashes) to 6 bytes, or `undefined`. */
export function parseMac(text: string): Uint8Array | undefined {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return undefined;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(parts[i])) return undefined;
    out[i] = parseInt(parts[i], 16);
  }
  return out;
}

/**
 * Wire bytes for an encoder's address argument.
 * @throws {TypeError} when text is not an address or bytes are not 4 or 16 long:
 * encoders reject bad input loudly, unlike decoders.
 */
export function addressBytes(address: AddressInput): Uint8Array {
  if (typeof address !== "string") {
    if (address.length !== 4 && address.length !== 16) {
      throw new TypeError(`address must be 4 or 16 bytes, got ${address.length}`);
    }
    return address;
  }
  const parsed = parseAddress(address);
  if (!parsed) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  return parsed;
}

/** Format 4 or 16 wire bytes as text. */
export function addressToString(bytes: Uint8Array): string {
  return bytes.length === 4 ? ipv4ToString(bytes) : ipv6ToString(bytes);
}
