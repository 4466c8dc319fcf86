import assert from "node:assert/strict";
import { AddressIndex } from "./address_index.ts";

Deno.test("AddressIndex: IPv4 and IPv6 positions, absent addresses, replacement", () => {
  const index = new AddressIndex(4);
  index.set("0.0.0.0", 0);
  index.set("198.18.0.10", 1);
  index.set("fd00:5054::10", 2);
  index.set("255.255.255.255", 3);
  assert.equal(index.get("0.0.0.0"), 0);
  assert.equal(index.get("198.18.0.10"), 1);
  assert.equal(index.get("fd00:5054::10"), 2);
  assert.equal(index.get("255.255.255.255"), 3);
  assert.equal(index.get("198.18.0.11"), undefined);
  assert.equal(index.get("fd00:5054::11"), undefined);
  index.set("198.18.0.10", 7);
  assert.equal(index.get("198.18.0.10"), 7);
});

Deno.test("AddressIndex: agrees with a Map over a /16 and beyond its first size", () => {
  const index = new AddressIndex(16); // grows well past its first size
  const map = new Map<string, number>();
  for (let i = 0; i < 70000; i++) {
    const v = (0xc6130000 + i * 7) >>> 0;
    const text = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    index.set(text, i);
    map.set(text, i);
  }
  for (const [text, i] of map) assert.equal(index.get(text), i);
  assert.equal(index.get("10.0.0.1"), undefined);
});

Deno.test("AddressIndex: an IPv4 address set by value is found by its text", () => {
  const index = new AddressIndex(2);
  index.setIPv4(0xc6130a01, 5);
  assert.equal(index.get("198.19.10.1"), 5);
  index.set("198.19.10.1", 6);
  assert.equal(index.get("198.19.10.1"), 6);
});
