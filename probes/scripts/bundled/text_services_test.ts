import assert from "node:assert/strict";
import { fakeTcpServer, readLine, runOn, write } from "../test_util.ts";
import { ftpAnon, ftpSyst, memcachedInfo, redisInfo, smtpCommands } from "./text_services.ts";

/** A fake FTP server: anonymous login, SYST only after login, PASV + LIST. */
function ftpServer(allowAnonymous: boolean) {
  const data = fakeTcpServer((conn) =>
    write(
      conn,
      "drwxr-xr-x 2 0 0 4096 Jan 01 00:00 pub\r\n-rw-r--r-- 1 0 0 12 Jan 01 00:00 README\r\n",
    )
  );
  const ctl = fakeTcpServer(async (conn) => {
    await write(conn, "220-Welcome\r\n220 FakeFTPd ready\r\n");
    let loggedIn = false;
    for (;;) {
      const line = await readLine(conn);
      if (line === null) return;
      const [cmd] = line.split(" ");
      if (cmd === "USER") await write(conn, "331 Please specify the password.\r\n");
      else if (cmd === "PASS") {
        loggedIn = allowAnonymous;
        await write(
          conn,
          allowAnonymous ? "230 Login successful.\r\n" : "530 Login incorrect.\r\n",
        );
      } else if (cmd === "SYST") {
        await write(
          conn,
          loggedIn ? "215 UNIX Type: L8\r\n" : "530 Please login with USER and PASS.\r\n",
        );
      } else if (cmd === "STAT") {
        await write(
          conn,
          "211-FTP server status:\r\n     Connected to 127.0.0.1\r\n     Logged in as ftp\r\n211 End of status\r\n",
        );
      } // Claims a foreign address: the script must ignore it and use the target's.
      else if (cmd === "PASV") {
        await write(
          conn,
          `227 Entering Passive Mode (10,9,8,7,${data.port >> 8},${data.port & 255}).\r\n`,
        );
      } else if (cmd === "LIST") {
        await write(conn, "150 Here comes the directory listing.\r\n");
        await new Promise((r) => setTimeout(r, 50));
        await write(conn, "226 Directory send OK.\r\n");
      } else if (cmd === "QUIT") return void (await write(conn, "221 Goodbye.\r\n"));
      else await write(conn, "500 Unknown command.\r\n");
    }
  });
  return { port: ctl.port, close: () => Promise.all([ctl.close(), data.close()]) };
}

Deno.test("ftp-anon: allowed, with the listing fetched from the target address", async () => {
  const srv = ftpServer(true);
  const r = await runOn(ftpAnon, { port: srv.port, service: { name: "ftp" } });
  await srv.close();
  assert.equal(r!.output!.text.split("\n")[0], "Anonymous FTP login allowed (FTP code 230)");
  assert.deepEqual((r!.output!.data!.listing as string[]).map((l) => l.split(" ").pop()), [
    "pub",
    "README",
  ]);
});

Deno.test("ftp-anon refused; ftp-syst logs in when SYST needs it", async () => {
  const closed = ftpServer(false);
  const refused = await runOn(ftpAnon, { port: closed.port, service: { name: "ftp" } });
  await closed.close();
  assert.deepEqual(refused!.output!.data, { allowed: false, code: 530 });
  const open = ftpServer(true);
  const syst = await runOn(ftpSyst, { port: open.port, service: { name: "ftp" } });
  await open.close();
  assert.equal(syst!.output!.data!.syst, "UNIX Type: L8");
  assert.deepEqual(syst!.output!.data!.stat, ["Connected to 127.0.0.1", "Logged in as ftp"]);
});

