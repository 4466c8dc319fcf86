import { equal, ok } from "node:assert/strict";
import { readLine, write } from "../test_util.ts";
import { runScripts } from "../runner.ts";
import type { Script, ScriptResult } from "../types.ts";
import { BACKDOOR_PORT, ftpVsftpdBackdoor } from "./ftp_vsftpd_backdoor.ts";
import { ftpAnonWrite } from "./ftp_anon_write.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

/** Serve `handle` on address:0; returns the port. */
function serve(address: string, port: number, handle: (c: Deno.Conn) => Promise<void>) {
  const l = Deno.listen({ hostname: address, port });
  const conns: Deno.Conn[] = [];
  const loop = (async () => {
    for await (const c of l) {
      conns.push(c);
      handle(c).catch(() => {}).finally(() => {
        try {
          c.close();
        } catch { /* closed */ }
      });
    }
  })().catch(() => {});
  return {
    port: (l.addr as Deno.NetAddr).port,
    async close() {
      l.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop;
    },
  };
}

async function run(
  script: Script,
  address: string,
  port: number,
): Promise<ScriptResult | undefined> {
  for await (
    const r of runScripts(
      [{
        host: { address },
        ports: [{ port, protocol: "tcp", state: "open", service: { name: "ftp" } }],
      }],
      [script],
      { timeoutMs: 10_000 },
    )
  ) return r;
  return undefined;
}

/** A vsftpd-2.3.4-like fake: ":)" in USER opens a "shell" on 6200 of the same address. */
function fakeVsftpd(address: string, backdoored: boolean) {
  let shell: ReturnType<typeof serve> | undefined;
  const ftp = serve(address, 0, async (c) => {
    await write(c, "220 (vsFTPd 2.3.4)\r\n");
    for (;;) {
      const line = await readLine(c);
      if (line === null) return;
      if (line.startsWith("USER ")) {
        if (backdoored && line.includes(":)") && !shell) {
          shell = serve(address, BACKDOOR_PORT, async (s) => {
            const cmd = await readLine(s);
            if (cmd === "id") await write(s, "uid=0(root) gid=0(root) groups=0(root)\n");
          });
        }
        await write(c, "331 Please specify the password.\r\n");
      } else if (line.startsWith("PASS ")) await write(c, "530 Login incorrect.\r\n");
      else await write(c, "500 Unknown command.\r\n");
    }
  });
  return {
    port: ftp.port,
    shellOpened: () => shell !== undefined,
    async close() {
      await ftp.close();
      await shell?.close();
    },
  };
}

Deno.test({
  name: "ftp-vsftpd-backdoor: the trigger opens 6200 on the same address and `id` answers",
  ...opts,
  fn: async () => {
    // Own loopback address, so the fixed port 6200 does not collide with anything on .1.
    const addr = "127.0.0.77";
    const srv = fakeVsftpd(addr, true);
    try {
      const r = await run(ftpVsftpdBackdoor, addr, srv.port);
      equal(r?.output?.vulnerable?.state, "VULNERABLE", r?.error ?? r?.output?.text);
      equal(r?.output?.vulnerable?.id, "CVE-2011-2523");
      ok(r!.output!.vulnerable!.evidence.includes("uid=0(root)"), r!.output!.vulnerable!.evidence);
      ok(srv.shellOpened());
    } finally {
      await srv.close();
    }
  },
});

Deno.test({
  name: "ftp-vsftpd-backdoor: a clean server (6200 never opens) is NOT VULNERABLE",
  ...opts,
  fn: async () => {
    const addr = "127.0.0.78";
    const srv = fakeVsftpd(addr, false);
    try {
      const r = await run(ftpVsftpdBackdoor, addr, srv.port);
      equal(r?.output?.vulnerable?.state, "NOT VULNERABLE", r?.error ?? r?.output?.text);
      ok(r!.output!.vulnerable!.evidence.includes("stayed closed"));
    } finally {
      await srv.close();
    }
  },
});

