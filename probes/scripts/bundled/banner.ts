/**
 * banner: what a TCP service says first, before the client speaks.
 *
 * @module
 */
import { scriptArg } from "../args.ts";
import type { Script } from "../types.ts";

/** Escape control bytes the way a terminal can show them. */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\xff]/g, (c) => {
    if (c === "\r") return "\\r";
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    return "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0");
  });
}

/** The `banner` script. */
export const banner: Script = {
  name: "banner",
  categories: ["discovery", "safe"],
  description: "Connects to a TCP port and reports what the service sends first (arg banner.timeout, ms).",
  portRule: (p) => p.protocol === "tcp" && p.state === "open",
  async action(ctx) {
    const wait = Number(scriptArg(ctx.args, "banner", "timeout") ?? 2500);
    const sock = await ctx.tcp();
    try {
      let text = "";
      try {
        text = await sock.receiveText({ timeoutMs: wait });
      } catch {
        return undefined; // silent services are not an error
      }
      text = text.replace(/[\r\n]+$/, "");
      if (text === "") return undefined;
      const shown = printable(text).slice(0, 160);
      return { text: shown, data: { banner: text } };
    } finally {
      sock.close();
    }
  },
};
