/**
 * Version detection against REAL services (Debian packages) in a lab target namespace:
 * nginx (HTTP and TLS), OpenSSH, Redis, memcached, PostgreSQL, vsftpd, dnsmasq (TCP and UDP
 * DNS) and Net-SNMP. Products and versions are checked against what each package says about
 * itself, and nmap -sV runs on the same ports as an outside oracle.
 *
 * Needs root, the lab prerequisites and the packages in {@link PACKAGES}; skips locally without
 * them and fails under CI=true.
 */
import { equal, ok } from "node:assert/strict";
import { type Lab, labIgnore, labPrerequisites, startLab } from "./lab/lab.ts";
import type { ServiceResult } from "../probes/service/mod.ts";

/** Debian packages this test needs besides the lab's own. */
const PACKAGES = [
  "nginx-light",
  "openssh-server",
  "redis-server",
  "memcached",
  "postgresql",
  "vsftpd",
  "dnsmasq-base",
  "snmpd",
  "openssl",
  "nmap",
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
  "/usr/bin/nmap",
  "/usr/sbin/runuser",
];
const RUNNER = new URL("./service_runner.ts", import.meta.url).pathname;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

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

function prerequisites(): string | undefined {
  const lab = labPrerequisites();
  if (lab !== undefined) return lab;
  const missing = BINARIES.filter((b) => !exists(b));
  if (postgresBin() === undefined) missing.push("/usr/lib/postgresql/*/bin/postgres");
  if (missing.length > 0) {
    return `service lab needs ${missing.join(", ")} (Debian packages: ${PACKAGES.join(" ")})`;
  }
  return undefined;
}

const missing = prerequisites();
const ignore = labIgnore(missing);

async function sh(cmd: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", cmd], stdout: "piped", stderr: "piped" })
    .output();
  const d = new TextDecoder();
  return d.decode(out.stdout) + d.decode(out.stderr);
}

/** What each package says its version is, read from the binaries and dpkg. */
async function packageVersions(pgBin: string) {
  const sshPkg = (await sh("dpkg-query -W -f '${Version}' openssh-server")).trim();
  const ssh = /^(?:\d+:)?([\w.]+)-(.+)$/.exec(sshPkg)!;
  return {
    nginx: /nginx\/([\w.]+)/.exec(await sh("nginx -v"))![1],
    redis: /v=([\w.]+)/.exec(await sh("redis-server --version"))![1],
    memcached: /memcached ([\w.]+)/.exec(await sh("memcached -V"))![1],
    vsftpd: /version ([\w.]+)/.exec(await sh("vsftpd -v 0>&1"))![1],
    dnsmasq: /Dnsmasq version ([\w.]+)/.exec(await sh("dnsmasq --version"))![1],
    openssh: ssh[1],
    opensshDebian: ssh[2],
    postgres: /\(PostgreSQL\) ([\w.]+)/.exec(await sh(`${pgBin}/postgres --version`))![1],
  };
}

async function write(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text);
}

