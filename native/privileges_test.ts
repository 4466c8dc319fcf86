import { assert, assertEquals, assertStringIncludes } from "./test_assert.ts";
import {
  CAPABILITY_HINT,
  effectiveCapabilities,
  hasRawSocketCapability,
  rawAvailability,
} from "./privileges.ts";

const status = (capEff: string) =>
  `Name:\tdeno\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`;

Deno.test("CAP_NET_RAW is bit 13 of CapEff", () => {
  assert(hasRawSocketCapability(status("0000000000002000")));
  assert(!hasRawSocketCapability(status("0000000000001000")));
  assert(hasRawSocketCapability(status("000001fffeffffff")));
  assert(!hasRawSocketCapability(status("0000000000000000")));
  assert(!hasRawSocketCapability("no capability lines"));
});

Deno.test("the live check agrees with /proc/self/status", () => {
  const caps = effectiveCapabilities();
  assert(caps !== undefined);
  assertEquals(hasRawSocketCapability(), (caps & (1n << 13n)) !== 0n);
});

Deno.test("rawAvailability explains each missing piece in one line", () => {
  assertEquals(
    rawAvailability({ ffiGranted: () => true, hasCapability: () => true, loadPcap: () => {} }),
    {
      ok: true,
    },
  );
  const noFfi = rawAvailability({
    ffiGranted: () => false,
    hasCapability: () => true,
    loadPcap: () => {},
  });
  assert(!noFfi.ok);
  assertStringIncludes(noFfi.reason, "--allow-ffi");
  const noCap = rawAvailability({
    ffiGranted: () => true,
    hasCapability: () => false,
    loadPcap: () => {},
  });
  assertEquals(noCap, { ok: false, reason: CAPABILITY_HINT });
  const noPcap = rawAvailability({
    ffiGranted: () => true,
    hasCapability: () => true,
    loadPcap: () => {
      throw new Error("cannot load libpcap: tried libpcap.so.1 (gone)");
    },
  });
  assert(!noPcap.ok);
  assertStringIncludes(noPcap.reason, "libpcap.so.1 (gone)");
  assert(!noPcap.reason.includes("\n"));
});

Deno.test("rawAvailability on this machine matches the capability", () => {
  assertEquals(rawAvailability().ok, hasRawSocketCapability());
});
