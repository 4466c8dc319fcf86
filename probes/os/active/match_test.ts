import { deepEqual, equal, ok } from "node:assert/strict";
import type { OsDbEntry } from "../../../registry/os_db.ts";
import { OS_DB } from "../../../registry/os_db.ts";
import { pickMatches } from "./detect.ts";
import { type FingerprintLines, parseFingerprint } from "./fingerprint.ts";
import { matchExpression, matchOs, scoreEntry, weightOf } from "./match.ts";

// Our own probes' fingerprint of the Linux 6.18 lab host (equal, line for line, to what
// nmap printed for it, SEQ values aside).
const LINUX_LAB = parseFingerprint(
  "SEQ(SP=109%GCD=1%ISR=110%TI=Z%CI=Z%II=I%TS=21)" +
    "OPS(O1=M5B4ST11NWA%O2=M5B4ST11NWA%O3=M5B4NNT11NWA%O4=M5B4ST11NWA%O5=M5B4ST11NWA%O6=M5B4ST11)" +
    "WIN(W1=FE88%W2=FE88%W3=FE88%W4=FE88%W5=FE88%W6=FE88)" +
    "ECN(R=Y%DF=Y%T=40%W=FAF0%O=M5B4NNSNWA%CC=Y%Q=)T1(R=Y%DF=Y%T=40%S=O%A=S+%F=AS%RD=0%Q=)" +
    "T2(R=N)T3(R=N)T4(R=Y%DF=Y%T=40%W=0%S=A%A=Z%F=R%O=%RD=0%Q=)" +
    "T5(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)T6(R=Y%DF=Y%T=40%W=0%S=A%A=Z%F=R%O=%RD=0%Q=)" +
    "T7(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)" +
    "U1(R=Y%DF=N%T=40%IPL=164%UN=0%RIPL=G%RID=G%RIPCK=G%RUCK=G%RUD=G)IE(R=Y%DFI=N%T=40%CD=S)",
);

function clone(fp: FingerprintLines): FingerprintLines {
  return JSON.parse(JSON.stringify(fp));
}

Deno.test("expressions: exact, alternatives, ranges, bounds, wildcards, empty", () => {
  ok(matchExpression("FAF0|FE88", "FE88"));
  ok(!matchExpression("FAF0|FE88", "FFFF"));
  ok(matchExpression("F0-118", "105"));
  ok(matchExpression("F0-118", "F0"));
  ok(matchExpression("F0-118", "118"));
  ok(!matchExpression("F0-118", "119"));
  ok(!matchExpression("F0-118", "Z"));
  ok(matchExpression(">A", "B"));
  ok(!matchExpression(">A", "A"));
  ok(matchExpression("<5", "4"));
  ok(matchExpression("M*ST11NW*", "M5B4ST11NW7"));
  ok(matchExpression("M*ST11NW*", "M218ST11NWA"));
  ok(!matchExpression("M*ST11NW*", "M5B4ST11"));
  ok(!matchExpression("M*", "M5B4NNS"), "* spans hex digits only");
  ok(matchExpression("", ""));
  ok(matchExpression("S|", ""));
  ok(!matchExpression("S", ""));
  ok(matchExpression("S+", "S+"), "regex characters are literal");
  ok(!matchExpression("S+", "SS"));
});

Deno.test("weights: T2-T7 share a table, unknown attributes weigh nothing", () => {
  equal(weightOf("T4", "W"), weightOf("T7", "W"));
  ok(weightOf("T1", "R") > 0);
  equal(weightOf("SCAN", "OT"), 0);
  equal(weightOf("T4", "BOGUS"), 0);
});

const TOY: OsDbEntry = {
  name: "Toy",
  classes: [{ vendor: "Toy", family: "Toy", deviceType: "general purpose" }],
  cpe: ["cpe:/o:toy:toy"],
  tests: {
    T5: { R: "Y", DF: "Y", T: "3B-45", TG: "40", W: "0", S: "Z", A: "S+", F: "AR" },
    IE: { R: "Y", TG: "40", CD: "S" },
  },
  provenance: { source: "public", confidence: "low", notes: "test" },
};

