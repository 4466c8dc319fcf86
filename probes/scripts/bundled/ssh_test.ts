import assert from "node:assert/strict";
import { fakeTcpServer, readLine, runOn, write } from "../test_util.ts";
import {
  buildKexInit,
  describeHostKey,
  parseKexInit,
  ssh2EnumAlgos,
  sshHostkey,
  sshPacket,
} from "./ssh.ts";

const SERVER_KEX = {
  kex_algorithms: ["curve25519-sha256", "diffie-hellman-group14-sha256"],
  server_host_key_algorithms: ["ssh-ed25519", "rsa-sha2-512"],
  encryption_algorithms_client_to_server: ["aes128-ctr"],
  encryption_algorithms_server_to_client: ["aes128-ctr", "aes256-gcm@openssh.com"],
  mac_algorithms_client_to_server: ["hmac-sha2-256"],
  mac_algorithms_server_to_client: ["hmac-sha2-256"],
  compression_algorithms_client_to_server: ["none"],
  compression_algorithms_server_to_client: ["none", "zlib@openssh.com"],
};

Deno.test("KEXINIT encodes and parses back; packets are padded to 8", () => {
  const payload = buildKexInit(SERVER_KEX);
  const parsed = parseKexInit(payload);
  assert.deepEqual(parsed.kex_algorithms, SERVER_KEX.kex_algorithms);
  assert.deepEqual(parsed.languages_client_to_server, []);
  const pkt = sshPacket(payload);
  assert.equal(pkt.length % 8, 0);
  assert.ok(pkt[4] >= 4);
});

Deno.test("ssh2-enum-algos lists what a fake server offers, after a pre-banner line", async () => {
  let clientVersion = "";
  const srv = fakeTcpServer(async (conn) => {
    await write(conn, "Welcome, stranger\r\nSSH-2.0-FakeSSH_1.0\r\n");
    clientVersion = (await readLine(conn)) ?? "";
    await write(conn, sshPacket(buildKexInit(SERVER_KEX)));
    await conn.read(new Uint8Array(1)).catch(() => null);
  });
  const r = await runOn(ssh2EnumAlgos, { port: srv.port, service: { name: "ssh" } });
  await srv.close();
  assert.match(clientVersion, /^SSH-2\.0-/);
  assert.equal(r!.output!.data!.serverVersion, "SSH-2.0-FakeSSH_1.0");
  assert.match(
    r!.output!.text,
    /^kex_algorithms: \(2\)\n {4}curve25519-sha256\n {4}diffie-hellman-group14-sha256\n/,
  );
  assert.match(r!.output!.text, /compression_algorithms: \(2\)\n {4}none\n {4}zlib@openssh.com$/);
});

async function sh(cmd: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const o = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { ok: o.success, out: new TextDecoder().decode(o.stdout) };
  } catch {
    return { ok: false, out: "" };
  }
}

Deno.test("integration: ssh-hostkey fingerprints match ssh-keygen for a real sshd", async (t) => {
  const sshd = ["/usr/sbin/sshd", "/usr/bin/sshd"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (!sshd || !(await sh(["sh", "-c", "command -v ssh-keygen"])).ok) {
    await t.step({ name: "sshd or ssh-keygen missing: skipped", ignore: true, fn: () => {} });
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "ptl-sshd-" });
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const expected: string[] = [];
  for (const type of ["ed25519", "rsa"]) {
    await sh([
      "ssh-keygen",
      "-q",
      "-t",
      type,
      ...(type === "rsa" ? ["-b", "2048"] : []),
      "-N",
      "",
      "-f",
      `${dir}/key_${type}`,
    ]);
    expected.push(
      (await sh(["ssh-keygen", "-l", "-E", "sha256", "-f", `${dir}/key_${type}.pub`])).out.split(
        " ",
      )[1],
    );
  }
  await Deno.writeTextFile(
    `${dir}/sshd_config`,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${dir}/key_ed25519`,
      `HostKey ${dir}/key_rsa`,
      `PidFile ${dir}/sshd.pid`,
      "UsePAM no",
      "PasswordAuthentication no",
      "",
    ].join("\n"),
  );
  const child = new Deno.Command(sshd, {
    args: ["-D", "-e", "-f", `${dir}/sshd_config`],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    for (let i = 0; i < 100; i++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const r = await runOn(sshHostkey, { port, service: { name: "ssh" } }, { timeoutMs: 15000 });
    const keys = r!.output!.data!.keys as { type: string; bits: number; sha256: string }[];
    assert.deepEqual(keys.map((k) => k.sha256).sort(), [...expected].sort(), JSON.stringify(r));
    assert.deepEqual(keys.map((k) => `${k.type}/${k.bits}`).sort(), [
      "ssh-ed25519/256",
      "ssh-rsa/2048",
    ]);
    const algos = await runOn(ssh2EnumAlgos, { port, service: { name: "ssh" } });
    assert.match(algos!.output!.data!.serverVersion as string, /^SSH-2\.0-OpenSSH/);
    // The known_hosts blob round-trips through describeHostKey.
    const pub = (await Deno.readTextFile(`${dir}/key_ed25519.pub`)).split(" ")[1];
    assert.equal(
      describeHostKey(Uint8Array.from(atob(pub), (c) => c.charCodeAt(0))).sha256,
      expected[0],
    );
  } finally {
    child.kill("SIGTERM");
    await child.stderr.cancel();
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});
