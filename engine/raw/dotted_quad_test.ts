import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { parseDottedQuad } from "./dotted_quad.ts";

Deno.test("parseDottedQuad: canonical dotted quads only", () => {
  const out = new Uint8Array(6);
  assert(parseDottedQuad("198.19.3.255", out, 2));
  assertEquals([...out.subarray(2)], [198, 19, 3, 255]);
  for (const bad of ["1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256", "::1", "1.2.3.a", "1..3.4"]) {
    assertEquals(parseDottedQuad(bad, out), false, bad);
  }
  assert(parseDottedQuad("0.0.0.0", out));
  assertEquals([...out.subarray(0, 4)], [0, 0, 0, 0]);
});
