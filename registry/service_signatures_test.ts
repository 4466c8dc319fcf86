import { deepEqual, equal, ok } from "node:assert/strict";
import {
  cpe23,
  looksLikeTls,
  matchDnsVersion,
  matchService,
  matchSnmpAgent,
  matchSnmpDescr,
  parseHttpResponse,
  SERVICE_SIGNATURES,
} from "./service_signatures.ts";

const te = new TextEncoder();
const b = (s: string) => te.encode(s);
function bytes(...parts: (number[] | string)[]): Uint8Array {
  return new Uint8Array(parts.flatMap((p) => typeof p === "string" ? [...te.encode(p)] : p));
}

Deno.test("signature ids are unique and every one names its source", () => {
  const ids = SERVICE_SIGNATURES.map((s) => s.id);
  equal(new Set(ids).size, ids.length);
  for (const s of SERVICE_SIGNATURES) ok(s.source.length > 3, s.id);
});

Deno.test("cpe23 formats and escapes", () => {
  equal(cpe23("a", "f5", "nginx", "1.22.1"), "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*");
  equal(cpe23("a", "openbsd", "openssh"), "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*");
  equal(cpe23("a", "x", "y", "1.0+b1"), "cpe:2.3:a:x:y:1.0\\+b1:*:*:*:*:*:*:*");
});

Deno.test("HTTP: nginx Server header gives product, version, CPE and title", () => {
  const m = matchService(
    "GetRequest",
    b(
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n" +
        "<html><title>Welcome</title></html>",
    ),
  )!;
  equal(m.name, "http");
  equal(m.product, "nginx");
  equal(m.version, "1.22.1");
  deepEqual(m.cpe, ["cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"]);
  equal(m.extraInfo, "title: Welcome");
  equal(m.confidence, 10);
});

Deno.test("HTTP: Apache with distribution, IIS, Werkzeug, Caddy, HTTPAPI (WinRM), unknown", () => {
  const apache = matchService(
    "GetRequest",
    b("HTTP/1.1 403 Forbidden\r\nServer: Apache/2.4.57 (Debian)\r\n\r\n"),
  )!;
  equal(apache.product, "Apache httpd");
  equal(apache.version, "2.4.57");
  equal(apache.osHint, "Linux");
  const iis = matchService(
    "GetRequest",
    b("HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\nX-Powered-By: ASP.NET\r\n\r\n"),
  )!;
  equal(iis.product, "Microsoft IIS httpd");
  equal(iis.version, "10.0");
  equal(iis.osHint, "Windows");
  equal(iis.extraInfo, "powered by ASP.NET");
  const wz = matchService(
    "GetRequest",
    b("HTTP/1.1 200 OK\r\nServer: Werkzeug/3.0.1 Python/3.11.2\r\n\r\n"),
  )!;
  equal(wz.product, "Werkzeug httpd");
  equal(wz.version, "3.0.1");
  equal(
    matchService("GetRequest", b("HTTP/1.1 200 OK\r\nServer: Caddy\r\n\r\n"))!.product,
    "Caddy",
  );
  const winrm = matchService(
    "GetRequest",
    b("HTTP/1.1 404 Not Found\r\nServer: Microsoft-HTTPAPI/2.0\r\n\r\n"),
  )!;
  equal(winrm.product, "Microsoft HTTPAPI httpd");
  equal(winrm.version, "2.0");
  const other = matchService("GetRequest", b("HTTP/1.0 200 OK\r\nServer: FooServ 9\r\n\r\n"))!;
  equal(other.product, "FooServ 9");
  equal(other.version, undefined);
  const bare = matchService("GetRequest", b("HTTP/1.1 204 No Content\r\n\r\n"))!;
  equal(bare.name, "http");
  equal(bare.product, undefined);
});

