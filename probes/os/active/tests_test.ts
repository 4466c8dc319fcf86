import { deepEqual, equal } from "node:assert/strict";
import {
  ackTest,
  codeTest,
  congestionTest,
  counterDiff,
  crc32,
  dfiTest,
  ecnLine,
  flagString,
  ieLine,
  ipIdClass,
  isnGcd,
  isnPredictability,
  isnRate,
  opsLine,
  optionString,
  quirks,
  resetDataTest,
  seqLine,
  type SeqSample,
  seqTest,
  sharedIpIdTest,
  tcpLine,
  type TcpObservation,
  timestampTest,
  ttlAttribute,
  ttlGuess,
  u1Line,
  type UnreachObservation,
  winLine,
} from "./tests.ts";

const every100ms = (n: number) => Array.from({ length: n }, (_, i) => i * 100);

function reply(over: Partial<TcpObservation> = {}): TcpObservation {
  return {
    ttl: 64,
    df: true,
    ipId: 0,
    seq: 0x12345678,
    ack: 1001,
    flags: 0x12,
    reserved: 0,
    window: 0xfe88,
    urgent: 0,
    options: [
      { kind: "mss", value: 1460 },
      { kind: "sackPermitted" },
      { kind: "timestamp", value: 5, echo: 0xffffffff },
      { kind: "nop" },
      { kind: "wscale", shift: 7 },
    ],
    data: new Uint8Array(0),
    ...over,
  };
}

Deno.test("counterDiff reads the shorter way round, as the book's examples", () => {
  equal(counterDiff(0x20000, 0x15000), 0xb000);
  equal(counterDiff(0xffffff00, 0xc000), 0xc0ff);
  equal(counterDiff(100, 350), 250);
});

Deno.test("GCD of ISN differences", () => {
  // A 64K-step counter (old BSD style): every difference a multiple of 64000.
  equal(isnGcd([1000, 1000 + 3 * 64000, 1000 + 5 * 64000, 1000 + 9 * 64000]), 64000);
  equal(isnGcd([7, 8, 10]), 1);
  equal(isnGcd([5]), undefined);
  equal(isnGcd([9, 9, 9]), 0);
});

Deno.test("ISR is 8 log2 of the average ISN rate", () => {
  // One million per 100 ms = 1e7/s: 8 * log2(1e7) = 186.04.
  const isns = [0, 1e6, 2e6, 3e6, 4e6, 5e6];
  equal(isnRate(isns, every100ms(6)), 186);
  equal(isnRate([42, 42, 42], every100ms(3)), 0);
  equal(isnRate([1], [0]), undefined);
});

Deno.test("SP: standard deviation of the rates, divided by a GCD above nine", () => {
  // Differences alternate 100000/300000: GCD 100000, so the rates become 10 and 30 per
  // second, population sd sqrt(96) = 9.798, 8 * log2 = 26.3.
  const diffs = [100000, 300000, 100000, 300000, 100000];
  const isns = [5000];
  for (const d of diffs) isns.push(isns[isns.length - 1] + d);
  equal(isnGcd(isns), 100000);
  equal(isnPredictability(isns, every100ms(6)), 26);
  // A constant rate has no deviation.
  equal(isnPredictability([0, 10, 20, 30, 40], every100ms(5)), 0);
  // Fewer than four responses: not computed.
  equal(isnPredictability([0, 10, 20], every100ms(3)), undefined);
  // GCD 1: no division. Rates 1e3 and 3e3: sd 979.8, 8 * log2 = 79.5 -> 80.
  const small = [0, 100, 401, 502, 803, 904];
  equal(isnGcd(small), 1);
  const sd = isnPredictability(small, every100ms(6))!;
  const rates = [1000, 3010, 1010, 3010, 1010];
  const mean = rates.reduce((a, b) => a + b) / 5;
  const expected = Math.round(
    8 * Math.log2(Math.sqrt(rates.reduce((a, r) => a + (r - mean) ** 2, 0) / 5)),
  );
  equal(sd, expected);
});

Deno.test("IP ID classes: Z, RD, constant, RI, BI, I, none", () => {
  equal(ipIdClass([0, 0, 0], "TI"), "Z");
  equal(ipIdClass([100, 30000, 30100], "TI"), "RD");
  equal(ipIdClass([5, 5, 5], "TI"), "5");
  equal(ipIdClass([0x1a2b, 0x1a2b], "II"), "1A2B");
  equal(ipIdClass([100, 1300, 2500], "TI"), "RI");
  equal(ipIdClass([256, 512, 1024], "TI"), "BI");
  equal(ipIdClass([1, 2, 3, 5], "TI"), "I");
  equal(ipIdClass([65534, 65535, 1], "TI"), "I", "wraps at 16 bits");
  equal(ipIdClass([1, 500, 1000], "TI"), undefined);
  // RD is not possible for II: a 29000 step is random positive instead.
  equal(ipIdClass([1000, 30000], "II"), "RI");
  equal(ipIdClass([1000, 30000, 30500], "TI"), "RD");
  // Too few samples.
  equal(ipIdClass([1, 2], "TI"), undefined);
  equal(ipIdClass([1], "CI"), undefined);
});

