/**
 * http-trace: TRACE with a custom header; a server that echoes it back has TRACE enabled
 * (cross-site tracing, header disclosure through proxies).
 *
 * @module
 */
import type { Script } from "../types.ts";
import { httpRule } from "../bundled/rules.ts";

/** The `http-trace` script. */
export const httpTrace: Script = {
  name: "http-trace",
  categories: ["vuln", "discovery", "safe"],
  description: "Sends TRACE with a unique header; the header echoed back means TRACE is enabled.",
  portRule: httpRule,
  async action(ctx) {
    const value = crypto.randomUUID();
    const res = await ctx.http({
      method: "TRACE",
      path: "/",
      headers: { "X-Portolan-Trace": value },
    });
    const echoed = res.status === 200 && res.body.includes(value) &&
      /x-portolan-trace/i.test(res.body);
    const evidence = echoed
      ? `TRACE / returned 200 ${
        res.headers["content-type"] ?? ""
      } echoing "X-Portolan-Trace: ${value}"`.replace("  ", " ")
      : `TRACE / returned ${res.status} without our header`;
    return {
      text: `${echoed ? "VULNERABLE" : "NOT VULNERABLE"}: ${evidence}`,
      data: { status: res.status, echoed },
      vulnerable: {
        state: echoed ? "VULNERABLE" : "NOT VULNERABLE",
        title: "HTTP TRACE method enabled",
        evidence,
        risk: echoed ? "low" : undefined,
      },
    };
  },
};
