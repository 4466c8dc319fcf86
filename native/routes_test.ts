import { assert, assertEquals, assertThrows } from "./test_assert.ts";
import { longestPrefixMatch, parseIPv4Routes, parseIPv6Routes, routeTo } from "./routes.ts";
import { parseIPv4 } from "./addresses.ts";
import type { InterfaceAddress } from "./libc.ts";
import { RuntimeError } from "../cli/errors.ts";

// Documentation prefixes only (RFC 5737, RFC 3849); nothing here sends a packet.
const IPV4_TABLE = [
  "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
  "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0",
  "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
  "eth1\t006433C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
  "eth2\t006433C6\t00000000\t0001\t0\t0\t5\t00FFFFFF\t0\t0\t0",
  "eth3\t807164CB\t00000000\t0201\t0\t0\t0\t80FFFFFF\t0\t0\t0",
].join("\n");

const IPV6_TABLE = [
  "20010db8000000000000000000000000 20 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0",
  "00000000000000000000000000000000 00 00000000000000000000000000000000 00 20010db8000000000000000000000001 00000400 00000002 00000000 00000003     eth1",
].join("\n");

const FAKE_INTERFACES: InterfaceAddress[] = [
  {
    name: "lo",
    index: 1,
    family: "inet",
    address: "127.0.0.1",
    flags: 9,
    up: true,
    loopback: true,
  },
  {
    name: "eth0",
    index: 2,
    family: "inet",
    address: "192.0.2.2",
    flags: 3,
    up: true,
    loopback: false,
  },
  {
    name: "eth1",
    index: 3,
    family: "inet",
    address: "198.51.100.7",
    flags: 3,
    up: true,
    loopback: false,
  },
];

const fake = {
  ipv4Table: IPV4_TABLE,
  ipv6Table: IPV6_TABLE,
  interfaces: FAKE_INTERFACES,
  sourceFor: (): string => {
    throw new Error("not asking the kernel in this test");
  },
  hardwareType: () => 1,
};

Deno.test("routeTo sends 127.0.0.1 and ::1 over lo", () => {
  const v4 = routeTo("127.0.0.1");
  assertEquals(v4.interface, "lo");
  assertEquals(v4.source, "127.0.0.1");
  assertEquals(v4.gateway, undefined);
  assertEquals(v4.linkType, 1);
  assertEquals(routeTo("127.8.9.10").interface, "lo");
  const v6 = routeTo("::1");
  assertEquals(v6.interface, "lo");
  assertEquals(v6.source, "::1");
});

Deno.test("/proc/net/route words are little-endian", () => {
  const routes = parseIPv4Routes(IPV4_TABLE);
  // The RTF_REJECT row is dropped.
  assertEquals(routes.length, 4);
  assertEquals(routes[0].gateway, "192.0.2.1");
  assertEquals([...routes[1].destination], [192, 0, 2, 0]);
  assertEquals(routes[1].prefixLength, 24);
});

Deno.test("longest prefix wins, then the lower metric", () => {
  const routes = parseIPv4Routes(IPV4_TABLE);
  assertEquals(longestPrefixMatch(routes, parseIPv4("192.0.2.77")!)?.interface, "eth0");
  assertEquals(longestPrefixMatch(routes, parseIPv4("192.0.2.77")!)?.gateway, undefined);
  assertEquals(longestPrefixMatch(routes, parseIPv4("198.51.100.9")!)?.interface, "eth1");
  assertEquals(longestPrefixMatch(routes, parseIPv4("203.0.113.1")!)?.gateway, "192.0.2.1");
});

Deno.test("routeTo combines the table with the interface's own source address", () => {
  assertEquals(routeTo("203.0.113.9", fake), {
    interface: "eth0",
    source: "192.0.2.2",
    gateway: "192.0.2.1",
    linkType: 1,
  });
  assertEquals(routeTo("198.51.100.20", fake).source, "198.51.100.7");
  // A local address goes out the loopback interface.
  assertEquals(routeTo("192.0.2.2", fake).interface, "lo");
});

Deno.test("IPv6 routes parse prefixes and next hops", () => {
  const routes = parseIPv6Routes(IPV6_TABLE);
  assertEquals(routes[0].prefixLength, 32);
  assertEquals(routes[1].gateway, "2001:db8::1");
  const error = assertThrows(() => routeTo("2001:db8::5", fake), RuntimeError);
  assert(error.message.includes("eth0"), error.message);
});

Deno.test("no matching route is a RuntimeError", () => {
  const error = assertThrows(
    () => routeTo("203.0.113.9", { ...fake, ipv4Table: "header\n" }),
    RuntimeError,
  );
  assertEquals(error.message, "no route to 203.0.113.9");
});
