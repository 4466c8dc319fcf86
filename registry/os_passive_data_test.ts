import { equal, ok } from "node:assert/strict";
import { DEFAULT_PASSIVE_WEIGHTS, PASSIVE_SIGNATURES } from "./os_passive_data.ts";

/** Bytes each option letter takes on the wire. */
const OPTION_BYTES: Record<string, number> = { M: 4, N: 1, W: 3, S: 2, T: 10, E: 1 };

Deno.test("signature ids are unique and every signature has a source", () => {
  const ids = PASSIVE_SIGNATURES.map((s) => s.id);
  equal(new Set(ids).size, ids.length);
  for (const s of PASSIVE_SIGNATURES) ok(s.sources.length > 0, s.id);
});

Deno.test("CPE names are well-formed CPE 2.3 operating-system names", () => {
  for (const s of PASSIVE_SIGNATURES) {
    ok(s.cpe.length > 0, s.id);
    for (const c of s.cpe) {
      const parts = c.split(":");
      equal(parts.length, 13, c);
      equal(parts.slice(0, 3).join(":"), "cpe:2.3:o", c);
      ok(parts.slice(3, 5).every((p) => /^[a-z0-9_.-]+$/.test(p)), c);
    }
  }
});

Deno.test("option layouts are real: known letters, at most 40 bytes, padded to 4", () => {
  for (const s of PASSIVE_SIGNATURES) {
    for (const layout of s.criteria.layouts ?? []) {
      const letters = layout.split(",");
      ok(letters.every((l) => l in OPTION_BYTES), `${s.id}: ${layout}`);
      ok(letters.includes("M"), `${s.id}: ${layout} has no MSS`);
      ok(!/E,[^E]/.test(layout), `${s.id}: ${layout} has options after EOL`);
      const bytes = letters.filter((l) => l !== "E").reduce((n, l) => n + OPTION_BYTES[l], 0);
      ok(bytes <= 40, `${s.id}: ${layout} is ${bytes} bytes`);
      // A trailing EOL stands for the padding, so only a layout without one must be aligned.
      if (letters.at(-1) === "E") ok(bytes % 4 !== 0, `${s.id}: ${layout} pads nothing`);
      else equal(bytes % 4, 0, `${s.id}: ${layout} is ${bytes} bytes`);
    }
  }
});

Deno.test("each signature tests more than the TTL, and weights are positive", () => {
  for (const s of PASSIVE_SIGNATURES) {
    const c = s.criteria;
    ok(c.windows || c.windowMssMultiple || c.layouts, s.id);
    ok([32, 64, 128, 255].includes(c.initialTtl), s.id);
    for (const w of Object.values({ ...DEFAULT_PASSIVE_WEIGHTS, ...s.weights })) ok(w > 0, s.id);
  }
});

Deno.test("no two signatures are identical in what they test", () => {
  const keys = PASSIVE_SIGNATURES.map((s) => JSON.stringify(s.criteria));
  equal(new Set(keys).size, keys.length);
});

Deno.test("every source key is documented in OS_PROVENANCE.md", async () => {
  const doc = await Deno.readTextFile(new URL("./OS_PROVENANCE.md", import.meta.url));
  const section = doc.split("## Passive OS signatures")[1]?.split(/\n## /)[0] ?? "";
  ok(section.length > 0, "no Passive OS signatures section");
  for (const s of PASSIVE_SIGNATURES) {
    for (const key of s.sources) ok(section.includes(`\`${key}\``), `${s.id}: ${key}`);
    ok(section.includes(`\`${s.id}\``), `signature ${s.id} not listed`);
  }
});