Deno.test("SS: a shared counter puts the echo ID right after the TCP IDs", () => {
  const tcp = [0, 1, 2, 3, 4, 5].map((index) => ({ index, id: 100 + index }));
  equal(sharedIpIdTest("I", "I", { tcp, icmpId: 107 }), "S");
  equal(sharedIpIdTest("I", "I", { tcp, icmpId: 9000 }), "O");
  equal(sharedIpIdTest("Z", "I", { tcp, icmpId: 107 }), undefined);
  equal(sharedIpIdTest("I", "RI", { tcp, icmpId: 107 }), undefined);
});

Deno.test("TS: U, 0, the 2/100/200 Hz bands and log2 otherwise", () => {
  const t = every100ms(6);
  equal(timestampTest([1, 2, undefined, 4, 5, 6], t), "U");
  equal(timestampTest([0, 2, 3, 4, 5, 6], t), "0");
  equal(timestampTest([10, 10, 11, 11, 12, 12], t), "1");
  equal(timestampTest([0, 10, 20, 30, 40, 50].map((x) => x + 1), t), "7");
  equal(timestampTest([0, 20, 40, 60, 80, 100].map((x) => x + 1), t), "8");
  equal(timestampTest([0, 100, 200, 300, 400, 500].map((x) => x + 1), t), "A");
  equal(timestampTest([], []), undefined);
});

Deno.test("option strings", () => {
  equal(optionString(reply().options), "M5B4ST11NW7");
  equal(
    optionString([
      { kind: "mss", value: 1460 },
      { kind: "nop" },
      { kind: "wscale", shift: 6 },
      { kind: "nop" },
      { kind: "nop" },
      { kind: "timestamp", value: 1, echo: 0 },
      { kind: "sackPermitted" },
      { kind: "eol" },
      { kind: "eol" },
    ]),
    "M5B4NW6NNT10SLL",
  );
  equal(optionString([{ kind: "timestamp", value: 0, echo: 0 }]), "T00");
  equal(optionString([{ kind: "wscale", shift: 0 }]), "W0");
  equal(optionString([]), "");
});

Deno.test("flags, S, A, Q, CC, RD", () => {
  equal(flagString(0x12), "AS");
  equal(flagString(0x14), "AR");
  equal(flagString(0x7f), "EUAPRSF");
  equal(flagString(0x80), "");
  const probe = { seq: 1000, ack: 5000 };
  equal(seqTest(0, probe), "Z");
  equal(seqTest(5000, probe), "A");
  equal(seqTest(5001, probe), "A+");
  equal(seqTest(77, probe), "O");
  equal(seqTest(0, { ack: 0xffffffff }), "Z");
  equal(seqTest(0x100000000 - 1, { ack: 0xffffffff }), "A");
  equal(ackTest(0, probe), "Z");
  equal(ackTest(1000, probe), "S");
  equal(ackTest(1001, probe), "S+");
  equal(ackTest(3, probe), "O");
  equal(ackTest(0, { seq: 0xffffffff }), "Z", "seq+1 wraps to zero: Z wins, as documented");
  equal(quirks({ reserved: 0, urgent: 0, flags: 0x12 }), "");
  equal(quirks({ reserved: 1, urgent: 0, flags: 0x12 }), "R");
  equal(quirks({ reserved: 0, urgent: 9, flags: 0x12 }), "U");
  equal(quirks({ reserved: 0, urgent: 9, flags: 0x32 }), "");
  equal(quirks({ reserved: 8, urgent: 9, flags: 0x12 }), "RU");
  equal(congestionTest(0x52), "Y");
  equal(congestionTest(0x12), "N");
  equal(congestionTest(0xd2), "S");
  equal(congestionTest(0x92), "O");
  equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  equal(resetDataTest(new Uint8Array(0)), "0");
  equal(resetDataTest(new TextEncoder().encode("123456789")), "CBF43926");
});

Deno.test("TTL: guess and exact", () => {
  equal(ttlGuess(20), "20");
  equal(ttlGuess(50), "40");
  equal(ttlGuess(64), "40");
  equal(ttlGuess(100), "80");
  equal(ttlGuess(200), "FF");
  deepEqual(ttlAttribute(64, 1), { T: "40" });
  deepEqual(ttlAttribute(60, 5), { T: "40" });
  deepEqual(ttlAttribute(64, 0), { T: "40" });
  deepEqual(ttlAttribute(113), { TG: "80" });
});

Deno.test("DFI and CD", () => {
  equal(dfiTest(false, false), "N");
  equal(dfiTest(true, false), "S");
  equal(dfiTest(true, true), "Y");
  equal(dfiTest(false, true), "O");
  equal(codeTest(0, 0, [9, 0]), "Z");
  equal(codeTest(9, 0, [9, 0]), "S");
  equal(codeTest(5, 5, [9, 0]), "5");
  equal(codeTest(9, 1, [9, 0]), "O");
});

