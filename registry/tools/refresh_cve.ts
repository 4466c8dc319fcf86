/**
 * Refreshes `registry/cve_data.ts` from LOCAL copies of the CISA KEV catalog (CC0) and NVD CVE
 * API 2.0 responses (public domain). Nothing is downloaded: fetch the feeds elsewhere, then
 *
 *   deno task cve:refresh --kev known_exploited_vulnerabilities.json --nvd nvd-page-1.json ...
 *   (= deno run --allow-read --allow-write registry/tools/refresh_cve.ts ...; add --dry-run to
 *   print instead of writing)
 *
 * What it does: sets `kev` on every row (true when the CVE is in the catalog, false when not);
 * updates CVSS (v3.1, else v3.0, else v2) and version ranges of rows found in the NVD files; and
 * adds a row for every NVD CVE that affects a CPE listed in `CPE_PRODUCTS` and is in KEV or
 * scores 7.0 or more. Hand-written fields (summary, condition) of existing rows are kept.
 * Only the block between the BEGIN/END CVE ROWS markers is rewritten.
 *
 * @module
 */
import { CPE_PRODUCTS, CVE_ROWS, type CveRecord, type VersionRange } from "../cve_data.ts";

/** The parts of a KEV catalog we read. */
export interface KevFeed {
  vulnerabilities: { cveID: string }[];
}

interface CvssMetric {
  cvssData: { baseScore: number; version?: string };
}

/** The parts of an NVD CVE API 2.0 response we read. */
export interface NvdFeed {
  vulnerabilities: {
    cve: {
      id: string;
      descriptions?: { lang: string; value: string }[];
      metrics?: {
        cvssMetricV31?: CvssMetric[];
        cvssMetricV30?: CvssMetric[];
        cvssMetricV2?: CvssMetric[];
      };
      configurations?: {
        nodes: {
          cpeMatch: {
            vulnerable: boolean;
            criteria: string;
            versionStartIncluding?: string;
            versionStartExcluding?: string;
            versionEndIncluding?: string;
            versionEndExcluding?: string;
          }[];
        }[];
      }[];
    };
  }[];
}

type NvdCve = NvdFeed["vulnerabilities"][number]["cve"];

function cvssOf(cve: NvdCve): CveRecord["cvss"] {
  const m = cve.metrics;
  if (m?.cvssMetricV31?.[0]) {
    return { score: m.cvssMetricV31[0].cvssData.baseScore, version: "3.1" };
  }
  if (m?.cvssMetricV30?.[0]) {
    return { score: m.cvssMetricV30[0].cvssData.baseScore, version: "3.0" };
  }
  if (m?.cvssMetricV2?.[0]) return { score: m.cvssMetricV2[0].cvssData.baseScore, version: "2.0" };
  return undefined;
}

/** Affected ranges per our product name, from the CVE's vulnerable CPE matches. */
export function rangesByProduct(cve: NvdCve): Map<string, VersionRange[]> {
  const out = new Map<string, VersionRange[]>();
  for (const conf of cve.configurations ?? []) {
    for (const node of conf.nodes) {
      for (const m of node.cpeMatch) {
        if (!m.vulnerable) continue;
        // cpe:2.3:a:<vendor>:<product>:<version>:...
        const f = m.criteria.split(":");
        const product = CPE_PRODUCTS[`${f[3]}:${f[4]}`];
        if (!product) continue;
        const range: VersionRange = {};
        const version = f[5];
        if (version && version !== "*" && version !== "-") {
          // An exact version; CPE puts OpenSSH's "p1" in the update field.
          const update = f[6] && f[6] !== "*" && f[6] !== "-" ? f[6] : "";
          range.introduced = version + update;
          range.lastAffected = version + update;
        } else {
          if (m.versionStartIncluding) range.introduced = m.versionStartIncluding;
          if (m.versionEndExcluding) range.fixed = m.versionEndExcluding;
          if (m.versionEndIncluding) range.lastAffected = m.versionEndIncluding;
          // Start-excluding ranges are rare; recording them as inclusive would over-report by one.
          if (m.versionStartExcluding) continue;
        }
        out.set(product, [...(out.get(product) ?? []), range]);
      }
    }
  }
  return out;
}

