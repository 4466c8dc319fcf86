import { deepStrictEqual, throws } from "node:assert/strict";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./ip.ts";

const assertEq = (actual: unknown, expected: unknown) => deepStrictEqual(actual, expected);

Deno.test("parseIPv4 reads dotted quads", () => {
  assertEq(parseIPv4("127.0.0.1"), 0x7f000001);
  assertEq(parseIPv4("0.0.0.0"), 0);
  assertEq(parseIPv4("255.255.255.255"), 0xffffffff);
  // Leading zeros are decimal, as in nmap (not inet_aton's octal).
  assertEq(parseIPv4("127.0.0.010"), 0x7f00000a);
  assertEq(parseIPv4("01.2.3.4"), 0x01020304);
});

Deno.test("parseIPv4 rejects everything but a strict dotted quad", () => {
  for (
    const bad of [
      "256.1.1.1",
      "1.2.3",
      "1.2.3.4.5",
      "+1.2.3.4",
      "1.2.3.-4",
      "1..3.4",
      "",
      "1.2.3.4 ",
      "0x7f.0.0.1",
      "1.2.3.0004",
      "1.2.3.a",
      "1e2.0.0.1",
    ]
  ) {
    assertEq(parseIPv4(bad), undefined);
  }
});

Deno.test("formatIPv4 round-trips and rejects out-of-range values", () => {
  for (const text of ["0.0.0.0", "127.0.0.1", "255.255.255.255", "10.200.3.45"]) {
    assertEq(formatIPv4(parseIPv4(text)!), text);
  }
  throws(() => formatIPv4(-1), RangeError);
  throws(() => formatIPv4(2 ** 32), RangeError);
  throws(() => formatIPv4(1.5), RangeError);
});

Deno.test("parseIPv6 reads all RFC 4291 forms", () => {
  assertEq(parseIPv6("::"), 0n);
  assertEq(parseIPv6("::1"), 1n);
  assertEq(parseIPv6("1::"), 1n << 112n);
  assertEq(parseIPv6("0:0:0:0:0:0:0:1"), 1n);
  assertEq(parseIPv6("2001:DB8::8:800:200C:417A"), 0x20010db80000000000080800200c417an);
  assertEq(parseIPv6("2001:db8:0:0:8:800:200c:417a"), 0x20010db80000000000080800200c417an);
  assertEq(parseIPv6("::ffff:127.0.0.1"), 0xffff7f000001n);
  assertEq(parseIPv6("0:0:0:0:0:ffff:127.0.0.1"), 0xffff7f000001n);
  assertEq(parseIPv6("::127.0.0.1"), 0x7f000001n);
  assertEq(parseIPv6("1:2:3:4:5:6:7::"), 0x00010002000300040005000600070000n);
  assertEq(parseIPv6("::2:3:4:5:6:7:8"), 0x00000002000300040005000600070008n);
  assertEq(parseIPv6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), (1n << 128n) - 1n);
});

Deno.test("parseIPv6 rejects malformed text and zone ids", () => {
  for (
    const bad of [
      "",
      ":",
      ":::",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "1:2:3:4:5:6:7:8::",
      "::1:2:3:4:5:6:7:8",
      "12345::",
      "g::1",
      ":1::",
      "1::2:",
      "fe80::1%lo",
      "[::1]",
      "::1.2.3.4:5",
      "::ffff:256.0.0.1",
      "1.2.3.4::",
      "::1/128",
    ]
  ) {
    assertEq(parseIPv6(bad), undefined);
  }
});

Deno.test("formatIPv6 gives the RFC 5952 canonical form", () => {
  const cases: Array<[string, string]> = [
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    // A single zero group is not compressed.
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    // The longest run wins; on a tie the first.
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["2001:DB8::ABCD", "2001:db8::abcd"],
    ["::ffff:7f00:1", "::ffff:127.0.0.1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
  ];
  for (const [input, canonical] of cases) {
    assertEq(formatIPv6(parseIPv6(input)!), canonical);
    assertEq(parseIPv6(canonical), parseIPv6(input));
  }
  throws(() => formatIPv6(-1n), RangeError);
  throws(() => formatIPv6(1n << 128n), RangeError);
});

Deno.test("formatIPv6 and parseIPv6 round-trip random values", () => {
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  for (let n = 0; n < 2000; n++) {
    let value = 0n;
    for (let g = 0; g < 8; g++) {
      // Bias toward zero groups so compression paths get exercised.
      const group = next() % 3 === 0 ? 0 : next() % 65536;
      value = (value << 16n) | BigInt(group);
    }
    const text = formatIPv6(value);
    assertEq(parseIPv6(text), value);
    assertEq(text, text.toLowerCase());
  }
});
