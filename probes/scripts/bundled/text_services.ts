/**
 * Line-protocol scripts: ftp-anon, ftp-syst, smtp-commands, redis-info, memcached-info.
 *
 * @module
 */
import { scriptArg } from "../args.ts";
import type { Script, ScriptSocket } from "../types.ts";
import { portOrService } from "./rules.ts";

/** One FTP/SMTP reply: its code and its lines (multi-line replies end at "NNN "). */
export async function readReply(sock: ScriptSocket): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  for (;;) {
    const line = await sock.receiveText({ line: true });
    if (line === "" && lines.length === 0) throw new Error("connection closed");
    lines.push(line);
    const m = /^(\d{3})([ -]?)/.exec(line);
    if (m && m[2] !== "-" && (lines.length === 1 || line.startsWith(lines[0].slice(0, 3)))) {
      return { code: Number(m[1]), lines };
    }
    if (lines.length > 200) throw new Error("reply too long");
  }
}

async function command(
  sock: ScriptSocket,
  line: string,
): Promise<{ code: number; lines: string[] }> {
  await sock.send(`${line}\r\n`);
  return readReply(sock);
}

const ftpRule = portOrService([21], ["ftp"]);

/** The `ftp-anon` script. */
export const ftpAnon: Script = {
  name: "ftp-anon",
  categories: ["default", "auth", "safe"],
  description: "Checks whether an FTP server allows anonymous login and lists its top directory.",
  portRule: ftpRule,
  async action(ctx) {
    const sock = await ctx.tcp();
    try {
      const hello = await readReply(sock);
      if (hello.code !== 220) return undefined;
      let r = await command(sock, "USER anonymous");
      if (r.code === 331) r = await command(sock, "PASS IEUser@");
      if (r.code !== 230) {
        return {
          text: `Anonymous FTP login refused (FTP code ${r.code})`,
          data: { allowed: false, code: r.code },
        };
      }
      const lines = [`Anonymous FTP login allowed (FTP code ${r.code})`];
      const listing: string[] = [];
      const pasv = await command(sock, "PASV");
      const m = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(pasv.lines.join(" "));
      if (pasv.code === 227 && m) {
        // Connect to the target's address, never to the one the server names (FTP bounce).
        const data = await ctx.tcp({ port: Number(m[5]) * 256 + Number(m[6]) });
        try {
          const list = await command(sock, "LIST");
          if (list.code === 150 || list.code === 125) {
            for (;;) {
              const l = await data.receiveText({ line: true });
              if (l === "") break;
              if (listing.length < 20) listing.push(l);
            }
            data.close();
            await readReply(sock).catch(() => undefined);
          }
        } finally {
          data.close();
        }
      }
      lines.push(...listing);
      await sock.send("QUIT\r\n").catch(() => undefined);
      return { text: lines.join("\n"), data: { allowed: true, code: r.code, listing } };
    } finally {
      sock.close();
    }
  },
};

/** The `ftp-syst` script. */
export const ftpSyst: Script = {
  name: "ftp-syst",
  categories: ["default", "discovery", "safe"],
  description: "Asks an FTP server for SYST and STAT (logging in anonymously when it insists).",
  portRule: ftpRule,
  async action(ctx) {
    const sock = await ctx.tcp();
    try {
      if ((await readReply(sock)).code !== 220) return undefined;
      let syst = await command(sock, "SYST");
      if (syst.code === 530) {
        let r = await command(sock, "USER anonymous");
        if (r.code === 331) r = await command(sock, "PASS IEUser@");
        if (r.code === 230) syst = await command(sock, "SYST");
      }
      const stat = await command(sock, "STAT");
      const lines: string[] = [];
      const data: Record<string, unknown> = {};
      if (syst.code === 215) {
        data.syst = syst.lines.map((l) => l.slice(4)).join("\n");
        lines.push(`SYST: ${data.syst}`);
      }
      if (stat.code === 211 || stat.code === 212 || stat.code === 213) {
        data.stat = stat.lines.slice(1, -1).map((l) => l.trim());
        lines.push("STAT:", ...stat.lines.map((l) => l.trimEnd()));
      }
      await sock.send("QUIT\r\n").catch(() => undefined);
      return lines.length ? { text: lines.join("\n"), data } : undefined;
    } finally {
      sock.close();
    }
  },
};

