/**
 * HTTP scripts: http-title, http-headers, http-methods, http-robots.txt, http-server-header.
 *
 * @module
 */
import { scriptArg } from "../args.ts";
import type { Script } from "../types.ts";
import { httpRule } from "./rules.ts";

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (_, e: string) => {
    const k = e.toLowerCase();
    if (k.startsWith("#x")) return String.fromCodePoint(parseInt(k.slice(2), 16));
    if (k.startsWith("#")) return String.fromCodePoint(parseInt(k.slice(1), 10));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " } as Record<
      string,
      string
    >)[k];
  });
}

/** The text of an HTML document's <title>, whitespace collapsed, or undefined. */
export function htmlTitle(html: string): string | undefined {
  const m = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  if (!m) return undefined;
  return decodeEntities(m[1]).replace(/\s+/g, " ").trim();
}

/** The `http-title` script. */
export const httpTitle: Script = {
  name: "http-title",
  categories: ["default", "discovery", "safe"],
  description:
    "Shows the title of a web server's default page, following redirects on the same server.",
  portRule: httpRule,
  async action(ctx) {
    const path = scriptArg(ctx.args, "http-title", "url") ?? "/";
    const res = await ctx.http({ path, redirects: 3 });
    const title = htmlTitle(res.body);
    const lines: string[] = [];
    if (title !== undefined && title !== "") lines.push(title.slice(0, 200));
    else {lines.push(
        `Site doesn't have a title${
          res.headers["content-type"] ? ` (${res.headers["content-type"]})` : ""
        }.`,
      );}
    if (res.path !== path) lines.push(`Requested resource was ${res.path}`);
    else if (res.status >= 300 && res.status < 400 && res.headers["location"]) {
      lines.push(`Did not follow redirect to ${res.headers["location"]}`);
    }
    return {
      text: lines.join("\n"),
      data: { title, status: res.status, path: res.path, redirect: res.headers["location"] },
    };
  },
};

/** The `http-headers` script. */
export const httpHeaders: Script = {
  name: "http-headers",
  categories: ["discovery", "safe"],
  description: "Lists the headers a web server returns for its default page.",
  portRule: httpRule,
  async action(ctx) {
    const path = scriptArg(ctx.args, "http-headers", "path") ?? "/";
    const res = await ctx.http({ path, method: "HEAD" }).catch(() => ctx.http({ path }));
    const lines = [
      `HTTP/1.1 ${res.status} ${res.statusText}`.trimEnd(),
      ...res.rawHeaders.map(([k, v]) => `${k}: ${v}`),
    ];
    return { text: lines.join("\n"), data: { status: res.status, headers: res.rawHeaders } };
  },
};

const RISKY = [
  "PUT",
  "DELETE",
  "CONNECT",
  "TRACE",
  "PATCH",
  "PROPFIND",
  "PROPPATCH",
  "MKCOL",
  "COPY",
  "MOVE",
  "LOCK",
  "UNLOCK",
];

/** The `http-methods` script. */
export const httpMethods: Script = {
  name: "http-methods",
  categories: ["default", "safe"],
  description: "Asks a web server with OPTIONS which methods it supports and flags the risky ones.",
  portRule: httpRule,
  async action(ctx) {
    const path = scriptArg(ctx.args, "http-methods", "url-path") ?? "/";
    const res = await ctx.http({ path, method: "OPTIONS" });
    const allow = [res.headers["allow"], res.headers["public"]].filter(Boolean).join(",");
    if (!allow) return undefined;
    const methods = [...new Set(allow.split(/[,\s]+/).filter(Boolean).map((m) => m.toUpperCase()))];
    const risky = methods.filter((m) => RISKY.includes(m));
    const lines = [`Supported Methods: ${methods.join(" ")}`];
    if (risky.length) lines.push(`Potentially risky methods: ${risky.join(" ")}`);
    return { text: lines.join("\n"), data: { methods, risky } };
  },
};

/** The `http-robots.txt` script. */
export const httpRobots: Script = {
  name: "http-robots.txt",
  categories: ["default", "discovery", "safe"],
  description: "Lists the paths a web server's /robots.txt disallows.",
  portRule: httpRule,
  async action(ctx) {
    const res = await ctx.http({ path: "/robots.txt" });
    if (res.status !== 200) return undefined;
    const disallowed: string[] = [];
    for (const line of res.body.split(/\r?\n/)) {
      const m = /^\s*disallow\s*:\s*(\S+)/i.exec(line.replace(/#.*/, ""));
      if (m && !disallowed.includes(m[1])) disallowed.push(m[1]);
    }
    if (disallowed.length === 0) return undefined;
    const shown = disallowed.slice(0, 15);
    const lines = [
      `${disallowed.length} disallowed ${disallowed.length === 1 ? "entry" : "entries"}`,
    ];
    for (let i = 0; i < shown.length; i += 5) lines.push(shown.slice(i, i + 5).join(" "));
    if (disallowed.length > shown.length) {
      lines.push(`... and ${disallowed.length - shown.length} more`);
    }
    return { text: lines.join("\n"), data: { disallowed } };
  },
};

/** The `http-server-header` script. */
export const httpServerHeader: Script = {
  name: "http-server-header",
  categories: ["version"],
  description: "Reports the Server header of a web server.",
  portRule: httpRule,
  async action(ctx) {
    const res = await ctx.http({ path: "/", method: "HEAD" }).catch(() => ctx.http({ path: "/" }));
    const server = res.headers["server"];
    if (!server) return undefined;
    return { text: server, data: { server } };
  },
};
