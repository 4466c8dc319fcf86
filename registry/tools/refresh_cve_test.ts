import { deepEqual, equal, ok } from "node:assert/strict";
import { CVE_ROWS, lookupCves } from "../cve_data.ts";
import { type NvdFeed, refreshRows, replaceBlock } from "./refresh_cve.ts";

/** Shaped like an NVD CVE API 2.0 page (fields trimmed to those the tool reads). */
const NVD: NvdFeed = {
  vulnerabilities: [
    {
      cve: {
        id: "CVE-2024-6387",
        metrics: { cvssMetricV31: [{ cvssData: { baseScore: 8.1, version: "3.1" } }] },
        configurations: [{
          nodes: [{
            cpeMatch: [
              {
                vulnerable: true,
                criteria: "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*",
                versionEndExcluding: "4.4",
              },
              {
                vulnerable: true,
                criteria: "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*",
                versionStartIncluding: "8.5",
                versionEndExcluding: "9.8",
              },
            ],
          }],
        }],
      },
    },
    {
      cve: {
        id: "CVE-2099-0001",
        descriptions: [{ lang: "en", value: "A made-up   nginx flaw for the test." }],
        metrics: { cvssMetricV30: [{ cvssData: { baseScore: 7.5 } }] },
        configurations: [{
          nodes: [{
            cpeMatch: [{ vulnerable: true, criteria: "cpe:2.3:a:f5:nginx:1.25.0:*:*:*:*:*:*:*" }],
          }],
        }],
      },
    },
    {
      cve: {
        id: "CVE-2099-0002",
        metrics: { cvssMetricV31: [{ cvssData: { baseScore: 3.1 } }] },
        configurations: [{
          nodes: [{
            cpeMatch: [{ vulnerable: true, criteria: "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*" }],
          }],
        }],
      },
    },
  ],
};

Deno.test("refreshRows: KEV flags, NVD ranges and new high-severity CVEs for known CPEs", () => {
  const rows = refreshRows(CVE_ROWS, { vulnerabilities: [{ cveID: "CVE-2011-2523" }] }, [NVD]);
  const by = (id: string) => rows.find((r) => r.id === id)!;
  equal(by("CVE-2011-2523").kev, true);
  ok(by("CVE-2011-2523").source.some((s) => s.includes("cisa.gov")));
  equal(by("CVE-2021-41773").kev, false, "absent from the given catalog");
  deepEqual(by("CVE-2024-6387").ranges, [{ fixed: "4.4" }, { introduced: "8.5", fixed: "9.8" }]);
  equal(
    by("CVE-2024-6387").summary,
    CVE_ROWS.find((r) => r.id === "CVE-2024-6387")!.summary,
    "hand text kept",
  );
  const added = by("CVE-2099-0001");
  equal(added.product, "nginx");
  equal(added.summary, "A made-up nginx flaw for the test.");
  deepEqual(added.cvss, { score: 7.5, version: "3.0" });
  equal(rows.find((r) => r.id === "CVE-2099-0002"), undefined, "low score, not in KEV: left out");
  deepEqual(lookupCves("nginx", "1.25.0", { rows }).map((r) => r.id), ["CVE-2099-0001"]);
});

Deno.test("replaceBlock: rewrites only the marked block", async () => {
  const src = await Deno.readTextFile(new URL("../cve_data.ts", import.meta.url));
  const next = replaceBlock(src, CVE_ROWS.slice(0, 2));
  ok(next.includes("export function compareVersions"));
  ok(next.includes('"id":"CVE-2011-2523"'));
  ok(!next.includes('CVE-2017-0144",'));
  equal(next.split("// BEGIN CVE ROWS").length, 2);
  equal(next.split("// END CVE ROWS").length, 2);
});
