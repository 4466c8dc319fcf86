import { equal, throws } from "node:assert/strict";
import {
  addressBytes,
  addressToString,
  ipv6ToString,
  macToString,
  parseAddress,
  parseMac,
  writeIpv4,
} from "./address.ts";

function v6(text: string): string {
  const bytes = parseAddress(text);
  if (!bytes || bytes.length !== 16) throw new Error(`not IPv6: ${text}`);
  return ipv6ToString(bytes);
}

Deno.test("IPv4 text round trip and rejects", () => {
  equal(addressToString(addressBytes("127.0.0.1")), "127.0.0.1");
  equal(addressToString(addressBytes("255.255.255.255")), "255.255.255.255");
  const buf = new Uint8Array(4);
  for (const bad of ["127.1", "256.0.0.1", "1.2.3.4.5", "1..2.3", "01.2.3.4", "a.b.c.d", ""]) {
    equal(writeIpv4(bad, buf), -1, bad);
  }
});

Deno.test("IPv6 text follows RFC 5952", () => {
  equal(v6("::1"), "::1");
  equal(v6("::"), "::");
  equal(v6("2001:DB8:0:0:0:0:2:1"), "2001:db8::2:1");
  // A single zero group is not shortened (RFC 5952 4.2.2).
  equal(v6("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  // The longest run wins; on a tie, the first.
  equal(v6("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
  equal(v6("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  equal(v6("fe80::1:2"), "fe80::1:2");
  equal(v6("1::"), "1::");
  equal(v6("::ffff:127.0.0.1"), "::ffff:127.0.0.1");
  equal(v6("64:ff9b::127.0.0.1"), "64:ff9b::7f00:1");
  for (
    const bad of [
      ":1",
      "1:",
      "1:::2",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "fe80::1%lo",
      "g::",
    ]
  ) {
    equal(parseAddress(bad), undefined, bad);
  }
  equal(parseAddress("1:2:3:4:5:6:7::")?.length, 16);
});

Deno.test("MAC text round trip", () => {
  const mac = parseMac("02:AB:cd:00:0f:ff");
  equal(mac && macToString(mac), "02:ab:cd:00:0f:ff");
  equal(parseMac("02:ab:cd:00:0f"), undefined);
  equal(parseMac("02:ab:cd:00:0f:fff"), undefined);
});

Deno.test("addressBytes throws on bad encoder input", () => {
  throws(() => addressBytes("localhost"), TypeError);
  throws(() => addressBytes(new Uint8Array(5)), TypeError);
});
