/**
 * Target address text -> the target's position in its group, for matching replies.
 *
 * @module
 */
import { parseDottedQuad } from "./dotted_quad.ts";

/**
 * Positions of a group's addresses. IPv4 addresses live in an open-addressing table of typed
 * arrays: a sweep's group is 65536 addresses, and filling a Map with as many strings cost the
 * start of a /16 sweep about 40 ms. Other addresses (IPv6) go in a Map. Setting an address
 * again replaces its position, as a Map would.
 *
 * @example
 * ```ts
 * const index = new AddressIndex(2);
 * index.set("198.18.0.10", 0);
 * index.get("198.18.0.10"); // 0
 * index.get("198.18.0.11"); // undefined
 * ```
 */
export class AddressIndex {
  #keys: Uint32Array;
  /** Position + 1; 0 marks an empty slot (keys may be 0.0.0.0). */
  #values: Int32Array;
  #mask: number;
  #other = new Map<string, number>();
  #quad = new Uint8Array(4);

  /** An index sized for about `capacity` addresses (it never fills: at most half used). */
  constructor(capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.#keys = new Uint32Array(size);
    this.#values = new Int32Array(size);
    this.#mask = size - 1;
  }

  /** Record `address` at `position` (a non-negative integer). */
  set(address: string, position: number): void {
    const key = this.#value(address);
    if (key === undefined) this.#other.set(address, position);
    else this.setIPv4(key, position);
  }

  /** Record the IPv4 address `value` (a 32-bit number) at `position`. */
  setIPv4(value: number, position: number): void {
    const key = value >>> 0;
    let slot = this.#slot(key);
    while (this.#values[slot] !== 0 && this.#keys[slot] !== key) slot = (slot + 1) & this.#mask;
    const fresh = this.#values[slot] === 0;
    this.#keys[slot] = key;
    this.#values[slot] = position + 1;
    if (fresh && ++this.#used * 2 > this.#keys.length) this.#grow();
  }

  /** The position of `address`, or undefined. */
  get(address: string): number | undefined {
    const key = this.#value(address);
    if (key === undefined) return this.#other.get(address);
    for (let slot = this.#slot(key);; slot = (slot + 1) & this.#mask) {
      const v = this.#values[slot];
      if (v === 0) return undefined;
      if (this.#keys[slot] === key) return v - 1;
    }
  }

  #used = 0;

  #value(address: string): number | undefined {
    const q = this.#quad;
    if (!parseDottedQuad(address, q)) return undefined;
    return ((q[0] << 24) | (q[1] << 16) | (q[2] << 8) | q[3]) >>> 0;
  }

  #slot(key: number): number {
    return (Math.imul(key, 0x9e3779b1) >>> 0) & this.#mask;
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#keys = new Uint32Array(keys.length * 2);
    this.#values = new Int32Array(values.length * 2);
    this.#mask = this.#keys.length - 1;
    this.#used = 0;
    for (let i = 0; i < keys.length; i++) {
      if (values[i] === 0) continue;
      let slot = this.#slot(keys[i]);
      while (this.#values[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.#keys[slot] = keys[i];
      this.#values[slot] = values[i];
      this.#used++;
    }
  }
}
