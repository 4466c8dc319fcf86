import { deepEqual, equal, ok } from "node:assert/strict";
import { compareVersions, CVE_ROWS, inRange, lookupCves } from "./cve_data.ts";

Deno.test("compareVersions: OpenSSH, nginx, letter and pre-release suffixes", () => {
  const ascending = ["4.3p2", "7.7p1", "8.5p1", "9.2", "9.2p1", "9.3p2", "9.8p1", "10.0p1"];
  for (let i = 1; i < ascending.length; i++) {
    equal(
      compareVersions(ascending[i - 1], ascending[i]),
      -1,
      `${ascending[i - 1]} < ${ascending[i]}`,
    );
    equal(compareVersions(ascending[i], ascending[i - 1]), 1);
  }
  equal(compareVersions("1.22.1", "1.22.1"), 0);
  equal(compareVersions("1.9.15", "1.20.1"), -1);
  equal(compareVersions("1.0.1f", "1.0.1g"), -1);
  equal(compareVersions("1.0.1", "1.0.1a"), -1);
  equal(compareVersions("1.5.0rc1", "1.5.0"), -1);
  equal(compareVersions("2.3.4", "2.3.4"), 0);
});

Deno.test("inRange and lookupCves: boundaries are inclusive/exclusive as documented", () => {
  ok(inRange("8.5p1", { introduced: "8.5p1", fixed: "9.8p1" }));
  ok(!inRange("9.8p1", { introduced: "8.5p1", fixed: "9.8p1" }));
  ok(!inRange("8.4p1", { introduced: "8.5p1", fixed: "9.8p1" }));
  // 2.4.49 fixed CVE-2021-40438 ("2.4.48 and earlier") but introduced 41773.
  deepEqual(lookupCves("Apache httpd", "2.4.49").map((r) => r.id), [
    "CVE-2021-42013",
    "CVE-2023-25690",
    "CVE-2021-41773",
  ]);
  deepEqual(lookupCves("Apache httpd", "2.4.48").map((r) => r.id), [
    "CVE-2023-25690",
    "CVE-2021-40438",
  ]);
  deepEqual(lookupCves("Apache httpd", "2.4.50").map((r) => r.id), [
    "CVE-2021-42013",
    "CVE-2023-25690",
  ]);
  deepEqual(lookupCves("nginx", "1.22.1").map((r) => r.id), []);
  deepEqual(lookupCves("nginx", "1.18.0").map((r) => r.id), ["CVE-2021-23017"]);
  deepEqual(lookupCves("Exim smtpd", "4.92").map((r) => r.id), []);
  deepEqual(lookupCves("Redis key-value store", "7.0.15").map((r) => r.id), []);
  deepEqual(
    lookupCves("Redis key-value store", "7.0.15", { includeUnversioned: true }).map((r) => r.id),
    ["CVE-2022-0543"],
  );
});

Deno.test("CVE rows: ids well formed, unique per product, NVD record cited, KEV rows cite KEV", () => {
  const seen = new Set<string>();
  for (const r of CVE_ROWS) {
    ok(/^CVE-\d{4}-\d{4,}$/.test(r.id), r.id);
    ok(!seen.has(r.id + r.product), r.id);
    seen.add(r.id + r.product);
    ok(r.source.includes(`https://nvd.nist.gov/vuln/detail/${r.id}`), r.id);
    if (r.kev) ok(r.source.some((s) => s.includes("cisa.gov")), r.id);
    if (r.cvss) ok(r.cvss.score > 0 && r.cvss.score <= 10, r.id);
  }
});
