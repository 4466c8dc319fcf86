/**
 * Textual IP addresses to and from their 4- and 16-byte network-order forms,
 * and the sockaddr structures the kernel wants. Kept here so the native layer
 * depends on nothing outside it.
 */

/** `AF_INET` on Linux. */
export const AF_INET = 2;
/** `AF_INET6` on Linux. */
export const AF_INET6 = 10;
/** `AF_PACKET` on Linux. */
export const AF_PACKET = 17;

/** Parse a dotted-quad IPv4 address; `undefined` when it is not one. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return undefined;
    const n = Number(parts[i]);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** Parse an IPv6 address (with `::` and an embedded IPv4 tail); `undefined` when it is not one. */
export function parseIPv6(text: string): Uint8Array | undefined {
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const words = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const groups = half.split(":");
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes(".")) {
        const v4 = parseIPv4(g);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(parseInt(g, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Format 4 bytes as a dotted quad. */
export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** Format 16 bytes as a compressed IPv6 address (RFC 5952). */
export function formatIPv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  // RFC 5952: compress the longest run of two or more zero words, the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/** Parse either family; `undefined` when the text is neither. */
export function parseAddress(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  const v4 = parseIPv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(text);
  return v6 ? { family: 6, bytes: v6 } : undefined;
}

/** Format 4 or 16 bytes as an address. */
export function formatAddress(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIPv4(bytes) : formatIPv6(bytes);
}

/**
 * Build a `struct sockaddr_in` (16 bytes) or `struct sockaddr_in6` (28 bytes).
 * `sin_family` is host order (little-endian here); the port is network order.
 */
export function encodeSockaddr(address: string, port = 0): Uint8Array {
  const parsed = parseAddress(address);
  if (!parsed) throw new TypeError(`not an IP address: ${address}`);
  const out = new Uint8Array(parsed.family === 4 ? 16 : 28);
  const view = new DataView(out.buffer);
  view.setUint16(0, parsed.family === 4 ? AF_INET : AF_INET6, true);
  view.setUint16(2, port, false);
  out.set(parsed.bytes, parsed.family === 4 ? 4 : 8);
  return out;
}

/** Decode a sockaddr_in / sockaddr_in6 held in `bytes`; `undefined` for other families. */
export function decodeSockaddr(
  bytes: Uint8Array,
): { family: 4 | 6; address: string; port: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const family = view.getUint16(0, true);
  if (family === AF_INET) {
    return { family: 4, address: formatIPv4(bytes.subarray(4, 8)), port: view.getUint16(2) };
  }
  if (family === AF_INET6) {
    return { family: 6, address: formatIPv6(bytes.subarray(8, 24)), port: view.getUint16(2) };
  }
  return undefined;
}

/** Number of leading one bits in a netmask (4 or 16 bytes). */
export function prefixLength(mask: Uint8Array): number {
  let n = 0;
  for (const b of mask) {
    if (b === 0xff) {
      n += 8;
      continue;
    }
    let x = b;
    while (x & 0x80) {
      n++;
      x = (x << 1) & 0xff;
    }
    break;
  }
  return n;
}
