/**
 * Real services (Debian packages) in one lab target namespace, for the `service` benchmark:
 * nginx (HTTP and TLS), OpenSSH, Redis, memcached, PostgreSQL, vsftpd, dnsmasq (TCP and UDP
 * DNS) and Net-SNMP, each with its own config and pid file under a temp dir and bound to the
 * host's lab address only. Adapted from tests/service_lab_test.ts, whose helpers are private to
 * that test file (importing it would register its test).
 *
 * @module
 */
import type { Lab } from "../tests/lab/lab.ts";

/** Debian packages the service lab needs besides the lab's own. */
export const SERVICE_PACKAGES: readonly string[] = [
  "nginx-light",
  "openssh-server",
  "redis-server",
  "memcached",
  "postgresql",
  "vsftpd",
  "dnsmasq-base",
  "snmpd",
  "openssl",
];

const BINARIES = [
  "/usr/sbin/nginx",
  "/usr/sbin/sshd",
  "/usr/bin/ssh-keygen",
  "/usr/bin/redis-server",
  "/usr/bin/memcached",
  "/usr/sbin/vsftpd",
  "/usr/sbin/dnsmasq",
  "/usr/sbin/snmpd",
  "/usr/bin/openssl",
  "/usr/sbin/runuser",
];

/** TCP ports the service lab listens on. */
// 16379: a second Redis moved off its default port, as administrators often do.
export const SERVICE_TCP_PORTS: readonly number[] = [21, 22, 53, 80, 443, 5432, 6379, 11211, 16379];

/** UDP ports the service lab answers on. */
export const SERVICE_UDP_PORTS: readonly number[] = [53, 161];

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Directory of the newest installed PostgreSQL server binaries, if any. */
function postgresBin(): string | undefined {
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")].map((e) => e.name)
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      if (exists(`/usr/lib/postgresql/${v}/bin/postgres`)) return `/usr/lib/postgresql/${v}/bin`;
    }
  } catch { /* not installed */ }
  return undefined;
}

/** Why the service lab cannot run here (missing binaries), or undefined. */
export function serviceLabMissing(): string | undefined {
  const missing = BINARIES.filter((b) => !exists(b));
  if (postgresBin() === undefined) missing.push("/usr/lib/postgresql/*/bin/postgres");
  if (missing.length === 0) return undefined;
  return `service lab needs ${missing.join(", ")} (Debian packages: ${SERVICE_PACKAGES.join(" ")})`;
}

async function sh(cmd: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", cmd], stdout: "piped", stderr: "piped" })
    .output();
  const d = new TextDecoder();
  return d.decode(out.stdout) + d.decode(out.stderr);
}

/** What each installed package says its version is (the ground truth of the table). */
export async function serviceVersions(): Promise<Record<string, string>> {
  const pgBin = postgresBin()!;
  const sshPkg = (await sh("dpkg-query -W -f '${Version}' openssh-server")).trim();
  const pick = (re: RegExp, text: string) => re.exec(text)?.[1] ?? "?";
  return {
    nginx: pick(/nginx\/([\w.]+)/, await sh("nginx -v")),
    openssh: sshPkg,
    redis: pick(/v=([\w.]+)/, await sh("redis-server --version")),
    memcached: pick(/memcached ([\w.]+)/, await sh("memcached -V")),
    vsftpd: pick(/version ([\w.]+)/, await sh("vsftpd -v 0>&1")),
    dnsmasq: pick(/Dnsmasq version ([\w.]+)/, await sh("dnsmasq --version")),
    postgresql: pick(/\(PostgreSQL\) ([\w.]+)/, await sh(`${pgBin}/postgres --version`)),
    snmpd: pick(/version:\s*([\w.]+)/i, await sh("snmpd -v")),
  };
}

/**
 * Start every service in lab host `host` (its namespace), configs and pid files under `dir`;
 * resolves when every socket is bound. The lab kills the processes when it closes. `sysDescr`
 * replaces snmpd's own description of the system (kernel name, host name, kernel version).
 */
