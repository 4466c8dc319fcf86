/**
 * elasticsearch-noauth: GET / and /_cat/indices without credentials. A 200 JSON banner with a
 * cluster name means the REST API is open; 401 with a Basic/ApiKey challenge means security
 * is on.
 *
 * @module
 */
import type { Script, ScriptPort } from "../types.ts";

function esRule(p: ScriptPort): boolean {
  if (p.protocol !== "tcp") return false;
  if (/elasticsearch|opensearch/i.test(p.service?.product ?? "")) return true;
  if (p.service?.name === "elasticsearch") return true;
  return p.port === 9200 &&
    (p.service === undefined || ["http", "unknown", "wap-wsp"].includes(p.service.name));
}

/** The `elasticsearch-noauth` script. */
export const elasticsearchNoauth: Script = {
  name: "elasticsearch-noauth",
  categories: ["vuln", "auth", "safe"],
  description:
    "Reads the Elasticsearch banner and index list without credentials; 200 JSON means no authentication.",
  portRule: esRule,
  async action(ctx) {
    const root = await ctx.http({ path: "/" });
    if (root.status === 401 || root.status === 403) {
      const evidence = `GET / returned ${root.status}${
        root.headers["www-authenticate"]
          ? ` (${root.headers["www-authenticate"].slice(0, 60)})`
          : ""
      }`;
      return {
        text: `NOT VULNERABLE: ${evidence}`,
        vulnerable: {
          state: "NOT VULNERABLE",
          title: "Elasticsearch without authentication",
          evidence,
        },
      };
    }
    let info: Record<string, unknown>;
    try {
      info = JSON.parse(root.body);
    } catch {
      return undefined;
    }
    if (root.status !== 200 || typeof info !== "object" || !info || !("cluster_name" in info)) {
      return undefined;
    }
    const version = (info.version as { number?: string } | undefined)?.number;
    const idx = await ctx.http({ path: "/_cat/indices?format=json" }).catch(() => undefined);
    let indices: string[] = [];
    if (idx?.status === 200) {
      try {
        indices = (JSON.parse(idx.body) as { index?: string }[]).map((r) => r.index ?? "?");
      } catch { /* not JSON: leave empty */ }
    }
    const evidence = `GET / returned 200 JSON without credentials (cluster_name ${
      JSON.stringify(info.cluster_name)
    }${version ? `, version ${version}` : ""})${
      idx
        ? `; /_cat/indices returned ${idx.status}${
          idx.status === 200 ? ` listing ${indices.length} indices` : ""
        }`
        : ""
    }`;
    return {
      text: `VULNERABLE: ${evidence}`,
      data: { cluster: info.cluster_name, version, indices },
      vulnerable: {
        state: "VULNERABLE",
        title: "Elasticsearch without authentication",
        evidence,
        risk: "critical",
      },
    };
  },
};
