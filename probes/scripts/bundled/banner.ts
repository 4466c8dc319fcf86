/**
 * banner: what a TCP service says first, before the client speaks.
 *
 * @module
 */
import { scriptArg } from "../args.ts";
import type { Script } from "../types.ts";

/** Escape control bytes the way a terminal can show them. */
export function printable(s: string): string {
  let out = "";
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (c === "\r") out += "\\r";
    else if (c === "\n") out += "\\n";
    else if (c === "\t") out += "\\t";
    else if (code < 0x20 || (code >= 0x7f && code <= 0xff)) {
      out += "\\x" + code.toString(16).padStart(2, "0");
    } else out += c;
  }
  return out;
}

/** The `banner` script. */
export const banner: Script = {
  name: "banner",
  categories: ["discovery", "safe"],
  description:
    "Connects to a TCP port and reports what the service sends first (arg banner.timeout, ms).",
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