/** Merge feeds into rows (pure: the file is written by `main`). */
export function refreshRows(
  rows: readonly CveRecord[],
  kev: KevFeed | undefined,
  nvd: NvdFeed[],
): CveRecord[] {
  const inKev = kev ? new Set(kev.vulnerabilities.map((v) => v.cveID)) : undefined;
  const out = rows.map((r) => ({ ...r, source: [...r.source], ranges: [...r.ranges] }));
  const key = (id: string, product: string) => `${id}\u0000${product}`;
  const index = new Map(out.map((r, i) => [key(r.id, r.product), i]));
  for (const feed of nvd) {
    for (const { cve } of feed.vulnerabilities) {
      const cvss = cvssOf(cve);
      for (const [product, ranges] of rangesByProduct(cve)) {
        const at = index.get(key(cve.id, product));
        if (at !== undefined) {
          out[at].cvss = cvss ?? out[at].cvss;
          out[at].ranges = ranges;
          continue;
        }
        if (!(inKev?.has(cve.id) || (cvss?.score ?? 0) >= 7)) continue;
        const summary = cve.descriptions?.find((d) => d.lang === "en")?.value ?? "";
        index.set(key(cve.id, product), out.length);
        out.push({
          id: cve.id,
          product,
          ranges,
          summary: summary.replace(/\s+/g, " ").slice(0, 300),
          cvss,
          source: [`https://nvd.nist.gov/vuln/detail/${cve.id}`],
        });
      }
    }
  }
  if (inKev) {
    for (const r of out) {
      r.kev = inKev.has(r.id);
      const url = "https://www.cisa.gov/known-exploited-vulnerabilities-catalog";
      if (r.kev && !r.source.includes(url)) r.source.push(url);
    }
  }
  return out;
}

/** The TypeScript for the rows block. */
export function renderRows(rows: readonly CveRecord[]): string {
  const body = rows.map((r) => `  ${JSON.stringify(r)},`).join("\n");
  return `/** The dataset. */\nexport const CVE_ROWS: readonly CveRecord[] = [\n${body}\n];\n`;
}

/** Replace the marked block of `source` with `rows`. */
export function replaceBlock(source: string, rows: readonly CveRecord[]): string {
  const begin = source.indexOf("// BEGIN CVE ROWS");
  const end = source.indexOf("// END CVE ROWS");
  if (begin < 0 || end < begin) {
    throw new Error("cve_data.ts: BEGIN/END CVE ROWS markers not found");
  }
  const afterBegin = source.indexOf("\n", begin) + 1;
  return source.slice(0, afterBegin) + renderRows(rows) + source.slice(end);
}

async function main(args: string[]): Promise<void> {
  let kev: KevFeed | undefined;
  const nvd: NvdFeed[] = [];
  let dry = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--kev") kev = JSON.parse(await Deno.readTextFile(args[++i]));
    else if (args[i] === "--nvd") {
      while (args[i + 1] && !args[i + 1].startsWith("--")) {
        nvd.push(JSON.parse(await Deno.readTextFile(args[++i])));
      }
    } else if (args[i] === "--dry-run") dry = true;
    else throw new Error(`unknown argument ${args[i]}`);
  }
  if (!kev && nvd.length === 0) {
    console.error("usage: refresh_cve.ts [--kev kev.json] [--nvd nvd.json ...] [--dry-run]");
    Deno.exit(2);
  }
  const rows = refreshRows(CVE_ROWS, kev, nvd);
  const path = new URL("../cve_data.ts", import.meta.url);
  const next = replaceBlock(await Deno.readTextFile(path), rows);
  if (dry) console.log(renderRows(rows));
  else {
    await Deno.writeTextFile(path, next);
    console.error(
      `cve_data.ts: ${rows.length} rows (${
        rows.length - CVE_ROWS.length
      } new); run deno fmt registry/cve_data.ts`,
    );
  }
}

if (import.meta.main) await main(Deno.args);