/** The `smtp-commands` script. */
export const smtpCommands: Script = {
  name: "smtp-commands",
  categories: ["default", "discovery", "safe"],
  description:
    "Lists the ESMTP extensions (EHLO) and HELP text of a mail server (arg smtp.domain).",
  portRule: portOrService([25, 465, 587], ["smtp", "smtps", "submission"]),
  async action(ctx) {
    const sock = ctx.port?.service?.tunnel === "ssl" || ctx.port?.port === 465
      ? (await ctx.tls()).socket
      : await ctx.tcp();
    try {
      const hello = await readReply(sock);
      if (hello.code !== 220) return undefined;
      const domain = scriptArg(ctx.args, "smtp", "domain") ?? "portolan.invalid";
      const ehlo = await command(sock, `EHLO ${domain}`);
      const extensions = ehlo.code === 250 ? ehlo.lines.slice(1).map((l) => l.slice(4).trim()) : [];
      const greeting = ehlo.code === 250 ? ehlo.lines[0].slice(4).trim() : "";
      const help = await command(sock, "HELP").catch(() => undefined);
      const helpText = help && (help.code === 214 || help.code === 211)
        ? help.lines.map((l) => l.slice(4).trim()).filter(Boolean)
        : [];
      await sock.send("QUIT\r\n").catch(() => undefined);
      const lines: string[] = [];
      if (ehlo.code === 250) lines.push([greeting, ...extensions].join(", "));
      if (helpText.length) lines.push(...helpText);
      return lines.length
        ? { text: lines.join("\n"), data: { greeting, extensions, help: helpText } }
        : undefined;
    } finally {
      sock.close();
    }
  },
};

/** Parse Redis INFO output into key/value pairs. */
export function parseRedisInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith("#") || !line.includes(":")) continue;
    const at = line.indexOf(":");
    out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

const REDIS_SHOWN: [string, string][] = [
  ["redis_version", "Version"],
  ["os", "Operating System"],
  ["arch_bits", "Architecture"],
  ["process_id", "Process ID"],
  ["uptime_in_seconds", "Uptime"],
  ["used_cpu_sys", "Used CPU (sys)"],
  ["used_cpu_user", "Used CPU (user)"],
  ["connected_clients", "Connected clients"],
  ["used_memory_human", "Memory"],
  ["role", "Role"],
];

/** The `redis-info` script. */
export const redisInfo: Script = {
  name: "redis-info",
  categories: ["discovery", "safe"],
  description: "Reads version, OS, uptime, memory and role from a Redis server's INFO command.",
  portRule: portOrService([6379], ["redis"]),
  async action(ctx) {
    const sock = await ctx.tcp();
    try {
      await sock.send("*1\r\n$4\r\nINFO\r\n");
      const first = await sock.receiveText({ line: true });
      if (first.startsWith("-")) {
        const err = first.slice(1);
        return {
          text: /NOAUTH|auth/i.test(err) ? `Authentication required (${err})` : `Error: ${err}`,
          data: { error: err },
        };
      }
      if (!first.startsWith("$")) return undefined;
      const body = await sock.receiveText({ bytes: Number(first.slice(1)) });
      const info = parseRedisInfo(body);
      const lines = REDIS_SHOWN.filter(([k]) => info[k] !== undefined).map(([k, label]) =>
        `${label}: ${
          k === "uptime_in_seconds"
            ? `${info[k]} seconds`
            : k === "arch_bits"
            ? `${info[k]} bits`
            : info[k]
        }`
      );
      return { text: lines.join("\n"), data: info };
    } finally {
      sock.close();
    }
  },
};

/** The `memcached-info` script. */
export const memcachedInfo: Script = {
  name: "memcached-info",
  categories: ["discovery", "safe"],
  description: "Reads version, uptime, connections and item counts from memcached's stats command.",
  portRule: portOrService([11211], ["memcached"]),
  async action(ctx) {
    const sock = await ctx.tcp();
    try {
      await sock.send("stats\r\n");
      const stats: Record<string, string> = {};
      for (let i = 0; i < 200; i++) {
        const line = await sock.receiveText({ line: true });
        if (line === "END" || line === "") break;
        const m = /^STAT (\S+) (.*)$/.exec(line);
        if (!m) return undefined;
        stats[m[1]] = m[2];
      }
      if (!stats.version) return undefined;
      const shown: [string, string][] = [
        ["pid", "Process ID"],
        ["uptime", "Uptime"],
        ["time", "Server time"],
        ["pointer_size", "Architecture"],
        ["rusage_user", "Used CPU (user)"],
        ["rusage_system", "Used CPU (system)"],
        ["curr_connections", "Current connections"],
        ["total_connections", "Total connections"],
        ["curr_items", "Current items"],
        ["version", "Version"],
      ];
      const fmt = (k: string, v: string) =>
        k === "uptime"
          ? `${v} seconds`
          : k === "time"
          ? new Date(Number(v) * 1000).toISOString()
          : k === "pointer_size"
          ? `${v} bit`
          : v;
      const lines = shown.filter(([k]) => stats[k] !== undefined).map(([k, label]) =>
        `${label}: ${fmt(k, stats[k])}`
      );
      return { text: lines.join("\n"), data: stats };
    } finally {
      sock.close();
    }
  },
};
