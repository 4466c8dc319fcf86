import { equal, ok } from "node:assert/strict";
import { OS_DB } from "./os_db.ts";
import { weightOf } from "../probes/os/active/match.ts";

const LINES = ["SEQ", "OPS", "WIN", "ECN", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "U1", "IE"];

Deno.test("every entry is complete and honest about where it came from", () => {
  ok(OS_DB.length >= 12);
  const names = new Set<string>();
  for (const e of OS_DB) {
    ok(e.name && !names.has(e.name), `duplicate or empty name ${e.name}`);
    names.add(e.name);
    ok(e.classes.length > 0, e.name);
    for (const c of e.classes) ok(c.vendor && c.family && c.deviceType, e.name);
    ok(
      e.cpe.length > 0 && e.cpe.every((c) => /^cpe:\/[aoh]:[a-z0-9_.-]+:[a-z0-9_.-]+/.test(c)),
      e.name,
    );
    ok(["measured", "public"].includes(e.provenance.source), e.name);
    ok(e.provenance.notes.length > 20, e.name);
    if (e.provenance.source === "public") {
      ok(
        e.provenance.confidence !== "high",
        `${e.name}: unmeasured entries are not high confidence`,
      );
      ok(/not measured/i.test(e.provenance.notes), e.name);
    }
  }
});

Deno.test("every test name and attribute is one the matcher weighs", () => {
  for (const e of OS_DB) {
    for (const [line, attrs] of Object.entries(e.tests)) {
      ok(LINES.includes(line), `${e.name}: unknown line ${line}`);
      for (const attr of Object.keys(attrs)) {
        ok(weightOf(line, attr) > 0, `${e.name}: ${line}.${attr} has no weight`);
      }
    }
  }
});

Deno.test("expressions are well formed: ranges ascend, no stray characters", () => {
  for (const e of OS_DB) {
    for (const [line, attrs] of Object.entries(e.tests)) {
      for (const [attr, expr] of Object.entries(attrs)) {
        for (const alt of expr.split("|")) {
          ok(/^[0-9A-Za-z+*<>-]*$/.test(alt), `${e.name} ${line}.${attr}: "${alt}"`);
          const r = alt.match(/^([0-9A-F]+)-([0-9A-F]+)$/);
          if (r) ok(parseInt(r[1], 16) <= parseInt(r[2], 16), `${e.name} ${line}.${attr}: ${alt}`);
        }
      }
    }
  }
});

Deno.test("the database covers the families the issue lists", () => {
  const families = new Set(OS_DB.map((e) => e.classes[0].family));
  for (const f of ["Linux", "Windows", "macOS", "iOS", "FreeBSD", "OpenBSD", "Android", "IOS"]) {
    ok(families.has(f), f);
  }
  equal(OS_DB.filter((e) => e.provenance.source === "measured").length >= 1, true);
});
