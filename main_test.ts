import { deepStrictEqual } from "node:assert/strict";
import { writeAll } from "./main.ts";

/** A file that takes at most `most` bytes per write and keeps them. */
function sink(most: number) {
  const parts: Uint8Array[] = [];
  return {
    parts,
    writeSync(p: Uint8Array): number {
      const n = Math.min(most, p.length);
      parts.push(p.slice(0, n));
      return n;
    },
    text: () => new TextDecoder().decode(concat(parts)),
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

Deno.test("writeAll: short and long texts arrive whole, multi-byte characters intact", () => {
  const short = "Portolan done: 1 IP address\n";
  const a = sink(7);
  writeAll(a, short);
  deepStrictEqual(a.text(), short);
  // Long enough to be written in pieces, with characters of 2, 3 and 4 UTF-8 bytes (an
  // emoji is a surrogate pair, which a piece must not split) at every offset.
  const unit = "ab\u00e9\u20ac\u{1F600}";
  const long = unit.repeat(200_000) + "x";
  const b = sink(1 << 20);
  writeAll(b, long);
  deepStrictEqual(b.text(), long);
  const c = sink(4093);
  writeAll(c, "z" + long);
  deepStrictEqual(c.text(), "z" + long);
});