Deno.test("smtp-commands lists EHLO extensions and HELP", async () => {
  let ehloArg = "";
  const srv = fakeTcpServer(async (conn) => {
    await write(conn, "220 mx.test ESMTP Fake\r\n");
    for (;;) {
      const line = await readLine(conn);
      if (line === null) return;
      if (line.startsWith("EHLO")) {
        ehloArg = line.slice(5);
        await write(
          conn,
          "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n",
        );
      } else if (line === "HELP") {
        await write(conn, "214-Commands:\r\n214 HELO EHLO MAIL RCPT DATA\r\n");
      } else if (line === "QUIT") return void (await write(conn, "221 Bye\r\n"));
    }
  });
  const r = await runOn(smtpCommands, { port: srv.port, service: { name: "smtp" } }, {
    args: { "smtp.domain": "scanner.test" },
  });
  await srv.close();
  assert.equal(ehloArg, "scanner.test");
  assert.deepEqual(r!.output!.data!.extensions, ["PIPELINING", "SIZE 10240000", "STARTTLS"]);
  assert.equal(
    r!.output!.text,
    "mx.test Hello, PIPELINING, SIZE 10240000, STARTTLS\nCommands:\nHELO EHLO MAIL RCPT DATA",
  );
});

Deno.test("redis-info and memcached-info against fake servers", async () => {
  const info =
    "# Server\r\nredis_version:7.0.15\r\nos:Linux 6.1 x86_64\r\narch_bits:64\r\nprocess_id:42\r\nuptime_in_seconds:99\r\n# Replication\r\nrole:master\r\n";
  const redis = fakeTcpServer(async (conn) => {
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    if (new TextDecoder().decode(buf.subarray(0, n ?? 0)).includes("INFO")) {
      await write(conn, `$${info.length}\r\n${info}\r\n`);
    }
  });
  const r = await runOn(redisInfo, { port: redis.port, service: { name: "redis" } });
  await redis.close();
  assert.equal(
    r!.output!.text,
    "Version: 7.0.15\nOperating System: Linux 6.1 x86_64\nArchitecture: 64 bits\nProcess ID: 42\nUptime: 99 seconds\nRole: master",
  );
  const mc = fakeTcpServer(async (conn) => {
    if ((await readLine(conn)) === "stats") {
      await write(
        conn,
        "STAT pid 7\r\nSTAT uptime 5\r\nSTAT version 1.6.21\r\nSTAT curr_connections 2\r\nEND\r\n",
      );
    }
  });
  const m = await runOn(memcachedInfo, { port: mc.port, service: { name: "memcached" } });
  await mc.close();
  assert.equal(
    m!.output!.text,
    "Process ID: 7\nUptime: 5 seconds\nCurrent connections: 2\nVersion: 1.6.21",
  );
});

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function which(bin: string): Promise<boolean> {
  try {
    return (await new Deno.Command("sh", { args: ["-c", `command -v ${bin}`], stdout: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`port ${port} never opened`);
}

Deno.test("integration: redis-info against a real redis-server", async (t) => {
  if (!(await which("redis-server"))) {
    return void (await t.step({
      name: "redis-server missing: skipped",
      ignore: true,
      fn: () => {},
    }));
  }
  const port = freePort();
  const child = new Deno.Command("redis-server", {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForPort(port);
    const r = await runOn(redisInfo, { port, service: { name: "redis" } });
    assert.match(r!.output!.text, /^Version: \d+\.\d+/);
    assert.equal(r!.output!.data!.process_id, String(child.pid));
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
});

Deno.test("integration: memcached-info against a real memcached", async (t) => {
  if (!(await which("memcached"))) {
    return void (await t.step({ name: "memcached missing: skipped", ignore: true, fn: () => {} }));
  }
  const port = freePort();
  const child = new Deno.Command("memcached", {
    args: ["-p", String(port), "-l", "127.0.0.1", "-U", "0", "-u", "root"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForPort(port);
    const r = await runOn(memcachedInfo, { port, service: { name: "memcached" } });
    assert.equal(r!.output!.data!.pid, String(child.pid));
    assert.match(r!.output!.text, /Version: \d+\.\d+/);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
});
