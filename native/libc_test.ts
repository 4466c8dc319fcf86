import { assert, assertEquals, assertInstanceOf, assertStringIncludes } from "./test_assert.ts";
import {
  errnoError,
  getInterfaceAddresses,
  ifNameToIndex,
  kernelSourceAddress,
  libc,
  strerror,
} from "./libc.ts";
import { NativeError } from "./native_error.ts";

Deno.test("getifaddrs finds lo with 127.0.0.1/8", () => {
  const all = getInterfaceAddresses();
  const lo = all.find((a) => a.name === "lo" && a.family === "inet");
  assert(lo, `no inet entry for lo in ${JSON.stringify(all.map((a) => a.name))}`);
  assertEquals(lo.address, "127.0.0.1");
  assertEquals(lo.prefixLength, 8);
  assertEquals(lo.netmask, "255.0.0.0");
  assert(lo.loopback && lo.up);
  assertEquals(lo.index, ifNameToIndex("lo"));
  assert(lo.index > 0);
});

Deno.test("if_nametoindex returns 0 for an unknown interface", () => {
  assertEquals(ifNameToIndex("no-such-if0"), 0);
});

Deno.test("errno is read right after a failing call and named by syscall", () => {
  // AF value -1 does not exist: socket() fails with EAFNOSUPPORT.
  const fd = libc().socket(-1, 3, 0);
  assertEquals(fd, -1);
  const error = errnoError("socket");
  assertEquals(error.errno, 97);
  assertEquals(error.syscall, "socket");
  assertEquals(error.detail, strerror(97));
  assertStringIncludes(error.message, "socket: ");
  assertStringIncludes(error.message, "(errno 97)");
});

Deno.test("the kernel picks loopback sources for loopback targets", () => {
  assertEquals(kernelSourceAddress("127.0.0.1"), "127.0.0.1");
  assertEquals(kernelSourceAddress("::1"), "::1");
});

Deno.test("closed descriptors report EBADF", () => {
  assertEquals(libc().close(987654), -1);
  const error = errnoError("close");
  assertInstanceOf(error, NativeError);
  assertEquals(error.errno, 9);
  assertEquals(error.syscall, "close");
});
