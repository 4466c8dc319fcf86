import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertStringIncludes,
  assertThrows,
} from "./test_assert.ts";
import { LibraryLoadError, openLibrary } from "./library.ts";
import { pcap, PCAP_SPEC, pcapVersion } from "./pcap.ts";
import { RuntimeError } from "../cli/errors.ts";

Deno.test("PORTOLAN_LIBPCAP pointing nowhere fails with the path it tried", () => {
  const before = Deno.env.get("PORTOLAN_LIBPCAP");
  Deno.env.set("PORTOLAN_LIBPCAP", "/nowhere/libpcap.so.42");
  try {
    const error = assertThrows(() => pcap({}), LibraryLoadError);
    assertInstanceOf(error, RuntimeError);
    assertEquals(error.attempts.map((a) => a.path), ["/nowhere/libpcap.so.42"]);
    assertStringIncludes(error.message, "/nowhere/libpcap.so.42");
    assertStringIncludes(error.message, "PORTOLAN_LIBPCAP");
  } finally {
    if (before === undefined) Deno.env.delete("PORTOLAN_LIBPCAP");
    else Deno.env.set("PORTOLAN_LIBPCAP", before);
  }
});

Deno.test("without an override every candidate is tried and listed", () => {
  const spec = {
    name: "libnothing",
    envVar: "PORTOLAN_TEST_UNSET",
    candidates: ["libnothing.so.1", "/nope/libnothing.so.0", "libnothing.so"],
  };
  const error = assertThrows(
    () => openLibrary(spec, { f: { parameters: [], result: "void" } }, { getEnv: () => undefined }),
    LibraryLoadError,
  );
  assertEquals(error.attempts.map((a) => a.path), spec.candidates);
  for (const path of spec.candidates) assertStringIncludes(error.message, path);
  assert(error.attempts.every((a) => a.reason.length > 0));
});

Deno.test("the default candidates find the installed libpcap", () => {
  const lib = pcap({ getEnv: () => undefined });
  assert(typeof lib.pcap_lib_version === "function");
  assertStringIncludes(pcapVersion(), "libpcap");
  assert(PCAP_SPEC.candidates.includes("libpcap.so.0.8"));
});
