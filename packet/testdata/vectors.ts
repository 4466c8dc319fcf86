/** Test-only access to the scapy-made vectors and the loopback captures in this folder. */

import vectors from "./scapy_vectors.json" with { type: "json" };
import { deepStrictEqual as assertEquals } from "node:assert/strict";

export { vectors };

/** Bytes from lower-case hex. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Read a pcap fixture beside this file. */
export function readFixture(name: string): Promise<Uint8Array> {
  return Deno.readFile(new URL(name, import.meta.url));
}

/**
 * Assert that every field named in `expected` (recursively) equals the same
 * field of `actual`; fields `actual` has beyond those are not compared.
 */
export function assertFields(actual: unknown, expected: unknown, path = "$"): void {
  if (expected !== null && typeof expected === "object") {
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual)) throw new Error(`${path}: expected an array, got ${actual}`);
      assertEquals(actual.length, expected.length, `${path}: length`);
      expected.forEach((e, i) => assertFields(actual[i], e, `${path}[${i}]`));
      return;
    }
    if (actual === null || typeof actual !== "object") {
      throw new Error(`${path}: expected an object, got ${actual}`);
    }
    for (const [k, v] of Object.entries(expected)) {
      if (v === null) continue;
      assertFields((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
    return;
  }
  assertEquals(actual, expected, path);
}
