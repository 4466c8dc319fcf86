/**
 * ftp-anon-write: logs in anonymously and proves write access by storing a uniquely named file,
 * then deletes it. Intrusive: it writes to the server (and says so if the delete fails).
 *
 * @module
 */
import { scriptArg } from "../args.ts";
import type { Script, ScriptContext, ScriptSocket } from "../types.ts";
import { portOrService } from "../bundled/rules.ts";
import { readReply } from "../bundled/text_services.ts";

/** Directories anonymous uploads usually go to, after the login directory. */
export const UPLOAD_DIRS: readonly string[] = [
  ".",
  "upload",
  "uploads",
  "incoming",
  "pub/incoming",
  "pub",
];

async function cmd(sock: ScriptSocket, line: string) {
  await sock.send(`${line}\r\n`);
  return readReply(sock);
}

async function tryStore(
  ctx: ScriptContext,
  sock: ScriptSocket,
  name: string,
): Promise<{ stored: boolean; deleted: boolean; detail: string }> {
  const pasv = await cmd(sock, "PASV");
  const m = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(pasv.lines.join(" "));
  if (pasv.code !== 227 || !m) {
    return { stored: false, deleted: false, detail: `PASV ${pasv.code}` };
  }
  // Data connection to the target itself, never to the address the server names.
  const data = await ctx.tcp({ port: Number(m[5]) * 256 + Number(m[6]) });
  const stor = await cmd(sock, `STOR ${name}`);
  if (stor.code !== 150 && stor.code !== 125) {
    data.close();
    return {
      stored: false,
      deleted: false,
      detail: `STOR ${stor.code} ${stor.lines[0].slice(4, 80)}`,
    };
  }
  await data.send("Portolan ftp-anon-write test file; safe to delete.\r\n");
  data.close();
  const done = await readReply(sock);
  if (done.code !== 226 && done.code !== 250) {
    return { stored: false, deleted: false, detail: `transfer ${done.code}` };
  }
  const dele = await cmd(sock, `DELE ${name}`);
  return {
    stored: true,
    deleted: dele.code === 250,
    detail: `STOR ${name}: ${done.code}; DELE: ${dele.code}`,
  };
}

/** The `ftp-anon-write` script. */
export const ftpAnonWrite: Script = {
  name: "ftp-anon-write",
  categories: ["vuln", "intrusive", "auth"],
  description:
    "Logs in anonymously and tries to upload a uniquely named file (then deletes it); success means anyone can write to the server.",
  portRule: portOrService([21], ["ftp"]),
  async action(ctx) {
    const sock = await ctx.tcp();
    try {
      const hello = await readReply(sock);
      if (hello.code !== 220) return undefined;
      let r = await cmd(sock, "USER anonymous");
      if (r.code === 331) r = await cmd(sock, "PASS portolan@example.invalid");
      if (r.code !== 230) {
        const evidence = `anonymous login refused (FTP ${r.code})`;
        return {
          text: `NOT VULNERABLE: ${evidence}`,
          vulnerable: { state: "NOT VULNERABLE", title: "Anonymous FTP write access", evidence },
        };
      }
      await cmd(sock, "TYPE I");
      const pwd = await cmd(sock, "PWD");
      const home = /"([^"]*)"/.exec(pwd.lines[0])?.[1] ?? "/";
      const arg = scriptArg(ctx.args, "ftp-anon-write", "dir");
      const dirs = arg ? [arg] : UPLOAD_DIRS;
      const tried: string[] = [];
      for (const dir of dirs) {
        if (dir !== ".") {
          const cwd = await cmd(sock, `CWD ${home.replace(/\/$/, "")}/${dir}`);
          if (cwd.code !== 250) continue;
        }
        const name = `portolan-${crypto.randomUUID().slice(0, 12)}.txt`;
        const s = await tryStore(ctx, sock, name);
        tried.push(`${dir}: ${s.detail}`);
        if (s.stored) {
          const where = dir === "." ? home : `${home.replace(/\/$/, "")}/${dir}`;
          const evidence = `anonymous STOR of ${where}/${name} succeeded${
            s.deleted ? " (file deleted again)" : " and DELE failed: the file is still there"
          }`;
          return {
            text: `VULNERABLE: ${evidence}`,
            data: { directory: where, file: name, deleted: s.deleted },
            vulnerable: {
              state: "VULNERABLE",
              title: "Anonymous FTP write access",
              evidence,
              risk: "high",
            },
          };
        }
        if (dir !== ".") await cmd(sock, `CWD ${home}`);
      }
      const evidence = `anonymous login allowed but no upload succeeded (${
        tried.join("; ") || "no upload directory found"
      })`;
      return {
        text: `NOT VULNERABLE: ${evidence}`,
        vulnerable: { state: "NOT VULNERABLE", title: "Anonymous FTP write access", evidence },
      };
    } finally {
      await sock.send("QUIT\r\n").catch(() => {});
      sock.close();
    }
  },
};
