import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { createPermutation, shardBounds } from "./permutation.ts";

function walk(n: number, seed: number): number[] {
  const p = createPermutation(n, seed);
  const out: number[] = [];
  for (let i = 0; i < p.size; i++) out.push(p.at(i));
  return out;
}

Deno.test("permutation is a bijection on [0, n) for several sizes", () => {
  for (const n of [0, 1, 2, 7, 1000, 65536, 100003]) {
    const seen = new Uint8Array(n);
    const p = createPermutation(n, 12345);
    assertEquals(p.size, n);
    for (let i = 0; i < n; i++) {
      const v = p.at(i);
      assert(Number.isInteger(v) && v >= 0 && v < n, `n=${n}: value ${v} out of range`);
      assertEquals(seen[v], 0, `n=${n}: ${v} produced twice`);
      seen[v] = 1;
    }
  }
});

Deno.test("same seed gives the same order, different seeds differ", () => {
  assertEquals(walk(1000, 7), walk(1000, 7));
  assertNotEquals(walk(1000, 7), walk(1000, 8));
  assertNotEquals(walk(65536, 1), walk(65536, 2 ** 40 + 1));
  // The walk actually shuffles: far from the identity.
  const order = walk(1000, 99);
  const fixed = order.filter((v, i) => v === i).length;
  assert(fixed < 20, `${fixed} fixed points`);
});

Deno.test("large sizes work without materialising anything", () => {
  const n = 2 ** 40 + 3;
  const p = createPermutation(n, 5);
  const values = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const v = p.at(n - 1 - i);
    assert(v >= 0 && v < n);
    values.add(v);
  }
  assertEquals(values.size, 1000);
});

Deno.test("shards are disjoint, balanced and cover the walk", () => {
  const n = 1003;
  const p = createPermutation(n, 3);
  const all: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const s = p.shard(i, 4);
    assert(s.size === 250 || s.size === 251, `shard size ${s.size}`);
    for (let j = 0; j < s.size; j++) all.push(s.at(j));
  }
  assertEquals(all, walk(n, 3));
  // A shard of a shard is a slice of the slice.
  const half = p.shard(2, 2);
  const quarter = half.shard(1, 2);
  assertEquals(quarter.at(0), half.at(0));
  assertEquals(quarter.size, Math.floor(half.size / 2));
  assertEquals(shardBounds(10, { index: 3, count: 3 }), [6, 10]);
});

Deno.test("bad sizes, indices and shards throw", () => {
  assertThrows(() => createPermutation(-1, 0), RangeError);
  assertThrows(() => createPermutation(1.5, 0), RangeError);
  assertThrows(() => createPermutation(10, 0).at(10), RangeError);
  assertThrows(() => createPermutation(10, 0).shard(0, 2), RangeError);
  assertThrows(() => createPermutation(10, 0).shard(3, 2), RangeError);
});

Deno.test("indexOf inverts at, for whole walks and shards", () => {
  for (const n of [1, 2, 7, 100, 1000, 65537]) {
    const p = createPermutation(n, n * 31 + 5);
    for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 500))) {
      assertEquals(p.indexOf(p.at(i)), i);
    }
    assertEquals(p.indexOf(n), -1);
    assertEquals(p.indexOf(-1), -1);
    const s = p.shard(2, 3);
    for (let i = 0; i < s.size; i++) assertEquals(s.indexOf(s.at(i)), i);
    const outside = p.shard(1, 3);
    for (let i = 0; i < outside.size; i++) assertEquals(s.indexOf(outside.at(i)), -1);
  }
});
