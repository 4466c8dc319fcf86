/**
 * Stateless probe validation: a keyed hash of a probe's addresses and ports goes
 * out as its TCP sequence number (or source port, or IP id), so a reply proves it
 * answers one of our probes without any table of outstanding probes.
 *
 * The hash is SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed PRF: without the
 * random 128-bit key an off-path host cannot forge a reply that validates.
 * 64-bit words are carried as two 32-bit halves because BigInt is far too slow
 * for a per-packet path.
 */

import { type AddressInput, writeIpv4, writeIpv6 } from "./address.ts";

/** Random-free core: SipHash-2-4 state update on an 8-word (hi, lo) x 4 state. */
function sipRound(s: Uint32Array): void {
  // s = [v0h, v0l, v1h, v1l, v2h, v2l, v3h, v3l]
  let lo: number;
  let h: number;
  let l: number;
  // v0 += v1; v1 <<<= 13; v1 ^= v0; v0 <<<= 32
  lo = s[1] + s[3];
  s[0] = s[0] + s[2] + (lo > 0xffffffff ? 1 : 0);
  s[1] = lo;
  h = s[2];
  l = s[3];
  s[2] = (h << 13) | (l >>> 19);
  s[3] = (l << 13) | (h >>> 19);
  s[2] ^= s[0];
  s[3] ^= s[1];
  h = s[0];
  s[0] = s[1];
  s[1] = h;
  // v2 += v3; v3 <<<= 16; v3 ^= v2
  lo = s[5] + s[7];
  s[4] = s[4] + s[6] + (lo > 0xffffffff ? 1 : 0);
  s[5] = lo;
  h = s[6];
  l = s[7];
  s[6] = (h << 16) | (l >>> 16);
  s[7] = (l << 16) | (h >>> 16);
  s[6] ^= s[4];
  s[7] ^= s[5];
  // v0 += v3; v3 <<<= 21; v3 ^= v0
  lo = s[1] + s[7];
  s[0] = s[0] + s[6] + (lo > 0xffffffff ? 1 : 0);
  s[1] = lo;
  h = s[6];
  l = s[7];
  s[6] = (h << 21) | (l >>> 11);
  s[7] = (l << 21) | (h >>> 11);
  s[6] ^= s[0];
  s[7] ^= s[1];
  // v2 += v1; v1 <<<= 17; v1 ^= v2; v2 <<<= 32
  lo = s[5] + s[3];
  s[4] = s[4] + s[2] + (lo > 0xffffffff ? 1 : 0);
  s[5] = lo;
  h = s[2];
  l = s[3];
  s[2] = (h << 17) | (l >>> 15);
  s[3] = (l << 17) | (h >>> 15);
  s[2] ^= s[4];
  s[3] ^= s[5];
  h = s[4];
  s[4] = s[5];
  s[5] = h;
}

function le32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/**
 * SipHash-2-4 of `data[0, length)` under a 16-byte `key`, written to `out` as
 * [high 32 bits, low 32 bits]. Allocation-free given the state and output arrays.
 */
function sipHashInto(
  key: Uint8Array,
  data: Uint8Array,
  work: { length: number; state: Uint32Array; out: Uint32Array },
): void {
  const s = work.state;
  const k0h = le32(key, 4), k0l = le32(key, 0), k1h = le32(key, 12), k1l = le32(key, 8);
  s[0] = k0h ^ 0x736f6d65;
  s[1] = k0l ^ 0x70736575;
  s[2] = k1h ^ 0x646f7261;
  s[3] = k1l ^ 0x6e646f6d;
  s[4] = k0h ^ 0x6c796765;
  s[5] = k0l ^ 0x6e657261;
  s[6] = k1h ^ 0x74656462;
  s[7] = k1l ^ 0x79746573;
  const length = work.length;
  const whole = length & ~7;
  let mh: number;
  let ml: number;
  for (let i = 0; i <= whole; i += 8) {
    if (i < whole) {
      ml = le32(data, i);
      mh = le32(data, i + 4);
    } else {
      // Last block: the 0-7 leftover bytes, with length mod 256 in the top byte.
      ml = 0;
      mh = (length & 0xff) << 24;
      const rest = length - whole;
      for (let j = 0; j < rest; j++) {
        if (j < 4) ml |= data[i + j] << (8 * j);
        else mh |= data[i + j] << (8 * (j - 4));
      }
      ml >>>= 0;
      mh >>>= 0;
    }
    s[6] ^= mh;
    s[7] ^= ml;
    sipRound(s);
    sipRound(s);
    s[0] ^= mh;
    s[1] ^= ml;
  }
  s[5] ^= 0xff;
  sipRound(s);
  sipRound(s);
  sipRound(s);
  sipRound(s);
  work.out[0] = s[0] ^ s[2] ^ s[4] ^ s[6];
  work.out[1] = s[1] ^ s[3] ^ s[5] ^ s[7];
}

/**
 * SipHash-2-4 of `data` under a 16-byte `key`, as a 64-bit BigInt.
 * For tests and occasional use; the cookie uses an allocation-free path.
 */