Deno.test("HTTP: Elasticsearch JSON gives its version", () => {
  const body = JSON.stringify({
    name: "n1",
    cluster_name: "docker-cluster",
    version: { number: "8.11.3" },
    tagline: "You Know, for Search",
  });
  const m = matchService(
    "GetRequest",
    b(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n${body}`),
  )!;
  equal(m.product, "Elasticsearch REST API");
  equal(m.version, "8.11.3");
});

Deno.test("HTTP: non-HTTP text does not match and parseHttpResponse rejects it", () => {
  equal(matchService("GetRequest", b("SSH-2.0-OpenSSH_9.2p1\r\n"))?.name, "ssh");
  equal(matchService("GetRequest", b("HTTPS is nice\r\n\r\n")), undefined);
  equal(parseHttpResponse("HTTP/1.1 OK\r\n\r\n"), undefined);
});

Deno.test("SSH: OpenSSH with Debian comment, Dropbear, unknown software, not-SSH", () => {
  const m = matchService("NULL", b("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"))!;
  equal(m.product, "OpenSSH");
  equal(m.version, "9.2p1");
  equal(m.extraInfo, "Debian 2+deb12u3; protocol 2.0");
  equal(m.osHint, "Linux");
  deepEqual(m.cpe, [
    "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*",
    "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*",
  ]);
  const u = matchService("NULL", b("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n"))!;
  equal(u.extraInfo, "Ubuntu 3ubuntu0.10; protocol 2.0");
  const d = matchService("NULL", b("SSH-2.0-dropbear_2022.83\r\n"))!;
  equal(d.product, "Dropbear sshd");
  equal(d.version, "2022.83");
  const x = matchService("NULL", b("SSH-1.99-FooSSH\r\n"))!;
  equal(x.name, "ssh");
  equal(x.product, undefined);
  equal(matchService("NULL", b("SSH is not here\r\n")), undefined);
});

Deno.test("FTP: vsftpd, ProFTPD, Pure-FTPd; SMTP greeting is not FTP", () => {
  const v = matchService("NULL", b("220 (vsFTPd 3.0.3)\r\n"))!;
  deepEqual([v.name, v.product, v.version], ["ftp", "vsftpd", "3.0.3"]);
  const p = matchService("NULL", b("220 ProFTPD 1.3.8 Server (Debian) [::ffff:198.18.0.10]\r\n"))!;
  deepEqual([p.product, p.version], ["ProFTPD", "1.3.8"]);
  const pure = matchService(
    "NULL",
    b("220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1\r\n"),
  )!;
  equal(pure.product, "Pure-FTPd");
  equal(matchService("NULL", b("220 mx.example.org ESMTP Postfix (Debian/GNU)\r\n"))!.name, "smtp");
});

Deno.test("SMTP: Postfix, Exim, generic ESMTP; POP3/IMAP Dovecot", () => {
  const p = matchService("NULL", b("220 mx.example.org ESMTP Postfix (Debian/GNU)\r\n"))!;
  deepEqual([p.product, p.hostname, p.osHint], ["Postfix smtpd", "mx.example.org", "Linux"]);
  const e = matchService(
    "NULL",
    b("220 mail.example.net ESMTP Exim 4.96 Tue, 01 Oct 2024 10:00:00 +0000\r\n"),
  )!;
  deepEqual([e.product, e.version], ["Exim smtpd", "4.96"]);
  const g = matchService("NULL", b("220 relay ESMTP ready\r\n"))!;
  equal(g.name, "smtp");
  equal(g.product, undefined);
  equal(matchService("NULL", b("+OK Dovecot (Debian) ready.\r\n"))!.product, "Dovecot pop3d");
  const imap = matchService(
    "NULL",
    b("* OK [CAPABILITY IMAP4rev1 SASL-IR] Dovecot (Debian) ready.\r\n"),
  )!;
  deepEqual([imap.name, imap.product], ["imap", "Dovecot imapd"]);
});

Deno.test("Telnet IAC, VNC RFB; near misses do not match", () => {
  equal(matchService("NULL", bytes([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20]))!.name, "telnet");
  equal(matchService("NULL", bytes([0xff, 0xff, 0x18])), undefined);
  const v = matchService("NULL", b("RFB 003.008\n"))!;
  deepEqual([v.name, v.extraInfo], ["vnc", "protocol 3.8"]);
  equal(matchService("NULL", b("RFB 3.8\n")), undefined);
});

Deno.test("MySQL and MariaDB handshake v10; bad protocol byte does not match", () => {
  const hs = (version: string) => {
    const body = bytes([0x0a], version, [0], [1, 0, 0, 0], "abcdefgh", [0]);
    return bytes([body.length, 0, 0, 0], [...body]);
  };
  const my = matchService("NULL", hs("8.0.36"))!;
  deepEqual([my.name, my.product, my.version], ["mysql", "MySQL", "8.0.36"]);
  const ma = matchService("NULL", hs("5.5.5-10.11.6-MariaDB-0+deb12u1"))!;
  deepEqual([ma.product, ma.version, ma.extraInfo], ["MariaDB", "10.11.6", "0+deb12u1"]);
  const bad = hs("8.0.36");
  bad[4] = 0x09;
  equal(matchService("NULL", bad), undefined);
});

Deno.test("Redis INFO, NOAUTH, protected mode; Memcached VERSION", () => {
  const info =
    "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nos:Linux 6.1.0 x86_64\r\n";
  const r = matchService("RedisInfo", b(`$${info.length}\r\n${info}`))!;
  deepEqual([r.name, r.product, r.version, r.osHint], [
    "redis",
    "Redis key-value store",
    "7.0.15",
    "Linux",
  ]);
  equal(
    matchService("RedisInfo", b("-NOAUTH Authentication required.\r\n"))!.extraInfo,
    "authentication required",
  );
  equal(matchService("RedisInfo", b("-ERR unknown command\r\n")), undefined);
  const m = matchService("MemcachedVersion", b("VERSION 1.6.18\r\n"))!;
  deepEqual([m.name, m.version], ["memcached", "1.6.18"]);
  // The memcached matcher does not read other probes' replies.
  equal(matchService("NULL", b("VERSION 1.6.18\r\n")), undefined);
});

Deno.test("PostgreSQL: ErrorResponse with V field, AuthenticationRequest, garbage", () => {
  const fields = "SFATAL\0VFATAL\0C28000\0Mno pg_hba.conf entry for host\0\0";
  const msg = bytes("E", [0, 0, 0, 4 + fields.length], fields);
  const m = matchService("PgStartup", msg)!;
  deepEqual([m.name, m.product, m.version, m.extraInfo], [
    "postgresql",
    "PostgreSQL DB",
    undefined,
    "9.6.0 or later",
  ]);
  const old = "SFATAL\0C28000\0Mno\0\0";
  equal(
    matchService("PgStartup", bytes("E", [0, 0, 0, 4 + old.length], old))!.extraInfo,
    undefined,
  );
  const auth = matchService("PgStartup", bytes("R", [0, 0, 0, 8, 0, 0, 0, 10]))!;
  equal(auth.extraInfo, "SASL authentication");
  equal(matchService("PgStartup", b("Error: nope\n")), undefined);
});

Deno.test("DNS version.bind and SNMP sysDescr text", () => {
  const d = matchDnsVersion("dnsmasq-2.90");
  deepEqual([d.name, d.product, d.version], ["domain", "dnsmasq", "2.90"]);
  deepEqual(matchDnsVersion("9.18.24-1-Debian").product, "ISC BIND");
  equal(matchDnsVersion("REFUSED").product, undefined);
  equal(matchDnsVersion("REFUSED").extraInfo, undefined);
  const s = matchSnmpDescr("Linux gw 6.1.0-18-amd64 #1 SMP x86_64");
  equal(s.osHint, "Linux");
  ok(s.extraInfo?.includes("6.1.0-18-amd64"));
});

Deno.test("SNMP agent: product from the v3 engine's enterprise, OS from sysDescr, uptime", () => {
  const descr = "Linux vm 6.18.44-fc-v782 #1 SMP PREEMPT_DYNAMIC x86_64";
  const n = matchSnmpAgent({ detail: descr, engine: { enterprise: 8072, boots: 3, time: 17 } });
  deepEqual([n.name, n.product, n.version, n.osHint], ["snmp", "net-snmp", undefined, "Linux"]);
  equal(n.extraInfo, `sysDescr: ${descr}; engine boots 3, up 17 seconds`);
  ok(n.cpe.includes("cpe:2.3:a:net-snmp:net-snmp:*:*:*:*:*:*:*:*"));
  ok(n.cpe.some((c) => c.startsWith("cpe:2.3:o:linux:linux_kernel")));
  // The v3 engine alone (community refused): still the product, the OS from the vendor.
  const w = matchSnmpAgent({ engine: { enterprise: 311, boots: 1, time: 90061 } });
  deepEqual([w.product, w.osHint, w.extraInfo], [
    "Microsoft Windows SNMP service",
    "Windows",
    "SNMPv3; engine boots 1, up 1d 1h",
  ]);
  equal(matchSnmpAgent({ engine: { enterprise: 2021, boots: 1, time: 3700 } }).product, "ucd-snmp");
  // An enterprise we do not list is reported, not named.
  const u = matchSnmpAgent({
    detail: "SNMPv2c, error-status 2",
    engine: { enterprise: 99999, boots: 1, time: 61 },
  });
  deepEqual([u.product, u.extraInfo], [
    undefined,
    "SNMPv2c, error-status 2; enterprise 99999; engine boots 1, up 1m 1s",
  ]);
  // sysDescr alone keeps the generic product; a bare version label is no sysDescr.
  const d = matchSnmpAgent({ detail: "FreeBSD fw 14.0-RELEASE amd64" });
  deepEqual([d.product, d.osHint], ["SNMP agent", "FreeBSD"]);
  const bare = matchSnmpAgent({ detail: "SNMPv2c" });
  deepEqual([bare.product, bare.extraInfo], [undefined, "SNMPv2c"]);
});

Deno.test("binary protocols: SMB2, RDP, TDS, MQTT, Mongo, FastCGI, Minecraft, SIP", () => {
  const smbHeader = new Array(64).fill(0);
  smbHeader.splice(0, 4, 0xfe, 0x53, 0x4d, 0x42);
  const smbBody = [65, 0, 1, 0, 0x11, 0x03, 0, 0];
  const smb = bytes([0, 0, 0, 64 + smbBody.length], smbHeader, smbBody);
  equal(matchService("Smb2Negotiate", smb)!.extraInfo, "SMB2 dialect 3.1.1");
  const rdp = bytes([3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, 2, 0, 0, 0]);
  equal(matchService("RdpX224", rdp)!.extraInfo, "CredSSP (NLA)");
  const tdsData = [0, 0, 11, 0, 6, 1, 0, 17, 0, 1, 0xff, 15, 0, 0x07, 0xd0, 0, 0, 2];
  const tds = bytes([4, 1, 0, 8 + tdsData.length, 0, 0, 1, 0], tdsData);
  const t = matchService("TdsPrelogin", tds)!;
  deepEqual([t.product, t.version], ["Microsoft SQL Server", "15.0.2000"]);
  equal(matchService("MqttConnect", bytes([0x20, 2, 0, 5]))!.extraInfo, "not authorized");
  equal(matchService("MqttConnect", bytes([0x20, 3, 0, 5])), undefined);
  // OP_MSG reply {version: "7.0.2", ok: 1.0}
  const ver = bytes([6, 0, 0, 0], "7.0.2", [0]);
  const fields = bytes([0x02], "version", [0], [...ver], [0x01], "ok", [0], [
    0,
    0,
    0,
    0,
    0,
    0,
    0xf0,
    0x3f,
  ]);
  const doc = bytes([4 + fields.length + 1, 0, 0, 0], [...fields], [0]);
  const body = bytes([0, 0, 0, 0, 0], [...doc]);
  const len = 16 + body.length;
  const mongo = bytes([len, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0xdd, 0x07, 0, 0], [...body]);
  const mm = matchService("MongoBuildInfo", mongo)!;
  deepEqual([mm.name, mm.version], ["mongodb", "7.0.2"]);
  const fc = bytes([1, 10, 0, 0, 0, 17, 7, 0, 15, 1], "FCGI_MPXS_CONNS0", [0, 0, 0, 0, 0, 0, 0]);
  equal(matchService("FcgiGetValues", fc)!.extraInfo, "multiplexing off");
  const json = JSON.stringify({
    version: { name: "1.20.4", protocol: 765 },
    players: { max: 20, online: 0 },
    description: { text: "A Minecraft Server" },
  });
  const mc = matchService("MinecraftPing", bytes([0x80, 0x01, 0x00, 0x7e], json))!;
  deepEqual([mc.product, mc.version], ["Minecraft", "1.20.4"]);
  const sip = matchService(
    "SipOptions",
    b("SIP/2.0 200 OK\r\nServer: Asterisk PBX 18.10.0\r\n\r\n"),
  )!;
  deepEqual([sip.name, sip.product, sip.version], ["sip", "Asterisk PBX", "18.10.0"]);
});

Deno.test("looksLikeTls: TLS alert and handshake records, nginx's HTTPS-port page; not HTTP", () => {
  ok(looksLikeTls(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])));
  ok(looksLikeTls(bytes([0x16, 0x03, 0x01, 0x00, 0x40])));
  ok(
    looksLikeTls(
      b("HTTP/1.1 400 Bad Request\r\n\r\nThe plain HTTP request was sent to HTTPS port"),
    ),
  );
  ok(!looksLikeTls(b("HTTP/1.1 400 Bad Request\r\n\r\nbad")));
  ok(!looksLikeTls(bytes([0x15, 0x01, 0x03, 0, 2])));
});
