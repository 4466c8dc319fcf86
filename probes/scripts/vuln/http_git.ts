/**
 * http-git: a web root that serves its `.git` directory hands out the site's source and
 * history. `/.git/HEAD` holding "ref: refs/..." or a commit id is the proof.
 *
 * @module
 */
import type { Script } from "../types.ts";
import { httpRule } from "../bundled/rules.ts";

/** Whether a body is a git HEAD file. */
export function looksLikeGitHead(body: string): boolean {
  return /^ref: refs\/[\w./-]+\s*$/.test(body) || /^[0-9a-f]{40}(?:[0-9a-f]{24})?\s*$/.test(body);
}

/** The `http-git` script. */
export const httpGit: Script = {
  name: "http-git",
  categories: ["vuln", "discovery", "safe"],
  description: "Looks for an exposed Git repository: GET /.git/HEAD returning a ref or commit id.",
  portRule: httpRule,
  async action(ctx) {
    const res = await ctx.http({ path: "/.git/HEAD" });
    const found = res.status === 200 && looksLikeGitHead(res.body);
    let extra = "";
    if (found) {
      const cfg = await ctx.http({ path: "/.git/config" }).catch(() => undefined);
      if (cfg?.status === 200 && /\[core\]/.test(cfg.body)) {
        const remote = /url\s*=\s*(\S+)/.exec(cfg.body)?.[1];
        extra = `; /.git/config readable${remote ? ` (remote ${remote})` : ""}`;
      }
    }
    const evidence = found
      ? `GET /.git/HEAD returned 200 "${res.body.trim().slice(0, 60)}"${extra}`
      : `GET /.git/HEAD returned ${res.status}${res.status === 200 ? " but not a git HEAD" : ""}`;
    return {
      text: `${found ? "VULNERABLE" : "NOT VULNERABLE"}: ${evidence}`,
      data: { status: res.status, found },
      vulnerable: {
        state: found ? "VULNERABLE" : "NOT VULNERABLE",
        title: "Git repository exposed over HTTP",
        evidence,
        risk: found ? "high" : undefined,
      },
    };
  },
};