Deno.test("scoring: only lines and attributes both sides have; R=N compares R alone", () => {
  const fp = parseFingerprint("T5(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)T6(R=Y%W=0)");
  const s = scoreEntry(fp, TOY);
  const expected = ["R", "DF", "T", "W", "S", "A", "F"].reduce((a, k) => a + weightOf("T5", k), 0);
  deepEqual(s, { scored: expected, possible: expected });
  const silent = scoreEntry(parseFingerprint("T5(R=N)"), TOY);
  deepEqual(silent, { scored: 0, possible: weightOf("T5", "R") });
  // An exact T is checked against an entry that only gives TG.
  const ie = scoreEntry(parseFingerprint("IE(R=Y%DFI=N%T=3E%CD=S)"), TOY);
  equal(ie.scored, ie.possible);
  const ie2 = scoreEntry(parseFingerprint("IE(R=Y%DFI=N%T=7E%CD=S)"), TOY);
  equal(ie2.possible - ie2.scored, weightOf("IE", "T"));
  deepEqual(scoreEntry(parseFingerprint("U1(R=Y)"), TOY), { scored: 0, possible: 0 });
});

Deno.test("the measured Linux fingerprint is a perfect match for the measured entry", () => {
  const ranked = matchOs(LINUX_LAB, OS_DB);
  equal(ranked[0].name, "Linux 5.4 - 6.x");
  equal(ranked[0].accuracy, 100);
  equal(ranked[0].class.family, "Linux");
  ok(ranked[0].cpe[0].startsWith("cpe:/o:linux:linux_kernel"));
  const windows = ranked.find((m) => m.class.family === "Windows")!;
  ok(windows.accuracy < 85, `Windows scored ${windows.accuracy}: would be reported as a guess`);
  // Sorted best first.
  for (let i = 1; i < ranked.length; i++) ok(ranked[i - 1].accuracy >= ranked[i].accuracy);
});

Deno.test("perturbations cost accuracy in proportion to their weight", () => {
  const ttl128 = clone(LINUX_LAB);
  for (const l of ["ECN", "T1", "T4", "T5", "T6", "T7", "U1", "IE"]) ttl128[l].T = "80";
  const r = matchOs(ttl128, OS_DB);
  equal(r[0].class.family, "Linux", "a TTL sysctl does not hide Linux");
  ok(r[0].accuracy < 100 && r[0].accuracy >= 90, `accuracy ${r[0].accuracy}`);

  const noReplies = clone(LINUX_LAB);
  noReplies.T4 = { R: "N" };
  noReplies.T6 = { R: "N" };
  const r2 = matchOs(noReplies, OS_DB);
  ok(r2[0].accuracy < 100);

  const missing = clone(LINUX_LAB);
  delete missing.U1;
  delete missing.IE;
  const r3 = matchOs(missing, OS_DB);
  equal(r3[0].name, "Linux 5.4 - 6.x", "missing lines are not counted against");
  equal(r3[0].accuracy, 100);

  // A Windows-like answer set: TTL 128, incrementing IDs, window 8192, no timestamps.
  const win = parseFingerprint(
    "SEQ(SP=104%GCD=1%ISR=108%TI=I%CI=I%II=I%SS=S%TS=U)" +
      "OPS(O1=M5B4NW8NNS%O2=M5B4NW8NNS%O3=M5B4NW8%O4=M5B4NW8NNS%O5=M5B4NW8NNS%O6=M5B4NNS)" +
      "WIN(W1=2000%W2=2000%W3=2000%W4=2000%W5=2000%W6=2000)" +
      "ECN(R=Y%DF=Y%T=80%W=2000%O=M5B4NW8NNS%CC=N%Q=)T1(R=Y%DF=Y%T=80%S=O%A=S+%F=AS%RD=0%Q=)" +
      "T5(R=Y%DF=Y%T=80%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)IE(R=Y%DFI=N%T=80%CD=Z)",
  );
  const r4 = matchOs(win, OS_DB);
  equal(r4[0].class.family, "Windows");
});

Deno.test("pickMatches: perfect ones, else guesses only when asked", () => {
  const ranked = matchOs(LINUX_LAB, OS_DB);
  const perfect = pickMatches(ranked, { guess: false });
  ok(perfect.perfect);
  ok(perfect.matches.every((m) => m.accuracy === 100));
  const off = clone(LINUX_LAB);
  off.ECN.CC = "S";
  off.SEQ.TI = "RI";
  const imperfect = matchOs(off, OS_DB);
  ok(imperfect[0].accuracy < 100);
  deepEqual(pickMatches(imperfect, { guess: false }), { matches: [], perfect: false });
  const guesses = pickMatches(imperfect, { guess: true });
  ok(!guesses.perfect);
  ok(guesses.matches.length > 0 && guesses.matches.every((m) => m.accuracy >= 85));
  equal(guesses.matches[0].class.family, "Linux");
  deepEqual(pickMatches(imperfect, { guess: true, guessThreshold: 101 }).matches, []);
});