export function sipHash24(key: Uint8Array, data: Uint8Array): bigint {
  if (key.length !== 16) throw new RangeError("SipHash key must be 16 bytes");
  const out = new Uint32Array(2);
  sipHashInto(key, data, { length: data.length, state: new Uint32Array(8), out });
  return (BigInt(out[0]) << 32n) | BigInt(out[1]);
}

/** The flow a cookie is computed over, seen from the prober's side. */
export interface CookieTuple {
  /** Our (the prober's) address. */
  src: AddressInput;
  /** The target's address. */
  dst: AddressInput;
  srcPort: number;
  dstPort: number;
}

/** Domain bytes keep the 32-bit and 16-bit cookies independent of each other. */
const DOMAIN_SEQ = 1;
const DOMAIN_16 = 2;

/**
 * A keyed cookie generator. One instance per scan; the key never leaves it
 * unless asked for (e.g. to resume a scan).
 * @example
 * const cookie = new ProbeCookie();
 * const seq = cookie.seq({ src: "127.0.0.1", dst: "127.0.0.1", srcPort: 40000, dstPort: 22 });
 * // later, for a decoded SYN-ACK `p`:
 * if (cookie.matchesReply(p)) { ... }
 */
export class ProbeCookie {
  #key: Uint8Array;
  #msg = new Uint8Array(1 + 16 + 16 + 4);
  #state = new Uint32Array(8);
  #out = new Uint32Array(2);

  /** Use `key` (16 bytes), or a fresh random key from the platform CSPRNG. */
  constructor(key?: Uint8Array) {
    if (key && key.length !== 16) throw new RangeError("cookie key must be 16 bytes");
    this.#key = key ? key.slice() : crypto.getRandomValues(new Uint8Array(16));
  }

  /** A copy of the key, to persist with a resumable scan. */
  get key(): Uint8Array {
    return this.#key.slice();
  }

  #work = { length: 0, state: this.#state, out: this.#out };

  #hash(
    domain: number,
    src: AddressInput,
    dst: AddressInput,
    srcPort: number,
    dstPort: number,
  ): void {
    const m = this.#msg;
    m[0] = domain;
    let i = 1;
    i += writeAddress(src, m, i);
    i += writeAddress(dst, m, i);
    m[i] = (srcPort >> 8) & 0xff;
    m[i + 1] = srcPort & 0xff;
    m[i + 2] = (dstPort >> 8) & 0xff;
    m[i + 3] = dstPort & 0xff;
    this.#work.length = i + 4;
    sipHashInto(this.#key, m, this.#work);
  }

  /** The 32-bit cookie to send as the TCP sequence number (or ICMP id/seq pair). */
  seq(tuple: CookieTuple): number {
    return this.seqOf(tuple.src, tuple.dst, tuple.srcPort, tuple.dstPort);
  }

  /** {@link seq} without a tuple object: the per-probe and per-reply path. */
  seqOf(src: AddressInput, dst: AddressInput, srcPort: number, dstPort: number): number {
    this.#hash(DOMAIN_SEQ, src, dst, srcPort, dstPort);
    return (this.#out[0] ^ this.#out[1]) >>> 0;
  }

  /**
   * A 16-bit cookie, independent of {@link seq}, for the IP id or a source port.
   * When it picks the source port, compute it with `srcPort: 0`.
   */
  cookie16(tuple: CookieTuple): number {
    this.#hash(DOMAIN_16, tuple.src, tuple.dst, tuple.srcPort, tuple.dstPort);
    const v = this.#out[0] ^ this.#out[1];
    return ((v >>> 16) ^ v) & 0xffff;
  }

  /** True when `ack` acknowledges the SYN sent on `tuple` (ack == cookie + 1 mod 2^32). */
  ackMatches(tuple: CookieTuple, ack: number): boolean {
    return ((this.seq(tuple) + 1) >>> 0) === ack >>> 0;
  }

  /**
   * True when a decoded TCP reply (SYN-ACK or RST-ACK) answers one of our SYNs:
   * the reply's destination is our source, so the tuple is taken reversed.
   */
  matchesReply(
    reply: {
      ip: { src: string; dst: string };
      tcp?: { srcPort: number; dstPort: number; ack: number };
    },
  ): boolean {
    const tcp = reply.tcp;
    if (!tcp) return false;
    return this.ackMatches(
      { src: reply.ip.dst, dst: reply.ip.src, srcPort: tcp.dstPort, dstPort: tcp.srcPort },
      tcp.ack,
    );
  }
}

/** Write an address into the hash message; unparsable text hashes as zero bytes. */
function writeAddress(address: AddressInput, target: Uint8Array, offset: number): number {
  if (typeof address !== "string") {
    target.set(address, offset);
    return address.length;
  }
  if (writeIpv4(address, target, offset) === 4) return 4;
  if (writeIpv6(address, target, offset) === 16) return 16;
  target.fill(0, offset, offset + 4);
  return 4;
}