Deno.test("the SEQ, OPS and WIN lines from six SYN-ACKs", () => {
  const samples: SeqSample[] = [0, 1, 2, 3, 4, 5].map((index) => ({
    index,
    probe: { seq: 1000 + index, ack: 2000, sentMs: index * 100 },
    reply: reply({
      seq: 1_000_000 * index + 7,
      ipId: 0,
      options: [
        { kind: "mss", value: 1460 },
        { kind: "timestamp", value: 1 + index * 100, echo: 0xffffffff },
      ],
      window: index === 2 ? 0x16d0 : 0xfe88,
    }),
  }));
  deepEqual(seqLine(samples, { closedIds: [0, 0, 0], echoIds: [40, 41] }), {
    SP: "0",
    GCD: "F4240",
    ISR: "BA",
    TI: "Z",
    CI: "Z",
    II: "I",
    TS: "A",
  });
  deepEqual(opsLine(samples.slice(0, 2)), { O1: "M5B4T11", O2: "M5B4T11" });
  equal(winLine(samples).W3, "16D0");
  equal(winLine(samples).W1, "FE88");
  // Missing replies leave their Ox/Wx out.
  deepEqual(Object.keys(winLine([samples[0], samples[4]])), ["W1", "W5"]);
});

Deno.test("T1-T7 and ECN lines", () => {
  const probe = { seq: 1000, ack: 5000, sentMs: 0 };
  deepEqual(tcpLine("T1", reply({ ack: 1001 }), { probe, distance: 1 }), {
    R: "Y",
    DF: "Y",
    T: "40",
    S: "O",
    A: "S+",
    F: "AS",
    RD: "0",
    Q: "",
  });
  const rst = reply({ seq: 0, ack: 1001, flags: 0x14, window: 0, options: [] });
  deepEqual(tcpLine("T5", rst, { probe, distance: 1 }), {
    R: "Y",
    DF: "Y",
    T: "40",
    W: "0",
    S: "Z",
    A: "S+",
    F: "AR",
    O: "",
    RD: "0",
    Q: "",
  });
  deepEqual(tcpLine("T2", undefined, { probe }), { R: "N" });
  deepEqual(ecnLine(reply({ flags: 0x52, window: 0xfaf0 }), 1), {
    R: "Y",
    DF: "Y",
    T: "40",
    W: "FAF0",
    O: "M5B4ST11NW7",
    CC: "Y",
    Q: "",
  });
  deepEqual(ecnLine(undefined), { R: "N" });
});

Deno.test("U1: faithful and altered quotes", () => {
  const probe = { totalLength: 328, id: 0x1042, udpChecksum: 0xabcd, fill: 0x43 };
  const good: UnreachObservation = {
    ttl: 64,
    df: false,
    ipId: 9,
    ipTotalLength: 356,
    unused: 0,
    quoted: {
      totalLength: 328,
      id: 0x1042,
      checksum: 0x1234,
      checksumValid: true,
      udpChecksum: 0xabcd,
      data: new Uint8Array(300).fill(0x43),
    },
  };
  deepEqual(u1Line(good, { probe, distance: 1 }), {
    R: "Y",
    DF: "N",
    T: "40",
    IPL: "164",
    UN: "0",
    RIPL: "G",
    RID: "G",
    RIPCK: "G",
    RUCK: "G",
    RUD: "G",
  });
  const data = new Uint8Array(300).fill(0x43);
  data[17] = 0;
  const bad: UnreachObservation = {
    ...good,
    ipTotalLength: 56,
    unused: 7,
    quoted: {
      totalLength: 0x4801,
      id: 0x4210,
      checksum: 0x1234,
      checksumValid: false,
      udpChecksum: 0,
      data,
    },
  };
  deepEqual(u1Line(bad, { probe }), {
    R: "Y",
    DF: "N",
    TG: "40",
    IPL: "38",
    UN: "7",
    RIPL: "4801",
    RID: "4210",
    RIPCK: "I",
    RUCK: "0",
    RUD: "I",
  });
  const zeroed = { ...good, quoted: { ...good.quoted, checksum: 0, data: new Uint8Array(0) } };
  equal(u1Line(zeroed, { probe }).RIPCK, "Z");
  equal(u1Line(zeroed, { probe }).RUD, "G", "a truncated quote has no bad bytes");
  deepEqual(u1Line(undefined, { probe }), { R: "N" });
});

Deno.test("IE line", () => {
  const a = { ttl: 64, df: false, ipId: 1, code: 9 };
  const b = { ttl: 64, df: false, ipId: 2, code: 0 };
  deepEqual(ieLine([a, b], { probeCodes: [9, 0], distance: 1 }), {
    R: "Y",
    DFI: "N",
    T: "40",
    CD: "S",
  });
  deepEqual(ieLine([{ ...a, code: 0, df: true }, { ...b, df: false }], { probeCodes: [9, 0] }), {
    R: "Y",
    DFI: "S",
    TG: "40",
    CD: "Z",
  });
  deepEqual(ieLine(undefined, { probeCodes: [9, 0] }), { R: "N" });
});
