/**
 * cve-lookup: the port's detected product and version looked up in the offline CVE table
 * (`registry/cve_data.ts`), like nmap's `vulners` but without leaving the machine. A version
 * match is not proof (distributions backport fixes), so findings are LIKELY VULNERABLE.
 *
 * @module
 */
import type { Script } from "../types.ts";
import { lookupCves } from "../../../registry/cve_data.ts";

function risk(score: number | undefined): "low" | "medium" | "high" | "critical" {
  if (score === undefined) return "high";
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  return "low";
}

/** The `cve-lookup` script. */
export const cveLookup: Script = {
  name: "cve-lookup",
  categories: ["vuln", "safe"],
  description:
    "Looks the detected product and version up in Portolan's offline CVE table (NVD and CISA KEV facts); needs -sV.",
  portRule: (p) => p.service?.product !== undefined && p.service.version !== undefined,
  action(ctx) {
    const svc = ctx.port!.service!;
    const rows = lookupCves(svc.product!, svc.version);
    if (rows.length === 0) return Promise.resolve(undefined);
    const lines = rows.map((r) =>
      `${r.id}  ${r.cvss ? `CVSS ${r.cvss.score.toFixed(1)}` : "CVSS ?"}${
        r.kev ? "  KEV" : ""
      }  ${r.summary}${r.condition ? ` [only if: ${r.condition}]` : ""}`
    );
    const top = rows[0];
    const evidence = `${svc.product} ${svc.version} is in the affected range of ${
      rows.map((r) => r.id).join(", ")
    } (version match only)`;
    return Promise.resolve({
      text: `${svc.product} ${svc.version}:\n  ${lines.join("\n  ")}`,
      data: {
        product: svc.product,
        version: svc.version,
        cves: rows.map((r) => ({
          id: r.id,
          cvss: r.cvss?.score,
          kev: r.kev,
          condition: r.condition,
        })),
      },
      vulnerable: {
        state: "LIKELY VULNERABLE",
        id: top.id,
        title: `${rows.length} known CVE(s) for ${svc.product} ${svc.version}`,
        evidence,
        risk: risk(Math.max(...rows.map((r) => r.cvss?.score ?? 0)) || undefined),
      },
    });
  },
};