export async function startServices(
  lab: Lab,
  host: string,
  options: { dir: string; sysDescr?: string },
): Promise<void> {
  const { dir, sysDescr } = options;
  const addr = lab.host(host).ipv4;
  const pgBin = postgresBin()!;
  const write = (name: string, text: string) => Deno.writeTextFile(`${dir}/${name}`, text);
  await Deno.chmod(dir, 0o755);
  await sh(
    `openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout ${dir}/tls.key -out ${dir}/tls.crt ` +
      `-subj '/CN=svc.lab.test/O=Portolan lab' -addext 'subjectAltName=DNS:svc.lab.test,IP:${addr}' 2>&1`,
  );
  await Deno.mkdir(`${dir}/nginx`);
  await write(
    "nginx.conf",
    `daemon off; master_process off; pid ${dir}/nginx.pid; error_log stderr error;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx; proxy_temp_path ${dir}/nginx;
  fastcgi_temp_path ${dir}/nginx; uwsgi_temp_path ${dir}/nginx; scgi_temp_path ${dir}/nginx;
  server {
    listen ${addr}:80; listen ${addr}:443 ssl;
    ssl_certificate ${dir}/tls.crt; ssl_certificate_key ${dir}/tls.key;
    location / { default_type text/html; return 200 "<html><title>Portolan lab</title></html>"; }
  }
}
`,
  );
  await sh(`ssh-keygen -q -t ed25519 -N '' -f ${dir}/ssh_host_key`);
  await write(
    "sshd_config",
    `ListenAddress ${addr}\nPort 22\nHostKey ${dir}/ssh_host_key\nPidFile ${dir}/sshd.pid\nUsePAM no\n`,
  );
  // sshd refuses to start without its privilege-separation directory (the package makes it at boot).
  await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  await Deno.mkdir(`${dir}/ftp`);
  await write(
    "vsftpd.conf",
    `listen=YES\nlisten_address=${addr}\nlisten_port=21\nbackground=NO\nanonymous_enable=YES\n` +
      `local_enable=NO\nanon_root=${dir}/ftp\nsecure_chroot_dir=/var/run/vsftpd/empty\n` +
      `seccomp_sandbox=NO\nxferlog_enable=NO\nvsftpd_log_file=/dev/null\n`,
  );
  await Deno.mkdir(`${dir}/snmp`);
  await write(
    "snmpd.conf",
    `agentAddress udp:${addr}:161\nrocommunity public default\n` +
      // Without a sysDescr line snmpd describes the system from uname, as it does out of the box.
      (sysDescr === undefined ? "" : `sysDescr ${sysDescr}\n`),
  );
  await Deno.mkdir(`${dir}/pg`);
  await Deno.mkdir(`${dir}/pgsock`);
  await sh(`chown postgres: ${dir}/pg ${dir}/pgsock`);
  const init = await sh(
    `runuser -u postgres -- ${pgBin}/initdb -D ${dir}/pg -A trust -U postgres --no-sync -N 2>&1`,
  );
  if (!exists(`${dir}/pg/PG_VERSION`)) throw new Error(`initdb failed: ${init}`);

  const opts = { host, stdout: "null", stderr: "null" } as const;
  lab.spawn(["nginx", "-p", dir, "-c", `${dir}/nginx.conf`], opts);
  lab.spawn(["/usr/sbin/sshd", "-D", "-f", `${dir}/sshd_config`], opts);
  lab.spawn([
    ...["redis-server", "--bind", addr, "--port", "6379", "--protected-mode", "no"],
    ...["--save", "", "--appendonly", "no", "--dir", dir, "--pidfile", `${dir}/redis.pid`],
  ], opts);
  lab.spawn([
    ...["redis-server", "--bind", addr, "--port", "16379", "--protected-mode", "no"],
    ...["--save", "", "--appendonly", "no", "--dir", dir, "--pidfile", `${dir}/redis2.pid`],
  ], opts);
  lab.spawn(["memcached", "-l", addr, "-p", "11211", "-U", "0", "-u", "nobody"], opts);
  lab.spawn(["vsftpd", `${dir}/vsftpd.conf`], opts);
  lab.spawn([
    ...["dnsmasq", "-k", "--conf-file=/dev/null", `--listen-address=${addr}`, "--bind-interfaces"],
    ...["--port=53", `--pid-file=${dir}/dnsmasq.pid`, "--no-resolv", "--no-hosts", "--user=root"],
  ], opts);
  lab.spawn(
    ["snmpd", "-f", "-C", "-c", `${dir}/snmpd.conf`, "-Lf", "/dev/null", "-p", `${dir}/snmpd.pid`],
    { ...opts, env: { SNMP_PERSISTENT_DIR: `${dir}/snmp`, MIBS: "" } },
  );
  lab.spawn([
    ...["runuser", "-u", "postgres", "--", `${pgBin}/postgres`, "-D", `${dir}/pg`],
    ...["-c", `listen_addresses=${addr}`, "-c", `unix_socket_directories=${dir}/pgsock`],
    ...["-c", "port=5432"],
  ], opts);
  // Ready when every socket is bound (ss reads the namespace's own tables).
  const want = SERVICE_TCP_PORTS.map((p) => `${addr}:${p}`);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await lab.exec(["ss", "-Hlntu"], { host });
    const up = want.filter((w) => r.stdout.includes(w + " "));
    const udpLines = r.stdout.split("\n").filter((l) => l.startsWith("udp"));
    const udpUp = SERVICE_UDP_PORTS.every((p) => udpLines.some((l) => l.includes(`${addr}:${p} `)));
    if (up.length === want.length && udpUp) return;
    if (Date.now() > deadline) {
      throw new Error(
        `services did not come up: missing ${want.filter((w) => !up.includes(w))}` +
          (udpUp ? "" : " and a UDP socket"),
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
