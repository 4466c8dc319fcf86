import { equal, ok, throws } from "node:assert/strict";
import type { ReplyFingerprint } from "../../engine/events.ts";
import { PASSIVE_SIGNATURES } from "../../registry/os_passive_data.ts";
import {
  formatPassiveHint,
  inferInitialTtl,
  MIN_FIT,
  passiveOsHint,
  type PassiveSample,
  sampleKind,
} from "./passive.ts";

/** A SYN-ACK as the raw engine reports it. */
function synAck(fields: Partial<PassiveSample> & { ttl: number; window: number }): PassiveSample {
  return {
    mss: 1460,
    sackPermitted: false,
    timestamps: false,
    options: "M",
    df: true,
    ipId: 0,
    kind: "syn-ack",
    ...fields,
  };
}

function rst(ttl: number, fields: Partial<ReplyFingerprint> = {}): ReplyFingerprint {
  return {
    ttl,
    window: 0,
    sackPermitted: false,
    timestamps: false,
    options: "",
    df: true,
    ipId: 0,
    ...fields,
  };
}

// Handshakes as each stack answers a SYN that offered every option (or, for Windows, as its
// defaults send them), written from the public facts in registry/OS_PROVENANCE.md.
const CANONICAL: Record<string, PassiveSample> = {
  "linux": synAck({
    ttl: 64,
    window: 65160,
    options: "M,S,T,N,W",
    windowScale: 7,
    sackPermitted: true,
    timestamps: true,
  }),
  "windows": synAck({
    ttl: 128,
    window: 65535,
    options: "M,N,W,N,N,S",
    windowScale: 8,
    sackPermitted: true,
    ipId: 0x1a2b,
  }),
  "windows-xp": synAck({
    ttl: 128,
    window: 16384,
    options: "M,N,N,S",
    sackPermitted: true,
    ipId: 0x0301,
  }),
  "freebsd": synAck({
    ttl: 64,
    window: 65535,
    options: "M,N,W,S,T",
    windowScale: 6,
    sackPermitted: true,
    timestamps: true,
    ipId: 0,
  }),
  "macos": synAck({
    ttl: 64,
    window: 65535,
    options: "M,N,W,N,N,T,S,E,E",
    windowScale: 6,
    sackPermitted: true,
    timestamps: true,
    ipId: 0x7777,
  }),
  "openbsd": synAck({
    ttl: 64,
    window: 16384,
    options: "M,N,N,S,N,W,N,N,T",
    windowScale: 3,
    sackPermitted: true,
    timestamps: true,
    ipId: 0x4d2c,
  }),
  "solaris": synAck({
    ttl: 255,
    window: 49232,
    options: "N,N,T,M,N,W,N,N,S",
    windowScale: 1,
    sackPermitted: true,
    timestamps: true,
    ipId: 0x1111,
  }),
  "cisco-ios": synAck({ ttl: 255, window: 4128, options: "M", mss: 536, df: false, ipId: 0x22 }),
};

Deno.test("inferInitialTtl: each class and its edges", () => {
  const cases: Array<[number, number, number]> = [
    [0, 32, 32],
    [1, 32, 31],
    [32, 32, 0],
    [33, 64, 31],
    [57, 64, 7],
    [64, 64, 0],
    [65, 128, 63],
    [128, 128, 0],
    [129, 255, 126],
    [254, 255, 1],
    [255, 255, 0],
  ];
  for (const [ttl, initial, hops] of cases) {
    const r = inferInitialTtl(ttl);
    equal(r.initial, initial, `ttl ${ttl}`);
    equal(r.hops, hops, `ttl ${ttl}`);
  }
  for (const bad of [-1, 256, 1.5, NaN]) throws(() => inferInitialTtl(bad), RangeError);
});

Deno.test("every signature has a canonical handshake that picks it", () => {
  for (const sig of PASSIVE_SIGNATURES) {
    const fp = CANONICAL[sig.id];
    ok(fp, `no canonical fingerprint for ${sig.id}`);
    const hint = passiveOsHint([fp]);
    ok(hint, `${sig.id}: no hint`);
    equal(hint.signature, sig.id);
    equal(hint.family, sig.family);
    ok(hint.confidence >= 50, `${sig.id}: confidence ${hint.confidence}`);
    ok(hint.cpe.length > 0 && hint.cpe.every((c) => c.startsWith("cpe:2.3:o:")));
  }
});

Deno.test("perturbations move a canonical handshake away from its signature", () => {
  for (const sig of PASSIVE_SIGNATURES) {
    const fp = CANONICAL[sig.id];
    const base = passiveOsHint([fp])!;
    // Another initial TTL class: never the same signature with the same confidence.
    const otherTtl = sig.criteria.initialTtl === 64 ? 128 : 64;
    const moved = passiveOsHint([{ ...fp, ttl: otherTtl }]);
    ok(
      !moved || moved.signature !== sig.id || moved.confidence < base.confidence,
      `${sig.id}: TTL ${otherTtl} kept ${JSON.stringify(moved)}`,
    );
    // An option order no stack here uses: the layout test must fail for this signature.
    const scrambled = passiveOsHint([{ ...fp, options: "T,W,S,M" }]);
    ok(
      !scrambled || scrambled.confidence < base.confidence,
      `${sig.id}: scrambled layout kept ${scrambled?.confidence} >= ${base.confidence}`,
    );
  }
});

