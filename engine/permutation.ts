/**
 * Seeded full-cycle permutations of `[0, n)` with O(1) memory: a balanced Feistel network
 * over the smallest even power of two that covers `n`, restricted to `[0, n)` by cycle
 * walking (re-encrypt until the value falls inside). Used to walk ports (and target x port)
 * in a pseudo-random but repeatable order; `--shard i/n` is a contiguous slice of the walk.
 */

/** A lazy permutation (or slice of one): `at(i)` for `0 <= i < size`. */
export interface Permutation {
  readonly size: number;
  /** The i-th element of the walk. */
  at(index: number): number;
  /**
   * The slice of this walk for `--shard index/count`, where `index` counts from 1 as typed
   * (`--shard 1/2`, `--shard 2/2`). The shards of one walk are disjoint and cover it.
   */
  shard(index: number, count: number): Permutation;
  /**
   * Where `value` sits in this walk: the `i` with `at(i) === value`, or -1 when the value
   * is outside this slice (or outside `[0, n)`). The inverse of `at`, also O(1) memory.
   */
  indexOf(value: number): number;
}

/** Largest supported size: each Feistel half must fit the 32-bit integer arithmetic. */
export const MAX_PERMUTATION_SIZE = 2 ** 52;

const ROUNDS = 6;

/**
 * Create the permutation of `[0, n)` selected by `seed` (any finite number; the same seed
 * always gives the same order).
 *
 * @example
 * ```ts
 * const p = createPermutation(65536, 42);
 * for (let i = 0; i < p.size; i++) probe(p.at(i));
 * ```
 */
export function createPermutation(n: number, seed: number): Permutation {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_PERMUTATION_SIZE) {
    throw new RangeError(`permutation size must be an integer in 0..2^52, got ${n}`);
  }
  let bits = 0;
  while (2 ** bits < n) bits++;
  const half = Math.max(1, Math.ceil(bits / 2));
  const scale = 2 ** half;
  const mask = scale - 1;
  const keys = roundKeys(seed);

  function encrypt(x: number): number {
    let left = Math.floor(x / scale);
    let right = x % scale;
    for (let round = 0; round < ROUNDS; round++) {
      const next = (left ^ (mix32(right ^ keys[round]) & mask)) & mask;
      left = right;
      right = next;
    }
    return left * scale + right;
  }

  function decrypt(y: number): number {
    let left = Math.floor(y / scale);
    let right = y % scale;
    for (let round = ROUNDS - 1; round >= 0; round--) {
      const previous = (right ^ (mix32(left ^ keys[round]) & mask)) & mask;
      right = left;
      left = previous;
    }
    return left * scale + right;
  }

  function indexOf(value: number): number {
    if (!(value >= 0 && value < n) || !Number.isInteger(value)) return -1;
    // The inverse of cycle walking is cycle walking with the inverse permutation.
    let x = decrypt(value);
    while (x >= n) x = decrypt(x);
    return x;
  }

  function at(index: number): number {
    if (!(index >= 0 && index < n) || !Number.isInteger(index)) {
      throw new RangeError(`permutation index ${index} out of range 0..${n - 1}`);
    }
    // Cycle walking: the domain is < 4n, so this loops fewer than 4 times on average,
    // and it terminates because encrypt() is a permutation of the whole domain.
    let x = encrypt(index);
    while (x >= n) x = encrypt(x);
    return x;
  }

  return slice({ size: n, at, indexOf }, 0, n);
}

function slice(
  base: { size: number; at(index: number): number; indexOf(value: number): number },
  start: number,
  end: number,
): Permutation {
  const size = end - start;
  return {
    size,
    at(index: number): number {
      if (!(index >= 0 && index < size) || !Number.isInteger(index)) {
        throw new RangeError(`permutation index ${index} out of range 0..${size - 1}`);
      }
      return base.at(start + index);
    },
    shard(index: number, count: number): Permutation {
      const [from, to] = shardBounds(size, { index, count });
      return slice(base, start + from, start + to);
    },
    indexOf(value: number): number {
      const i = base.indexOf(value);
      return i >= start && i < end ? i - start : -1;
    },
  };
}

/**
 * The half-open index range `[from, to)` of shard `index` (1-based) of `count` over a walk
 * of `size` elements. Shard sizes differ by at most one.
 *
 * @example
 * ```ts
 * shardBounds(10, { index: 3, count: 3 }); // [6, 10]
 * ```
 */
export function shardBounds(
  size: number,
  shard: { index: number; count: number },
): [number, number] {
  const { index, count } = shard;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1) {
    throw new RangeError(`bad shard ${index}/${count}`);
  }
  if (index > count) throw new RangeError(`shard ${index}/${count}: index exceeds count`);
  return [Math.floor((size * (index - 1)) / count), Math.floor((size * index) / count)];
}

function roundKeys(seed: number): number[] {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be finite, got ${seed}`);
  const whole = Math.trunc(seed);
  const low = (((whole % 2 ** 32) + 2 ** 32) % 2 ** 32) | 0;
  const high = Math.floor(whole / 2 ** 32) | 0;
  const keys: number[] = [];
  let state = mix32(high ^ 0x5bd1e995);
  for (let round = 0; round < ROUNDS; round++) {
    state = mix32(state + low + Math.imul(round + 1, 0x9e3779b9));
    keys.push(state);
  }
  return keys;
}

/** A 32-bit avalanche mix (xor-shift / multiply rounds). */
function mix32(value: number): number {
  let x = value | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}
