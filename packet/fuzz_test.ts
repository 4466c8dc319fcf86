/**
 * Hostile-input fuzzing: random bytes, truncations and bit flips of valid
 * packets through every decoder. None may throw, every offset a decoder
 * reports must stay inside the buffer, and the whole run must be quick.
 */

import { ok } from "node:assert/strict";
import { decodeArp } from "./arp.ts";
import { parseAddress } from "./address.ts";
import { LinkType } from "./constants.ts";
import { decodeIcmp } from "./icmp.ts";
import { decodeIcmpv6 } from "./icmpv6.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { type DecodedPacket, decodeFrame, decodeIpPacket, decodeLink } from "./link.ts";
import { readPcap } from "./pcap_file.ts";
import { decodeQuoted } from "./quoted.ts";
import { decodeTcp, decodeTcpOptions } from "./tcp.ts";
import { decodeUdp } from "./udp.ts";
import { fromHex, readFixture, vectors } from "./testdata/vectors.ts";

/** xorshift32: a seeded generator so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const LINK_TYPES = Object.values(LinkType);

function checkBounds(p: DecodedPacket, length: number, what: string): void {
  const within = (a: number, b: number) => 0 <= a && a <= b && b <= length;
  ok(within(p.ip.payloadOffset, p.ip.payloadEnd), `${what}: ip bounds`);
  for (const l of [p.tcp, p.udp, p.icmp, p.icmpv6]) {
    if (l) ok(within(l.payloadOffset, l.payloadEnd), `${what}: transport bounds`);
  }
  if (p.tcp) ok(p.tcp.headerLength >= 20 && p.tcp.headerLength <= 60, `${what}: tcp header`);
}

function everything(bytes: Uint8Array, what: string): void {
  for (const lt of LINK_TYPES) {
    decodeLink(lt, bytes);
    const p = decodeFrame(lt, bytes);
    if (p) checkBounds(p, bytes.length, `${what} link ${lt}`);
  }
  for (const off of [0, 1, 14]) {
    const p = decodeIpPacket(bytes, off);
    if (p) checkBounds(p, bytes.length, `${what} ip@${off}`);
    decodeIpv4(bytes, off);
    decodeIpv6(bytes, off);
    decodeTcp(bytes, { offset: off });
    decodeTcpOptions(bytes, { start: off, end: bytes.length + 3 });
    decodeUdp(bytes, { offset: off });
    decodeIcmp(bytes, { offset: off });
    decodeIcmpv6(bytes, { offset: off });
    decodeArp(bytes, off);
    decodeQuoted(bytes, off);
  }
}

Deno.test("fuzz: no decoder throws on random, truncated or bit-flipped input", async () => {
  const started = performance.now();
  const next = rng(0x5eed1234);
  const seeds: Array<[number, Uint8Array]> = [];
  for (const v of Object.values(vectors.built)) seeds.push([LinkType.RAW, fromHex(v.hex)]);
  for (const v of Object.values(vectors.frames)) seeds.push([LinkType.EN10MB, fromHex(v.hex)]);
  const pcaps: Uint8Array[] = [];
  for (const name of ["lo_en10mb.pcap", "any_sll.pcap", "any_sll2.pcap"]) {
    const bytes = await readFixture(name);
    pcaps.push(bytes);
    const file = readPcap(bytes)!;
    for (const r of file.records) seeds.push([file.linkType, r.data]);
  }
  let runs = 0;
  // Random buffers, biased towards plausible first bytes so decoders get past their first check.
  for (let i = 0; i < 3000; i++) {
    const buf = new Uint8Array(next() % 120);
    for (let j = 0; j < buf.length; j++) buf[j] = next() & 0xff;
    if (buf.length && i % 3 === 0) buf[0] = i % 2 ? 0x45 : 0x60;
    everything(buf, `random#${i}`);
    runs++;
  }
  for (const [, seed] of seeds) {
    // Every truncation of every valid packet.
    for (let cut = 0; cut <= seed.length; cut++) {
      everything(seed.subarray(0, cut), "truncated");
      runs++;
    }
    // Bit flips and byte smashes, several per copy.
    for (let k = 0; k < 40; k++) {
      const copy = seed.slice();
      const flips = 1 + (next() % 4);
      for (let f = 0; f < flips && copy.length; f++) {
        const at = next() % copy.length;
        if (next() & 1) copy[at] ^= 1 << (next() % 8);
        else copy[at] = next() & 0xff;
      }
      everything(copy, "flipped");
      runs++;
    }
  }
  for (const p of pcaps) {
    for (let k = 0; k < 200; k++) {
      const copy = p.slice(0, next() % (p.length + 1));
      if (copy.length) copy[next() % copy.length] ^= 0xff;
      readPcap(copy);
    }
  }
  for (let i = 0; i < 2000; i++) {
    let s = "";
    const n = next() % 20;
    for (let j = 0; j < n; j++) s += "0123456789abcdef:.%x"[next() % 20];
    parseAddress(s);
  }
  const elapsed = performance.now() - started;
  ok(runs > 10000, `runs ${runs}`);
  ok(elapsed < 2000, `fuzz took ${elapsed.toFixed(0)} ms`);
});
