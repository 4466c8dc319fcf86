import { assertEquals } from "./test_assert.ts";
import {
  decodeSockaddr,
  encodeSockaddr,
  formatIPv6,
  parseIPv4,
  parseIPv6,
  prefixLength,
} from "./addresses.ts";

Deno.test("IPv4 text parses strictly", () => {
  assertEquals([...parseIPv4("127.0.0.1")!], [127, 0, 0, 1]);
  assertEquals(parseIPv4("256.0.0.1"), undefined);
  assertEquals(parseIPv4("1.2.3"), undefined);
});

Deno.test("IPv6 text round-trips in RFC 5952 form", () => {
  for (
    const [text, canonical] of [
      ["::1", "::1"],
      ["::", "::"],
      ["fd00:0:0:0:0:0:0:2", "fd00::2"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["::ffff:127.0.0.1", "::ffff:7f00:1"],
      ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ]
  ) assertEquals(formatIPv6(parseIPv6(text)!), canonical);
  assertEquals(parseIPv6("1::2::3"), undefined);
  assertEquals(parseIPv6("1:2:3:4:5:6:7:8:9"), undefined);
});

Deno.test("sockaddrs encode and decode with the port in network order", () => {
  const v4 = encodeSockaddr("127.0.0.1", 0x1234);
  assertEquals([...v4.subarray(0, 8)], [2, 0, 0x12, 0x34, 127, 0, 0, 1]);
  assertEquals(decodeSockaddr(v4), { family: 4, address: "127.0.0.1", port: 0x1234 });
  assertEquals(decodeSockaddr(encodeSockaddr("::1", 80)), { family: 6, address: "::1", port: 80 });
});

Deno.test("prefix length counts leading ones", () => {
  assertEquals(prefixLength(new Uint8Array([255, 255, 240, 0])), 20);
  assertEquals(prefixLength(new Uint8Array(16).fill(255)), 128);
});