/** A small FTP server with an in-memory file system: anonymous login, PASV, STOR, DELE. */
function fakeFtp(writable: Set<string>) {
  const files = new Map<string, string>();
  const log: string[] = [];
  const srv = serve("127.0.0.1", 0, async (c) => {
    await write(c, "220 fake ftpd\r\n");
    let cwd = "/";
    let data: Promise<string> | undefined;
    for (;;) {
      const line = await readLine(c);
      if (line === null) return;
      log.push(line);
      const [verb, ...rest] = line.split(" ");
      const arg = rest.join(" ");
      if (verb === "USER") await write(c, "331 ok\r\n");
      else if (verb === "PASS") await write(c, "230 Login successful.\r\n");
      else if (verb === "TYPE") await write(c, "200 ok\r\n");
      else if (verb === "PWD") await write(c, `257 "${cwd}"\r\n`);
      else if (verb === "CWD") {
        const dir = arg.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
        if (dir === "/" || writable.has(dir)) {
          cwd = dir;
          await write(c, "250 ok\r\n");
        } else await write(c, "550 Failed to change directory.\r\n");
      } else if (verb === "PASV") {
        const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const p = (l.addr as Deno.NetAddr).port;
        data = (async () => {
          const dc = await l.accept();
          l.close();
          const chunks: Uint8Array[] = [];
          const buf = new Uint8Array(1024);
          for (;;) {
            const n = await dc.read(buf);
            if (n === null) break;
            chunks.push(buf.slice(0, n));
          }
          dc.close();
          return new TextDecoder().decode(new Uint8Array(chunks.flatMap((x) => [...x])));
        })();
        await write(c, `227 Entering Passive Mode (127,0,0,1,${p >> 8},${p & 255}).\r\n`);
      } else if (verb === "STOR") {
        if (!writable.has(cwd)) {
          await write(c, "553 Could not create file.\r\n");
          continue;
        }
        await write(c, "150 Ok to send data.\r\n");
        files.set(`${cwd}/${arg}`, await data!);
        await write(c, "226 Transfer complete.\r\n");
      } else if (verb === "DELE") {
        files.delete(`${cwd}/${arg}`);
        await write(c, "250 Delete operation successful.\r\n");
      } else if (verb === "QUIT") {
        await write(c, "221 Goodbye.\r\n");
        return;
      } else await write(c, "500 ?\r\n");
    }
  });
  return { ...srv, files, log };
}

Deno.test({
  name: "ftp-anon-write: an upload into a writable subdirectory is proven, then deleted",
  ...opts,
  fn: async () => {
    const srv = fakeFtp(new Set(["/incoming"]));
    try {
      const r = await run(ftpAnonWrite, "127.0.0.1", srv.port);
      equal(r?.output?.vulnerable?.state, "VULNERABLE", r?.error ?? r?.output?.text);
      ok(
        /STOR of \/incoming\/portolan-[0-9a-f-]+\.txt succeeded \(file deleted again\)/.test(
          r!.output!.vulnerable!.evidence,
        ),
        r!.output!.vulnerable!.evidence,
      );
      equal(srv.files.size, 0, "the test file must be deleted");
      ok(srv.log.some((l) => l.startsWith("STOR portolan-")));
    } finally {
      await srv.close();
    }
  },
});

Deno.test({
  name: "ftp-anon-write: anonymous read-only server is NOT VULNERABLE",
  ...opts,
  fn: async () => {
    const srv = fakeFtp(new Set());
    try {
      const r = await run(ftpAnonWrite, "127.0.0.1", srv.port);
      equal(r?.output?.vulnerable?.state, "NOT VULNERABLE", r?.error ?? r?.output?.text);
      ok(r!.output!.vulnerable!.evidence.includes("STOR 553"), r!.output!.vulnerable!.evidence);
    } finally {
      await srv.close();
    }
  },
});