/** Start every service in host `svc`, configs and pid files under `dir`. */
async function startServices(lab: Lab, dir: string, addr: string, sysDescr: string) {
  const pgBin = postgresBin()!;
  await Deno.chmod(dir, 0o755);
  // TLS certificate for nginx: self-signed, with a SAN for the lab address.
  await sh(
    `openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout ${dir}/tls.key -out ${dir}/tls.crt ` +
      `-subj '/CN=svc.lab.test/O=Portolan lab' -addext 'subjectAltName=DNS:svc.lab.test,IP:${addr}' 2>&1`,
  );
  await Deno.mkdir(`${dir}/nginx`);
  await write(
    `${dir}/nginx.conf`,
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
    `${dir}/sshd_config`,
    `ListenAddress ${addr}\nPort 22\nHostKey ${dir}/ssh_host_key\nPidFile ${dir}/sshd.pid\nUsePAM no\n`,
  );
  // sshd refuses to start without its privilege-separation directory (the package makes it at boot).
  await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  await Deno.mkdir(`${dir}/ftp`);
  await write(
    `${dir}/vsftpd.conf`,
    `listen=YES\nlisten_address=${addr}\nlisten_port=21\nbackground=NO\nanonymous_enable=YES\n` +
      `local_enable=NO\nanon_root=${dir}/ftp\nsecure_chroot_dir=/var/run/vsftpd/empty\n` +
      `seccomp_sandbox=NO\nxferlog_enable=NO\nvsftpd_log_file=/dev/null\n`,
  );
  await Deno.mkdir(`${dir}/snmp`);
  await write(
    `${dir}/snmpd.conf`,
    `agentAddress udp:${addr}:161\nrocommunity public default\nsysDescr ${sysDescr}\n`,
  );
  await Deno.mkdir(`${dir}/pg`);
  await Deno.mkdir(`${dir}/pgsock`);
  await sh(`chown postgres: ${dir}/pg ${dir}/pgsock`);
  const init = await sh(
    `runuser -u postgres -- ${pgBin}/initdb -D ${dir}/pg -A trust -U postgres --no-sync -N 2>&1`,
  );
  ok(exists(`${dir}/pg/PG_VERSION`), `initdb failed: ${init}`);

  const host = { host: "svc", stdout: "null", stderr: "null" } as const;
  lab.spawn(["nginx", "-p", dir, "-c", `${dir}/nginx.conf`], host);
  lab.spawn(["/usr/sbin/sshd", "-D", "-f", `${dir}/sshd_config`], host);
  lab.spawn([
    "redis-server",
    "--bind",
    addr,
    "--port",
    "6379",
    "--protected-mode",
    "no",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--pidfile",
    `${dir}/redis.pid`,
  ], host);
  lab.spawn(["memcached", "-l", addr, "-p", "11211", "-U", "0", "-u", "nobody"], host);
  lab.spawn(["vsftpd", `${dir}/vsftpd.conf`], host);
  lab.spawn([
    "dnsmasq",
    "-k",
    "--conf-file=/dev/null",
    `--listen-address=${addr}`,
    "--bind-interfaces",
    "--port=53",
    `--pid-file=${dir}/dnsmasq.pid`,
    "--no-resolv",
    "--no-hosts",
    "--user=root",
  ], host);
  lab.spawn([
    "snmpd",
    "-f",
    "-C",
    "-c",
    `${dir}/snmpd.conf`,
    "-Lf",
    "/dev/null",
    "-p",
    `${dir}/snmpd.pid`,
  ], {
    ...host,
    env: { SNMP_PERSISTENT_DIR: `${dir}/snmp`, MIBS: "" },
  });
  lab.spawn([
    "runuser",
    "-u",
    "postgres",
    "--",
    `${pgBin}/postgres`,
    "-D",
    `${dir}/pg`,
    "-c",
    `listen_addresses=${addr}`,
    "-c",
    `unix_socket_directories=${dir}/pgsock`,
    "-c",
    "port=5432",
  ], host);
  // Ready when every socket is bound (ss reads the namespace's own tables).
  const want = ["21", "22", "53", "80", "443", "5432", "6379", "11211"].map((p) => `${addr}:${p}`);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await lab.exec(["ss", "-Hlntu"], { host: "svc" });
    const up = want.filter((w) => r.stdout.includes(w + " "));
    const udp = r.stdout.includes(`${addr}:161 `) &&
      r.stdout.split("\n").some((l) => l.startsWith("udp") && l.includes(`${addr}:53 `));
    if (up.length === want.length && udp) return pgBin;
    if (Date.now() > deadline) {
      throw new Error(`services did not come up: missing ${want.filter((w) => !up.includes(w))}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface NmapService {
  name?: string;
  product?: string;
  version?: string;
  extrainfo?: string;
  tunnel?: string;
}

/** Services from nmap's XML: key "port/proto". */
function parseNmapXml(xml: string): Map<string, NmapService> {
  const out = new Map<string, NmapService>();
  for (const m of xml.matchAll(/<port protocol="(\w+)" portid="(\d+)">(.*?)<\/port>/gs)) {
    const svc = /<service ([^>]*?)\/?>/.exec(m[3]);
    const attrs: NmapService = {};
    if (svc !== null) {
      for (const a of svc[1].matchAll(/(\w+)="([^"]*)"/g)) {
        (attrs as Record<string, string>)[a[1]] = a[2].replaceAll("&quot;", '"')
          .replaceAll("&amp;", "&");
      }
    }
    out.set(`${m[2]}/${m[1]}`, attrs);
  }
  return out;
}

Deno.test({
  name:
    "service lab: -sV identifies real nginx, sshd, redis, memcached, postgres, vsftpd, dnsmasq, snmpd",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    if (missing !== undefined) throw new Error(missing);
    const lab = await startLab({ name: "ptlsv-", hosts: [{ name: "svc" }] });
    const dir = await Deno.makeTempDir({ prefix: "portolan-svc-" });
    try {
      const addr = lab.host("svc").ipv4;
      const sysDescr = `Portolan lab agent ${crypto.randomUUID().slice(0, 8)}`;
      const pgBin = await startServices(lab, dir, addr, sysDescr);
      const want = await packageVersions(pgBin);
      const tcp = [21, 22, 53, 80, 443, 5432, 6379, 11211];
      const udp = [53, 161];
      const targets = [
        ...tcp.map((p) => `${addr}:${p}/tcp`),
        ...udp.map((p) => `${addr}:${p}/udp`),
      ];
      const started = performance.now();
      const [ours, nmap] = await Promise.all([
        lab.exec([Deno.execPath(), "run", "-A", RUNNER, ...targets], { timeoutMs: 60_000 }),
        lab.exec([
          "nmap",
          "-sT",
          "-sU",
          "-sV",
          "-Pn",
          "-n",
          "-T4",
          "-p",
          `T:${tcp.join(",")},U:${udp.join(",")}`,
          "-oX",
          "-",
          addr,
        ], { timeoutMs: 120_000 }),
      ]);
      const ms = performance.now() - started;
      ok(ours.success, `runner failed: ${ours.stderr}`);
      const results = new Map<string, ServiceResult>();
      for (const line of ours.stdout.trim().split("\n")) {
        const r = JSON.parse(line) as ServiceResult;
        results.set(`${r.port}/${r.protocol}`, r);
      }
      const oracle = nmap.success ? parseNmapXml(nmap.stdout) : new Map<string, NmapService>();
      const rows = [...results.keys()].sort().map((k) => {
        const r = results.get(k)!;
        const n = oracle.get(k) ?? {};
        const nName = n.tunnel ? `${n.tunnel}/${n.name}` : n.name;
        return `| ${k} | ${r.name} | ${r.product ?? ""} ${r.version ?? ""} ${
          r.extraInfo ?? ""
        } | ` +
          `${nName ?? "?"} | ${n.product ?? ""} ${n.version ?? ""} ${n.extrainfo ?? ""} |`;
      });
      console.log(`\nportolan vs nmap -sV (both ran in ${Math.round(ms)} ms):\n${rows.join("\n")}`);

      const get = (k: string) => {
        const r = results.get(k);
        ok(r !== undefined, `no result for ${k}`);
        return r;
      };
      const http = get("80/tcp");
      equal(http.name, "http");
      equal(http.product, "nginx");
      equal(http.version, want.nginx);
      ok(http.cpe.includes(`cpe:2.3:a:f5:nginx:${want.nginx}:*:*:*:*:*:*:*`), String(http.cpe));
      ok(http.extraInfo?.includes("Portolan lab"), `title missing: ${http.extraInfo}`);

      const https = get("443/tcp");
      equal(https.name, "ssl/http");
      equal(https.tunnel, "ssl");
      equal(https.product, "nginx");
      equal(https.version, want.nginx);
      const fp = (await sh(`openssl x509 -in ${dir}/tls.crt -noout -fingerprint -sha256`))
        .split("=")[1].trim().replaceAll(":", "").toLowerCase();
      equal(https.tls?.sha256, fp);
      ok(https.tls?.subject.includes("CN=svc.lab.test"), https.tls?.subject);
      ok(https.tls?.sans.includes(`IP Address:${addr}`), String(https.tls?.sans));
      ok(https.tls?.protocol.startsWith("TLSv1."), https.tls?.protocol);

      const ssh = get("22/tcp");
      equal(ssh.name, "ssh");
      equal(ssh.product, "OpenSSH");
      equal(ssh.version, want.openssh);
      ok(ssh.extraInfo?.startsWith(`Debian ${want.opensshDebian}`), ssh.extraInfo);
      equal(ssh.osHint, "Linux");

      const redis = get("6379/tcp");
      equal(redis.name, "redis");
      equal(redis.product, "Redis key-value store");
      equal(redis.version, want.redis);

      const mc = get("11211/tcp");
      equal(mc.name, "memcached");
      equal(mc.version, want.memcached);

      const ftp = get("21/tcp");
      equal(ftp.name, "ftp");
      equal(ftp.product, "vsftpd");
      equal(ftp.version, want.vsftpd);

      const dnsTcp = get("53/tcp");
      const dnsUdp = get("53/udp");
      for (const d of [dnsTcp, dnsUdp]) {
        equal(d.name, "domain");
        equal(d.product, "dnsmasq");
        equal(d.version, want.dnsmasq);
      }

      // PostgreSQL does not reveal its version before authentication; the error fields only
      // bound it (the V field exists since 9.6). Claiming the exact version would be a guess.
      const pg = get("5432/tcp");
      equal(pg.name, "postgresql");
      equal(pg.product, "PostgreSQL DB");
      equal(pg.version, undefined);
      if (Number(want.postgres.split(".")[0]) >= 10) equal(pg.extraInfo, "9.6.0 or later");

      const snmp = get("161/udp");
      equal(snmp.name, "snmp");
      ok(snmp.extraInfo?.includes(sysDescr), `sysDescr: ${snmp.extraInfo}`);

      // nmap as oracle: where it reports a version, ours must agree with its leading part.
      if (nmap.success) {
        for (const [k, n] of oracle) {
          const r = results.get(k);
          if (r?.version === undefined || n.version === undefined) continue;
          ok(n.version.startsWith(r.version), `${k}: nmap says ${n.version}, we say ${r.version}`);
        }
      } else {
        console.warn(`nmap oracle failed: ${nmap.stderr}`);
      }
    } finally {
      await lab.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
