/**
 * redis-noauth: `INFO server` without AUTH. A bulk reply with `redis_version` means anyone who
 * reaches the port can read and write every key (and, on old versions, run Lua or rewrite
 * configuration). `-NOAUTH` means a password is required.
 *
 * @module
 */
import type { Script } from "../types.ts";
import { portOrService } from "../bundled/rules.ts";

/** The `redis-noauth` script. */
export const redisNoauth: Script = {
  name: "redis-noauth",
  categories: ["vuln", "auth", "safe"],
  description:
    "Sends INFO without authenticating; an answer means Redis is open to anyone who can reach it.",
  portRule: portOrService([6379], ["redis"]),
  async action(ctx) {
    const sock = await ctx.tcp();
    try {
      await sock.send("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n");
      const first = await sock.receiveText({ line: true });
      if (first.startsWith("-")) {
        const evidence = `INFO answered ${JSON.stringify(first.slice(0, 80))}`;
        return {
          text: `NOT VULNERABLE: ${evidence}`,
          vulnerable: { state: "NOT VULNERABLE", title: "Redis without authentication", evidence },
        };
      }
      const m = /^\$(\d+)$/.exec(first);
      if (!m) return undefined;
      const body = await sock.receiveText({ bytes: Number(m[1]) });
      const version = /redis_version:([\w.]+)/.exec(body)?.[1];
      const mode = /redis_mode:(\w+)/.exec(body)?.[1];
      if (!version) return undefined;
      const evidence = `INFO without AUTH returned ${body.length} bytes: redis_version:${version}${
        mode ? `, redis_mode:${mode}` : ""
      }`;
      return {
        text: `VULNERABLE: ${evidence}`,
        data: { version, mode },
        vulnerable: {
          state: "VULNERABLE",
          title: "Redis without authentication",
          evidence,
          risk: "high",
        },
      };
    } finally {
      sock.close();
    }
  },
};