Deno.test("Linux layout and window perturbations", () => {
  const linux = CANONICAL["linux"];
  // Windows' order on a TTL-64 host is not Linux with full confidence.
  const winOrder = passiveOsHint([{ ...linux, options: "M,N,W,N,N,S" }]);
  ok(!winOrder || winOrder.confidence < passiveOsHint([linux])!.confidence);
  ok(winOrder?.reasons.some((r) => r.includes("not Linux-like: options")) ?? true);
  // A window that is no multiple of the MSS is not Linux's.
  const odd = passiveOsHint([{ ...linux, window: 65000 }]);
  ok(!odd || odd.signature !== "linux" || odd.reasons.some((r) => r.includes("window 65000")));
  // Linux with timestamps or window scaling switched off keeps its order.
  for (const options of ["M,N,N,S,N,W", "M,N,N,T,N,W", "M,N,N,S", "M,S,T"]) {
    equal(passiveOsHint([{ ...linux, options, window: 64240 }])?.family, "Linux", options);
  }
});

Deno.test("the raw engine's MSS-only SYN-ACK: Linux, with less confidence than a full one", () => {
  // What a Linux 6.x target answers the engine's SYN (which offers only an MSS).
  const bare = synAck({ ttl: 64, window: 64240 });
  const hint = passiveOsHint([bare]);
  equal(hint?.family, "Linux");
  ok(hint!.confidence < passiveOsHint([CANONICAL["linux"]])!.confidence);
  ok(hint!.reasons.includes("window 64240 = 44 x 1460"));
  // FreeBSD's fixed 65535 window: not Linux's.
  const bsd = passiveOsHint([synAck({ ttl: 64, window: 65535, ipId: 0x1234 })]);
  ok(bsd && bsd.family !== "Linux", JSON.stringify(bsd));
});

Deno.test("RSTs alone give a low-confidence hint, combined with a SYN-ACK a firmer one", () => {
  const rstOnly = passiveOsHint([rst(64), rst(64)]);
  ok(rstOnly);
  ok(rstOnly.confidence < 50, `RST-only confidence ${rstOnly.confidence}`);
  ok(rstOnly.reasons.includes("other families fit almost as well"));
  const both = passiveOsHint([synAck({ ttl: 64, window: 64240 }), rst(64), rst(64)]);
  equal(both?.family, "Linux");
  ok(both!.confidence > rstOnly.confidence);
  // A RST with a foreign TTL next to a SYN-ACK costs confidence but half a SYN-ACK's worth.
  const mixed = passiveOsHint([synAck({ ttl: 64, window: 64240 }), rst(128)]);
  equal(mixed?.family, "Linux");
  ok(mixed!.confidence < both!.confidence);
});

Deno.test("sampleKind infers RSTs and keeps an explicit kind", () => {
  equal(sampleKind(rst(64)), "rst");
  equal(sampleKind(synAck({ ttl: 64, window: 0, kind: undefined })), "syn-ack");
  equal(sampleKind({ ...rst(64), kind: "syn" }), "syn");
});

Deno.test("SYNs are matched but their IP id is not (clients use a counter)", () => {
  const linuxSyn = synAck({
    kind: "syn",
    ttl: 64,
    window: 64240,
    options: "M,S,T,N,W",
    windowScale: 7,
    sackPermitted: true,
    timestamps: true,
    ipId: 0x9c31,
  });
  const hint = passiveOsHint([linuxSyn]);
  equal(hint?.family, "Linux");
  ok(!hint!.reasons.some((r) => r.includes("IP id")));
});

Deno.test("IPv6 replies skip DF and IP id", () => {
  const v6 = { ...CANONICAL["windows"], ipId: 0, ipVersion: 6 as const };
  const hint = passiveOsHint([v6]);
  equal(hint?.family, "Windows");
  ok(!hint!.reasons.some((r) => r.includes("IP id") || r.includes("DF")));
});

Deno.test("nothing fits: undefined", () => {
  equal(passiveOsHint([]), undefined);
  // An initial TTL of 32 with an unknown window and layout fits no signature.
  equal(
    passiveOsHint([synAck({ ttl: 30, window: 8760, options: "M,N,W", windowScale: 0 })]),
    undefined,
  );
  // Out-of-range TTLs are ignored rather than thrown on.
  equal(passiveOsHint([{ ...rst(64), ttl: 300 }]), undefined);
  ok(MIN_FIT > 0.5);
});

Deno.test("the Linux-with-Windows-TTL host: an honest, conflicted answer", () => {
  // ip_default_ttl=128 and tcp_timestamps=0 on Linux, seen through an MSS-only SYN.
  const bare = passiveOsHint([synAck({ ttl: 128, window: 64240 }), rst(128)]);
  ok(bare);
  equal(bare.family, "Windows");
  ok(bare.reasons.some((r) => r.startsWith("not Windows-like: IP id 0")));
  ok(bare.confidence < 60);
  equal(bare.versionRange, undefined, "XP and Vista+ cannot be told apart from an MSS alone");
  // With the whole option layout the Linux code path shows through.
  const full = passiveOsHint([
    synAck({
      ttl: 128,
      window: 64240,
      options: "M,N,N,S,N,W",
      windowScale: 7,
      sackPermitted: true,
    }),
  ]);
  equal(full?.family, "Linux");
  ok(full!.reasons.some((r) => r.includes("not Linux-like: initial TTL 128")));
});

Deno.test("distance is the fewest hops seen", () => {
  const hint = passiveOsHint([synAck({ ttl: 57, window: 64240 }), rst(59)]);
  equal(hint?.distance, 5);
});

Deno.test("formatPassiveHint", () => {
  const hint = passiveOsHint([CANONICAL["linux"]])!;
  equal(formatPassiveHint(hint), `Linux 3.x-6.x (passive, ${hint.confidence}%)`);
  equal(
    formatPassiveHint({ ...hint, versionRange: undefined, family: "Windows" }),
    `Windows (passive, ${hint.confidence}%)`,
  );
});
