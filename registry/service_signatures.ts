/**
 * Service signatures for version detection (`-sV`): matchers that turn what a service said
 * (a banner, or its reply to one of our probes) into a service name, product, version and CPE.
 *
 * Every matcher was written by us from the protocol's own self-description: the identification
 * string of SSH (RFC 4253 §4.2), the `Server` header of HTTP (RFC 9110 §10.2.4), the greeting
 * lines of FTP/SMTP/POP3/IMAP, the MySQL handshake packet, Redis `INFO`, memcached `version`, the
 * PostgreSQL error message fields, TDS PRELOGIN, and so on. Nothing here comes from Nmap's
 * `nmap-service-probes`. `registry/SERVICE_PROVENANCE.md` lists the source of each matcher.
 *
 * Probes (what bytes to send) live in `probes/service/probes.ts`; a signature names the probes
 * whose replies it reads.
 *
 * @module
 */

/** What a signature recognised in one reply. */
export interface ServiceMatch {
  /** Service name in the port registry's spelling: "http", "ssh", "ftp", "domain", ... */
  name: string;
  /** Product name: "nginx", "OpenSSH", "Redis key-value store". */
  product?: string;
  /** Product version exactly as the service gave it: "1.22.1", "9.2p1". */
  version?: string;
  /** Further detail: distribution patch level, protocol version, auth state. */
  extraInfo?: string;
  /** Operating system the reply reveals ("Linux", "Windows", "FreeBSD"). */
  osHint?: string;
  /** Device class when the reply reveals it ("router", "printer"). */
  deviceType?: string;
  /** Host name the service announced (SMTP greeting, ...). */
  hostname?: string;
  /** CPE 2.3 formatted names of the product and, when known, the OS. */
  cpe: string[];
  /**
   * 0-10: 10 = the service named itself and its version, 8 = product without version,
   * 6 = protocol recognised without product, 3 or less = guesses.
   */
  confidence: number;
}

/** One matcher: which probes' replies it reads, where its facts come from, the match itself. */
export interface ServiceSignature {
  /** Unique id, e.g. "ssh-ident". */
  readonly id: string;
  /** Probe names whose replies it reads (see probes/service/probes.ts); "*" means any. */
  readonly probes: readonly string[];
  /** The public document the matcher was written from. */
  readonly source: string;
  /** The match; `text` is `reply` decoded as Latin-1 so every byte maps to one character. */
  readonly match: (reply: Uint8Array, text: string) => ServiceMatch | undefined;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Latin-1 decoding: one character per byte, so offsets in text and bytes agree. */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

/**
 * A CPE 2.3 formatted string (NISTIR 7695 §6.2): `cpe:2.3:part:vendor:product:version:*...`.
 * Characters other than letters, digits, `_`, `-` and `.` are escaped with a backslash.
 *
 * @example
 * ```ts
 * cpe23("a", "f5", "nginx", "1.22.1"); // "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"
 * ```
 */
export function cpe23(
  part: "a" | "o" | "h",
  vendor: string,
  product: string,
  version?: string,
): string {
  const esc = (s: string) => s.toLowerCase().replace(/[^a-z0-9_.\-]/g, (c) => `\\${c}`);
  const v = version === undefined || version === "" ? "*" : esc(version);
  return `cpe:2.3:${part}:${esc(vendor)}:${esc(product)}:${v}:*:*:*:*:*:*:*`;
}

const OS_CPE: Record<string, string> = {
  Linux: cpe23("o", "linux", "linux_kernel"),
  Windows: cpe23("o", "microsoft", "windows"),
  FreeBSD: cpe23("o", "freebsd", "freebsd"),
  OpenBSD: cpe23("o", "openbsd", "openbsd"),
  NetBSD: cpe23("o", "netbsd", "netbsd"),
};

/** Assemble a match, adding the product and OS CPEs. */
function found(
  m: Omit<ServiceMatch, "cpe" | "confidence"> & { confidence?: number },
  vendor?: [string, string],
): ServiceMatch {
  const cpe: string[] = [];
  if (vendor !== undefined) cpe.push(cpe23("a", vendor[0], vendor[1], m.version));
  if (m.osHint !== undefined && OS_CPE[m.osHint] !== undefined) cpe.push(OS_CPE[m.osHint]);
  const confidence = m.confidence ??
    (m.version !== undefined ? 10 : m.product !== undefined ? 8 : 6);
  const out: ServiceMatch = { name: m.name, cpe, confidence };
  for (
    const k of ["product", "version", "extraInfo", "osHint", "deviceType", "hostname"] as const
  ) {
    if (m[k] !== undefined && m[k] !== "") out[k] = m[k];
  }
  return out;
}

/** Distribution tags in version comments ("Debian-2+deb12u3", "Ubuntu-3ubuntu0.10"). */
function distro(comment: string | undefined): { extra?: string; os?: string } {
  if (comment === undefined) return {};
  const m = /^(Debian|Ubuntu|Raspbian|FreeBSD|NetBSD|OpenBSD)[-_ ]?(.*)$/i.exec(comment.trim());
  if (m === null) return { extra: comment.trim() || undefined };
  const name = m[1][0].toUpperCase() + m[1].slice(1).toLowerCase();
  const os = /^(Debian|Ubuntu|Raspbian)$/.test(name) ? "Linux" : name.replace("bsd", "BSD");
  return { extra: m[2] ? `${name} ${m[2]}` : name, os };
}

function joinInfo(...parts: (string | undefined)[]): string | undefined {
  const kept = parts.filter((p): p is string => p !== undefined && p !== "");
  return kept.length > 0 ? kept.join("; ") : undefined;
}

function u16be(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function u32le(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function printable(s: string, max = 120): string {
  // deno-lint-ignore no-control-regex -- binary protocol bytes, on purpose
  const t = s.replace(/[\x00-\x1f\x7f-\xff]+/g, " ").replace(/ +/g, " ").trim();
  return t.length > max ? `${t.slice(0, max)}...` : t;
}

// ---------------------------------------------------------------------------------------------
// HTTP (RFC 9110, RFC 9112): Server and X-Powered-By headers, <title>

/** One product that names itself in an HTTP `Server` header. */
interface HttpServerProduct {
  readonly pattern: RegExp;
  readonly product: string;
  readonly vendor?: [string, string];
  readonly osHint?: string;
}

/**
 * Server header tokens (RFC 9110 §10.2.4: product "/" version). Each group 1 is the version;
 * the products' own documentation of the header names the token.
 */
const HTTP_SERVERS: readonly HttpServerProduct[] = [
  { pattern: /^nginx(?:\/([\w.\-]+))?/i, product: "nginx", vendor: ["f5", "nginx"] },
  {
    pattern: /^openresty(?:\/([\w.\-]+))?/i,
    product: "OpenResty",
    vendor: ["openresty", "openresty"],
  },
  { pattern: /^Apache(?:\/([\d.]+))?/, product: "Apache httpd", vendor: ["apache", "http_server"] },
  { pattern: /^lighttpd(?:\/([\w.\-]+))?/i, product: "lighttpd", vendor: ["lighttpd", "lighttpd"] },
  { pattern: /^Caddy(?:\/([\w.\-]+))?/i, product: "Caddy", vendor: ["caddyserver", "caddy"] },
  {
    pattern: /^Microsoft-IIS(?:\/([\d.]+))?/,
    product: "Microsoft IIS httpd",
    vendor: ["microsoft", "internet_information_services"],
    osHint: "Windows",
  },
  {
    pattern: /^Microsoft-HTTPAPI(?:\/([\d.]+))?/,
    product: "Microsoft HTTPAPI httpd",
    vendor: ["microsoft", "http.sys"],
    osHint: "Windows",
  },
  {
    pattern: /^Werkzeug(?:\/([\w.\-]+))?/,
    product: "Werkzeug httpd",
    vendor: ["palletsprojects", "werkzeug"],
  },
  { pattern: /^gunicorn(?:\/([\w.\-]+))?/i, product: "Gunicorn", vendor: ["gunicorn", "gunicorn"] },
  { pattern: /^uvicorn/i, product: "Uvicorn", vendor: ["encode", "uvicorn"] },
  { pattern: /^Jetty\(([\w.\-]+)\)/, product: "Jetty", vendor: ["eclipse", "jetty"] },
  {
    pattern: /^Apache-Coyote(?:\/([\d.]+))?/,
    product: "Apache Tomcat/Coyote JSP engine",
    vendor: ["apache", "coyote_http_connector"],
  },
  { pattern: /^Kestrel/, product: "Microsoft Kestrel httpd", vendor: ["microsoft", "kestrel"] },
  {
    pattern: /^LiteSpeed/i,
    product: "LiteSpeed httpd",
    vendor: ["litespeedtech", "litespeed_web_server"],
  },
  { pattern: /^SimpleHTTP(?:\/([\d.]+))?/, product: "SimpleHTTPServer" },
  { pattern: /^BaseHTTP(?:\/([\d.]+))?/, product: "BaseHTTPServer" },
  { pattern: /^Python\/([\d.]+)/, product: "Python http.server", vendor: ["python", "python"] },
  { pattern: /^Deno(?:\/([\d.]+))?/i, product: "Deno httpd", vendor: ["deno", "deno"] },
  { pattern: /^CouchDB\/([\d.]+)/, product: "CouchDB httpd", vendor: ["apache", "couchdb"] },
  { pattern: /^MinIO/i, product: "MinIO", vendor: ["minio", "minio"] },
  { pattern: /^Varnish/i, product: "Varnish", vendor: ["varnish-software", "varnish_cache"] },
  { pattern: /^envoy/i, product: "Envoy", vendor: ["envoyproxy", "envoy"] },
  { pattern: /^thttpd(?:\/([\w.\-]+))?/, product: "thttpd", vendor: ["acme", "thttpd"] },
  {
    pattern: /^mini_httpd(?:\/([\w.\-]+))?/,
    product: "mini_httpd",
    vendor: ["acme", "mini_httpd"],
  },
  { pattern: /^Boa(?:\/([\w.\-]+))?/, product: "Boa httpd", vendor: ["boa", "boa"] },
  { pattern: /^GoAhead-Webs/i, product: "GoAhead WebServer", vendor: ["embedthis", "goahead"] },
];

/** A parsed HTTP/1.x response head and the start of its body. */
export interface HttpResponse {
  readonly version: string;
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/**
 * Parse an HTTP/1.x response (RFC 9112 §4 status line, §5 fields). Header names are
 * lower-cased; repeated headers keep the first value.
 */
export function parseHttpResponse(text: string): HttpResponse | undefined {
  const m = /^HTTP\/(\d\.\d) (\d{3})[^\r\n]*\r?\n/.exec(text);
  if (m === null) return undefined;
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  const body = end < 0 ? "" : text.slice(end).replace(/^\r?\n\r?\n/, "");
  return { version: m[1], status: Number(m[2]), headers, body };
}

function matchHttp(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  const res = parseHttpResponse(text);
  if (res === undefined) return undefined;
  const es = elasticsearch(res);
  if (es !== undefined) return es;
  const server = res.headers.get("server");
  const title = /<title[^>]*>([^<]{0,200})<\/title>/i.exec(res.body)?.[1];
  const powered = res.headers.get("x-powered-by");
  const extra = joinInfo(
    powered !== undefined ? `powered by ${printable(powered, 60)}` : undefined,
    title !== undefined ? `title: ${printable(title, 60)}` : undefined,
  );
  if (server !== undefined) {
    for (const s of HTTP_SERVERS) {
      const m = s.pattern.exec(server);
      if (m === null) continue;
      // "Apache/2.4.57 (Debian)": the parenthesised comment names the build's distribution.
      const comment = /\(([^)]+)\)/.exec(server.slice(m[0].length))?.[1];
      const d = distro(comment);
      return found({
        name: "http",
        product: s.product,
        version: m[1],
        extraInfo: joinInfo(d.os !== undefined ? d.extra : undefined, extra),
        osHint: s.osHint ?? d.os,
      }, s.vendor);
    }
    return found({ name: "http", product: printable(server, 60), extraInfo: extra, confidence: 7 });
  }
  return found({ name: "http", extraInfo: extra });
}

function elasticsearch(res: HttpResponse): ServiceMatch | undefined {
  if (!res.body.includes("You Know, for Search")) return undefined;
  try {
    const doc = JSON.parse(res.body.slice(res.body.indexOf("{")));
    const version = typeof doc?.version?.number === "string" ? doc.version.number : undefined;
    const cluster = typeof doc?.cluster_name === "string" ? doc.cluster_name : undefined;
    return found({
      name: "http",
      product: "Elasticsearch REST API",
      version,
      extraInfo: cluster !== undefined ? `cluster: ${printable(cluster, 60)}` : undefined,
    }, ["elastic", "elasticsearch"]);
  } catch {
    return found({ name: "http", product: "Elasticsearch REST API", confidence: 7 });
  }
}

/**
 * True when a reply to a plaintext probe shows the port wants TLS: a TLS record header
 * (RFC 8446 §5.1: content type 21 alert or 22 handshake, legacy version 3.x) or an HTTP server
 * saying a plain request reached its HTTPS port.
 */
export function looksLikeTls(reply: Uint8Array): boolean {
  if (reply.length >= 5 && (reply[0] === 0x15 || reply[0] === 0x16) && reply[1] === 0x03) {
    return reply[2] <= 0x04;
  }
  const text = latin1(reply.subarray(0, 2048));
  return /^HTTP\/1\.\d 400/.test(text) &&
    /plain HTTP request was sent to HTTPS port|speaking plain HTTP to an SSL-enabled server/i
      .test(text);
}

// ---------------------------------------------------------------------------------------------
// SSH (RFC 4253 §4.2): "SSH-protoversion-softwareversion SP comments CR LF"

const SSH_SOFTWARE: readonly {
  pattern: RegExp;
  product: string;
  vendor: [string, string];
}[] = [
  { pattern: /^OpenSSH_([\w.]+)/, product: "OpenSSH", vendor: ["openbsd", "openssh"] },
  {
    pattern: /^dropbear_([\w.]+)/i,
    product: "Dropbear sshd",
    vendor: ["dropbear_ssh_project", "dropbear_ssh"],
  },
  { pattern: /^libssh[-_]([\w.]+)/, product: "libssh", vendor: ["libssh", "libssh"] },
  { pattern: /^Go$/, product: "Golang x/crypto/ssh server", vendor: ["golang", "crypto"] },
  { pattern: /^paramiko_([\w.]+)/, product: "Paramiko", vendor: ["paramiko", "paramiko"] },
  { pattern: /^AsyncSSH_([\w.]+)/, product: "AsyncSSH", vendor: ["asyncssh_project", "asyncssh"] },
  { pattern: /^Cisco-([\w.]+)/, product: "Cisco SSH", vendor: ["cisco", "ios"] },
  { pattern: /^ROSSSH/, product: "MikroTik RouterOS sshd", vendor: ["mikrotik", "routeros"] },
];

function matchSsh(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  const m = /^SSH-(\d+\.\d+)-([!-,.-~]+)(?: ([^\r\n]*))?\r?\n/.exec(text);
  if (m === null) return undefined;
  const proto = m[1] === "1.99" ? "protocol 1.99" : `protocol ${m[1]}`;
  for (const s of SSH_SOFTWARE) {
    const sw = s.pattern.exec(m[2]);
    if (sw === null) continue;
    const d = distro(m[3]);
    return found({
      name: "ssh",
      product: s.product,
      version: sw[1],
      extraInfo: joinInfo(d.extra, proto),
      osHint: d.os,
    }, s.vendor);
  }
  return found({ name: "ssh", extraInfo: joinInfo(`software ${printable(m[2], 40)}`, proto) });
}

// ---------------------------------------------------------------------------------------------
// FTP (RFC 959 §4.2), SMTP (RFC 5321 §4.2), POP3 (RFC 1939 §4), IMAP (RFC 9051 §7.1)

function matchFtp(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  if (!/^220[ -]/.test(text)) return undefined;
  const line = text.split(/\r?\n/)[0];
  if (/SMTP/i.test(line)) return undefined;
  let m = /\(vsFTPd ([\w.]+)\)/.exec(line);
  if (m !== null) {
    return found({ name: "ftp", product: "vsftpd", version: m[1] }, ["beasts", "vsftpd"]);
  }
  m = /ProFTPD(?: ([\w.]+))? Server(?: \(([^)]*)\))?/.exec(line);
  if (m !== null) {
    return found(
      { name: "ftp", product: "ProFTPD", version: m[1], extraInfo: m[2] },
      ["proftpd", "proftpd"],
    );
  }
  if (/Pure-FTPd/.test(text)) {
    return found({ name: "ftp", product: "Pure-FTPd" }, ["pureftpd", "pure-ftpd"]);
  }
  m = /FileZilla Server(?: version)? ([\w.\-]+)/.exec(text);
  if (m !== null) {
    return found(
      { name: "ftp", product: "FileZilla ftpd", version: m[1], osHint: "Windows" },
      ["filezilla-project", "filezilla_server"],
    );
  }
  if (/Microsoft FTP Service/.test(line)) {
    return found(
      { name: "ftp", product: "Microsoft ftpd", osHint: "Windows" },
      ["microsoft", "ftp_service"],
    );
  }
  if (/FTP/i.test(text)) return found({ name: "ftp", extraInfo: printable(line.slice(4), 60) });
  return undefined;
}

function matchSmtp(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  const m = /^220[ -](\S+) ([^\r\n]*SMTP[^\r\n]*)/i.exec(text);
  if (m === null) return undefined;
  const host = /^[\w.\-]+$/.test(m[1]) ? m[1] : undefined;
  const rest = m[2];
  let p = /ESMTP Postfix(?: \(([^)]*)\))?/.exec(rest);
  if (p !== null) {
    const d = distro(p[1]?.replace(/\/GNU$/, ""));
    return found(
      { name: "smtp", product: "Postfix smtpd", hostname: host, osHint: d.os },
      ["postfix", "postfix"],
    );
  }
  p = /ESMTP Exim ([\w.]+)/.exec(rest);
  if (p !== null) {
    return found(
      { name: "smtp", product: "Exim smtpd", version: p[1], hostname: host },
      ["exim", "exim"],
    );
  }
  p = /ESMTP Sendmail ([\w.]+)/.exec(rest);
  if (p !== null) {
    return found(
      { name: "smtp", product: "Sendmail", version: p[1], hostname: host },
      ["sendmail", "sendmail"],
    );
  }
  if (/Microsoft ESMTP MAIL Service/.test(rest)) {
    return found(
      { name: "smtp", product: "Microsoft ESMTP", hostname: host, osHint: "Windows" },
      ["microsoft", "exchange_server"],
    );
  }
  p = /OpenSMTPD/.exec(rest);
  if (p !== null) {
    return found({ name: "smtp", product: "OpenSMTPD", hostname: host }, ["openbsd", "opensmtpd"]);
  }
  return found({ name: "smtp", hostname: host, extraInfo: printable(rest, 60) });
}

function matchPop3(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  const m = /^\+OK ([^\r\n]*)\r?\n/.exec(text);
  if (m === null) return undefined;
  const d = /Dovecot(?: \(([^)]*)\))? ready/.exec(m[1]);
  if (d !== null) {
    return found(
      { name: "pop3", product: "Dovecot pop3d", osHint: distro(d[1]).os },
      ["dovecot", "dovecot"],
    );
  }
  if (/POP3|ready|server/i.test(m[1])) return found({ name: "pop3", confidence: 5 });
  return undefined;
}

function matchImap(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  const m = /^\* (OK|PREAUTH) ([^\r\n]*)\r?\n/.exec(text);
  if (m === null) return undefined;
  const d = /Dovecot(?: \(([^)]*)\))? ready/.exec(m[2]);
  if (d !== null) {
    return found(
      { name: "imap", product: "Dovecot imapd", osHint: distro(d[1]).os },
      ["dovecot", "dovecot"],
    );
  }
  if (/Courier-IMAP/.test(m[2])) {
    return found({ name: "imap", product: "Courier Imapd" }, ["courier-mta", "courier-imap"]);
  }
  const c = /Cyrus IMAP(?:4)? v?([\w.\-]+)/.exec(m[2]);
  if (c !== null) {
    return found({ name: "imap", product: "Cyrus imapd", version: c[1] }, [
      "cmu",
      "cyrus_imap_server",
    ]);
  }
  if (/IMAP4/i.test(m[2])) return found({ name: "imap" });
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Telnet (RFC 854 IAC commands), VNC (RFC 6143 §7.1.1 ProtocolVersion)

function matchTelnet(reply: Uint8Array): ServiceMatch | undefined {
  // IAC (255) followed by WILL/WONT/DO/DONT (251-254) or SB (250) and an option code.
  if (reply.length < 3 || reply[0] !== 0xff || reply[1] < 0xfa || reply[1] === 0xff) {
    return undefined;
  }
  return found({ name: "telnet" });
}

function matchVnc(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  const m = /^RFB (\d{3})\.(\d{3})\n/.exec(text);
  if (m === null) return undefined;
  return found({
    name: "vnc",
    product: "VNC",
    extraInfo: `protocol ${Number(m[1])}.${Number(m[2])}`,
  });
}

// ---------------------------------------------------------------------------------------------
// MySQL / MariaDB: Protocol::HandshakeV10 (MySQL client/server protocol documentation)

function matchMysql(reply: Uint8Array, text: string): ServiceMatch | undefined {
  if (reply.length < 5) return undefined;
  const len = reply[0] | (reply[1] << 8) | (reply[2] << 16);
  if (reply[3] !== 0 || len + 4 > reply.length + 1024 || len < 1) return undefined;
  if (reply[4] === 0xff) {
    // ERR_Packet before the handshake: the server refuses this client host.
    const msg = printable(text.slice(7, 4 + len), 80);
    if (!/MySQL|MariaDB|not allowed to connect|Too many connections/i.test(msg)) return undefined;
    return found({ name: "mysql", extraInfo: `unauthorized: ${msg}`, confidence: 6 });
  }
  if (reply[4] !== 0x0a) return undefined;
  const end = reply.indexOf(0, 5);
  if (end < 0 || end - 5 > 80) return undefined;
  const banner = text.slice(5, end);
  if (!/^\d+\.\d+\.\d+/.test(banner)) return undefined;
  // MariaDB 10+ prefixes "5.5.5-" so old clients accept it; the real version follows.
  const maria = /^(?:5\.5\.5-)?(\d+\.\d+\.\d+)-MariaDB(?:-(.*))?$/.exec(banner);
  if (maria !== null) {
    const d = distro(maria[2]?.replace(/^\d+[+:]?/, (x) => x));
    return found({
      name: "mysql",
      product: "MariaDB",
      version: maria[1],
      extraInfo: maria[2],
      osHint: /deb|ubuntu/i.test(maria[2] ?? "") ? "Linux" : d.os,
    }, ["mariadb", "mariadb"]);
  }
  const my = /^(\d+\.\d+\.\d+)(?:-(.*))?$/.exec(banner)!;
  return found({ name: "mysql", product: "MySQL", version: my[1], extraInfo: my[2] }, [
    "oracle",
    "mysql",
  ]);
}

// ---------------------------------------------------------------------------------------------
// Redis (RESP, INFO server section), memcached (protocol.txt "version")

function matchRedis(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  if (/^-NOAUTH /.test(text)) {
    return found({
      name: "redis",
      product: "Redis key-value store",
      extraInfo: "authentication required",
    }, ["redis", "redis"]);
  }
  if (/^-DENIED Redis is running in protected mode/.test(text)) {
    return found({
      name: "redis",
      product: "Redis key-value store",
      extraInfo: "protected mode",
    }, ["redis", "redis"]);
  }
  if (!/^\$\d+\r\n/.test(text)) return undefined;
  const version = /\r\nredis_version:([\w.\-]+)\r\n/.exec(text)?.[1];
  if (version === undefined) return undefined;
  const os = /\r\nos:(\w+)/.exec(text)?.[1];
  const mode = /\r\nredis_mode:(\w+)/.exec(text)?.[1];
  const osHint = os === "Linux" ? "Linux" : os === "Darwin" ? "macOS" : os;
  return found({
    name: "redis",
    product: "Redis key-value store",
    version,
    extraInfo: mode !== undefined && mode !== "standalone" ? `${mode} mode` : undefined,
    osHint,
  }, ["redis", "redis"]);
}

function matchMemcached(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  const m = /^VERSION ([\w.\-]+)\r\n/.exec(text);
  if (m === null) return undefined;
  return found({ name: "memcached", product: "Memcached", version: m[1] }, [
    "memcached",
    "memcached",
  ]);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL frontend/backend protocol 3.0 (PostgreSQL documentation, "Message Formats")

/** Fields of an ErrorResponse ('E') message: one-letter code to value. */
function pgErrorFields(reply: Uint8Array, text: string): Map<string, string> | undefined {
  if (reply.length < 6 || reply[0] !== 0x45) return undefined;
  const len = ((reply[1] << 24) | (reply[2] << 16) | (reply[3] << 8) | reply[4]) >>> 0;
  if (len < 4 || len > 8192) return undefined;
  const fields = new Map<string, string>();
  let at = 5;
  const end = Math.min(reply.length, 1 + len);
  while (at < end && reply[at] !== 0) {
    const code = text[at];
    const stop = reply.indexOf(0, at + 1);
    if (stop < 0) break;
    fields.set(code, text.slice(at + 1, stop));
    at = stop + 1;
  }
  return fields;
}

function matchPostgres(reply: Uint8Array, text: string): ServiceMatch | undefined {
  const fields = pgErrorFields(reply, text);
  if (fields !== undefined) {
    const sev = fields.get("S");
    if (sev === undefined || !/^(FATAL|ERROR|PANIC|[A-Z]+)$/.test(sev) || !fields.has("C")) {
      return undefined;
    }
    // The non-localised severity field V was added in PostgreSQL 9.6: its presence is a bound.
    return found({
      name: "postgresql",
      product: "PostgreSQL DB",
      extraInfo: fields.has("V") ? "9.6.0 or later" : undefined,
    }, ["postgresql", "postgresql"]);
  }
  if (reply.length >= 9 && reply[0] === 0x52 && u16be(reply, 1) === 0 && u16be(reply, 3) >= 8) {
    // AuthenticationRequest: the server wants a password. Codes from the message formats page.
    const code = ((reply[5] << 24) | (reply[6] << 16) | (reply[7] << 8) | reply[8]) >>> 0;
    const methods: Record<number, string> = {
      0: "no authentication",
      3: "cleartext password",
      5: "MD5 password",
      10: "SASL authentication",
    };
    if (methods[code] === undefined) return undefined;
    // With trust authentication the server reports its version in a ParameterStatus message.
    // deno-lint-ignore no-control-regex -- binary protocol bytes, on purpose
    const v = /S\x00\x00\x00.server_version\x00([^\x00]+)\x00/s.exec(text)?.[1];
    const version = v !== undefined ? /^[\d.]+/.exec(v)?.[0] : undefined;
    const d = v !== undefined ? /\((\w+)/.exec(v)?.[1] : undefined;
    return found({
      name: "postgresql",
      product: "PostgreSQL DB",
      version,
      extraInfo: methods[code],
      osHint: d !== undefined ? distro(d).os : undefined,
    }, ["postgresql", "postgresql"]);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// DNS version.bind (RFC 1035, CHAOS TXT), SNMP sysDescr (RFC 3418): decoded by
// registry/udp_payloads.ts; these read the text it extracted.

const DNS_PRODUCTS: readonly { pattern: RegExp; product: string; vendor: [string, string] }[] = [
  { pattern: /^dnsmasq-([\w.\-]+)/, product: "dnsmasq", vendor: ["thekelleys", "dnsmasq"] },
  { pattern: /^unbound ([\w.]+)/, product: "Unbound", vendor: ["nlnetlabs", "unbound"] },
  {
    pattern: /^PowerDNS (?:Recursor|Authoritative Server) ([\w.\-]+)/,
    product: "PowerDNS",
    vendor: ["powerdns", "powerdns"],
  },
  { pattern: /^Knot DNS ([\w.\-]+)/, product: "Knot DNS", vendor: ["cz.nic", "knot_dns"] },
  { pattern: /^(9\.\d+\.\d+[\w.\-]*)/, product: "ISC BIND", vendor: ["isc", "bind"] },
  { pattern: /^CoreDNS-([\w.]+)/, product: "CoreDNS", vendor: ["coredns.io", "coredns"] },
];

/**
 * Match the text answer of a `version.bind` query (as `registry/udp_payloads.ts` decodes it).
 * An rcode name (NOERROR, REFUSED, ...) names the service without a product.
 */
export function matchDnsVersion(detail: string | undefined): ServiceMatch {
  if (detail !== undefined) {
    for (const p of DNS_PRODUCTS) {
      const m = p.pattern.exec(detail);
      if (m !== null) return found({ name: "domain", product: p.product, version: m[1] }, p.vendor);
    }
    if (!/^(NOERROR|FORMERR|SERVFAIL|NXDOMAIN|NOTIMP|REFUSED|rcode \d+)$/.test(detail)) {
      return found({ name: "domain", extraInfo: `version.bind: ${printable(detail, 60)}` });
    }
  }
  return found({ name: "domain" });
}

/**
 * SNMP agents by the IANA private enterprise number in their RFC 3411 snmpEngineID (the IANA
 * "Private Enterprise Numbers" registry): the product, its CPE vendor/product, the OS it implies.
 */
const SNMP_ENTERPRISES: ReadonlyMap<
  number,
  { product: string; vendor?: [string, string]; os?: string; device?: string }
> = new Map([
  [8072, { product: "net-snmp", vendor: ["net-snmp", "net-snmp"] }],
  [2021, { product: "ucd-snmp" }], // UC Davis: Net-SNMP before it was renamed
  [9, { product: "Cisco SNMP service" }],
  [11, { product: "HP SNMP agent" }],
  [311, { product: "Microsoft Windows SNMP service", os: "Windows" }],
  [2011, { product: "Huawei SNMP agent" }],
  [2636, { product: "Juniper SNMP agent", os: "JUNOS" }],
  [4526, { product: "Netgear SNMP agent" }],
  [6876, { product: "VMware SNMP agent" }],
  [12356, { product: "Fortinet SNMP agent", device: "firewall" }],
  [14988, { product: "MikroTik RouterOS SNMP agent", os: "RouterOS", device: "router" }],
  [25461, { product: "Palo Alto Networks SNMP agent", device: "firewall" }],
  [30065, { product: "Arista SNMP agent", device: "switch" }],
  [41112, { product: "Ubiquiti SNMP agent" }],
]);

/** What an SNMP agent told us: its v1/v2c answer and its SNMPv3 engine (RFC 3411 §5). */
export interface SnmpAgentFacts {
  /** The v1/v2c recogniser's detail: sysDescr.0, or "SNMPv2c" / "..., error-status N". */
  detail?: string;
  /** From an SNMPv3 discovery Report (registry/udp_payloads.ts `parseSnmpV3Report`). */
  engine?: { enterprise?: number; boots: number; time: number };
}

/** "17 seconds", "3h 25m", "12d 4h": an uptime short enough for extra info. */
function uptime(seconds: number): string {
  if (seconds < 60) return `${seconds} seconds`;
  const d = Math.floor(seconds / 86400);
  const h = Math.floor(seconds / 3600) % 24;
  const m = Math.floor(seconds / 60) % 60;
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

/**
 * Match an SNMP agent: the product comes from the vendor's enterprise number in its SNMPv3
 * engine ID (8072 = Net-SNMP), the OS from sysDescr.0 (which Net-SNMP and most agents begin
 * with the OS name), uptime from snmpEngineTime.
 *
 * @example
 * ```ts
 * const m = matchSnmpAgent({ detail: "Linux gw 6.1.0", engine: { enterprise: 8072, boots: 3, time: 17 } });
 * // { name: "snmp", product: "net-snmp", osHint: "Linux", extraInfo: "sysDescr: Linux gw 6.1.0; ...", ... }
 * ```
 */
export function matchSnmpAgent(facts: SnmpAgentFacts): ServiceMatch {
  const { detail, engine } = facts;
  const descr = detail !== undefined && !/^SNMPv(?:1|2c|3)(?:,|$)/.test(detail)
    ? detail
    : undefined;
  const vendor = engine?.enterprise !== undefined
    ? SNMP_ENTERPRISES.get(engine.enterprise)
    : undefined;
  const extra: string[] = [];
  if (descr !== undefined) extra.push(`sysDescr: ${printable(descr, 100)}`);
  else if (detail !== undefined) extra.push(detail);
  if (engine !== undefined) {
    if (descr === undefined && detail === undefined) extra.push("SNMPv3");
    if (vendor === undefined && engine.enterprise !== undefined) {
      extra.push(`enterprise ${engine.enterprise}`);
    }
    extra.push(`engine boots ${engine.boots}, up ${uptime(engine.time)}`);
  }
  const os = descr === undefined
    ? vendor?.os
    : /^Linux /.test(descr)
    ? "Linux"
    : /Windows/.test(descr)
    ? "Windows"
    : /^FreeBSD/.test(descr)
    ? "FreeBSD"
    : vendor?.os;
  const device = descr !== undefined && /Cisco IOS|RouterOS|JUNOS/i.test(descr)
    ? "router"
    : vendor?.device;
  const product = vendor?.product ?? (descr !== undefined ? "SNMP agent" : undefined);
  return found({
    name: "snmp",
    product,
    extraInfo: extra.length > 0 ? extra.join("; ") : undefined,
    osHint: os,
    deviceType: device,
    confidence: vendor !== undefined ? 8 : descr !== undefined ? 7 : 6,
  }, vendor?.vendor);
}

/** Match an SNMP sysDescr.0 value alone: the OS leads Net-SNMP and most agents' descriptions. */
export function matchSnmpDescr(detail: string | undefined): ServiceMatch {
  return matchSnmpAgent({ detail });
}

// ---------------------------------------------------------------------------------------------
// Binary protocols: SMB2, RDP, NetBIOS session, TDS, Oracle TNS, MongoDB, MQTT, FastCGI,
// Minecraft, LDAP, ONC RPC, SIP

function matchSmb(reply: Uint8Array): ServiceMatch | undefined {
  // NetBIOS session message (RFC 1002 §4.3.1), then an SMB2 header ([MS-SMB2] §2.2.1).
  if (reply.length < 8 || reply[0] !== 0x00) return undefined;
  if (reply[4] === 0xfe && reply[5] === 0x53 && reply[6] === 0x4d && reply[7] === 0x42) {
    if (reply.length < 4 + 64 + 6) {
      return found({ name: "microsoft-ds", product: "SMB", confidence: 7 });
    }
    const body = 4 + 64;
    const dialect = reply[body + 4] | (reply[body + 5] << 8);
    const names: Record<number, string> = {
      0x0202: "2.0.2",
      0x0210: "2.1",
      0x0300: "3.0",
      0x0302: "3.0.2",
      0x0311: "3.1.1",
      0x02ff: "2.x (wildcard)",
    };
    return found({
      name: "microsoft-ds",
      product: "SMB",
      extraInfo: `SMB2 dialect ${names[dialect] ?? `0x${dialect.toString(16)}`}`,
      confidence: 8,
    });
  }
  if (reply[4] === 0xff && reply[5] === 0x53 && reply[6] === 0x4d && reply[7] === 0x42) {
    return found({ name: "microsoft-ds", product: "SMB", extraInfo: "SMBv1 only", confidence: 8 });
  }
  return undefined;
}

function matchNetbiosSsn(reply: Uint8Array): ServiceMatch | undefined {
  // RFC 1002 §4.3.2-4.3.4: positive (0x82) or negative (0x83) session response.
  if (reply.length === 4 && reply[0] === 0x82 && reply[3] === 0) {
    return found({ name: "netbios-ssn" });
  }
  if (reply.length === 5 && reply[0] === 0x83 && reply[3] === 1 && reply[4] >= 0x80) {
    return found({ name: "netbios-ssn" });
  }
  return undefined;
}

function matchRdp(reply: Uint8Array): ServiceMatch | undefined {
  // TPKT (RFC 1006 §6: version 3), X.224 Connection Confirm (code 0xD0, ITU X.224 §13.4).
  if (reply.length < 11 || reply[0] !== 0x03 || reply[1] !== 0x00) return undefined;
  if (u16be(reply, 2) !== reply.length || (reply[5] & 0xf0) !== 0xd0) return undefined;
  let extra: string | undefined;
  if (reply.length >= 19 && reply[11] === 0x02) {
    // RDP Negotiation Response ([MS-RDPBCGR] §2.2.1.2.1): selected security protocol.
    const p = u32le(reply, 15);
    extra = p === 0
      ? "standard RDP security"
      : p === 1
      ? "TLS"
      : p & 2
      ? "CredSSP (NLA)"
      : undefined;
  } else if (reply.length >= 19 && reply[11] === 0x03) {
    extra = "negotiation failure";
  }
  return found({ name: "ms-wbt-server", product: "RDP", extraInfo: extra, confidence: 8 });
}

function matchTds(reply: Uint8Array): ServiceMatch | undefined {
  // [MS-TDS] §2.2.6.5: PRELOGIN response is a TABULAR RESULT (type 4) whose option 0 is VERSION.
  if (reply.length < 8 + 6 || reply[0] !== 0x04 || u16be(reply, 2) > reply.length + 4096) {
    return undefined;
  }
  const p = reply.subarray(8);
  for (let at = 0; at + 5 <= p.length && p[at] !== 0xff; at += 5) {
    if (p[at] !== 0x00) continue;
    const off = u16be(p, at + 1);
    const len = u16be(p, at + 3);
    if (len < 6 || off + 6 > p.length) return undefined;
    const version = `${p[off]}.${p[off + 1]}.${u16be(p, off + 2)}`;
    return found({
      name: "ms-sql-s",
      product: "Microsoft SQL Server",
      version,
      osHint: "Windows",
    }, ["microsoft", "sql_server"]);
  }
  return undefined;
}

function matchTns(reply: Uint8Array, text: string): ServiceMatch | undefined {
  // TNS packet header: length (2), checksum (2), type (1): 2 ACCEPT, 4 REFUSE, 11 RESEND.
  if (reply.length < 8 || u16be(reply, 0) > reply.length + 4096 || u16be(reply, 2) !== 0) {
    return undefined;
  }
  const type = reply[4];
  if (type !== 2 && type !== 4 && type !== 11 && type !== 5) return undefined;
  const vsn = /\(VSNNUM=(\d+)\)/.exec(text);
  let version: string | undefined;
  if (vsn !== null) {
    // VSNNUM packs the release as nibbles/bytes: 0xMMmmRRSS... (e.g. 186646784 = 11.2.0.0).
    const n = Number(vsn[1]);
    version = `${n >>> 24}.${(n >>> 20) & 0xf}.${(n >>> 12) & 0xff}.${(n >>> 8) & 0xf}.${n & 0xff}`;
  }
  if (type !== 2 && !/DESCRIPTION|\(ERR=/.test(text) && type !== 11) return undefined;
  return found({ name: "oracle-tns", product: "Oracle TNS listener", version }, [
    "oracle",
    "database_server",
  ]);
}

/** Top-level string and number fields of a BSON document (bsonspec.org). */
function bsonFields(doc: Uint8Array): Map<string, string | number> | undefined {
  if (doc.length < 5 || u32le(doc, 0) > doc.length) return undefined;
  const out = new Map<string, string | number>();
  let at = 4;
  const end = u32le(doc, 0) - 1;
  while (at < end) {
    const type = doc[at];
    const nameEnd = doc.indexOf(0, at + 1);
    if (nameEnd < 0) return out;
    const name = latin1(doc.subarray(at + 1, nameEnd));
    at = nameEnd + 1;
    switch (type) {
      case 0x01:
        out.set(name, new DataView(doc.buffer, doc.byteOffset + at, 8).getFloat64(0, true));
        at += 8;
        break;
      case 0x02: {
        const len = u32le(doc, at);
        out.set(name, new TextDecoder().decode(doc.subarray(at + 4, at + 3 + len)));
        at += 4 + len;
        break;
      }
      case 0x03:
      case 0x04:
        at += u32le(doc, at);
        break;
      case 0x08:
        out.set(name, doc[at]);
        at += 1;
        break;
      case 0x10:
        out.set(name, u32le(doc, at) | 0);
        at += 4;
        break;
      case 0x09:
      case 0x11:
      case 0x12:
        at += 8;
        break;
      case 0x0a:
        break;
      case 0x07:
        at += 12;
        break;
      case 0x05:
        at += 5 + u32le(doc, at);
        break;
      default:
        return out;
    }
  }
  return out;
}

function matchMongo(reply: Uint8Array): ServiceMatch | undefined {
  // MongoDB wire protocol: header (length, requestID, responseTo, opCode 2013 OP_MSG / 1 OP_REPLY).
  if (reply.length < 21 || u32le(reply, 0) > reply.length + 65536) return undefined;
  const op = u32le(reply, 12);
  let doc: Uint8Array;
  if (op === 2013 && reply[20] === 0) doc = reply.subarray(21);
  else if (op === 1 && reply.length >= 36 + 5) doc = reply.subarray(36);
  else return undefined;
  const f = bsonFields(doc);
  if (f === undefined || !f.has("ok")) return undefined;
  const version = typeof f.get("version") === "string" ? f.get("version") as string : undefined;
  const err = f.get("codeName");
  return found({
    name: "mongodb",
    product: "MongoDB",
    version,
    extraInfo: typeof err === "string" ? err : undefined,
  }, ["mongodb", "mongodb"]);
}

function matchMqtt(reply: Uint8Array): ServiceMatch | undefined {
  // MQTT 3.1.1 §3.2: CONNACK = 0x20, remaining length 2, flags, return code 0-5.
  if (reply.length < 4 || reply[0] !== 0x20 || reply[1] !== 0x02 || reply[2] > 1 || reply[3] > 5) {
    return undefined;
  }
  const codes = [
    "connection accepted",
    "unacceptable protocol version",
    "identifier rejected",
    "server unavailable",
    "bad user name or password",
    "not authorized",
  ];
  return found({ name: "mqtt", extraInfo: codes[reply[3]] });
}

function matchFastcgi(reply: Uint8Array, text: string): ServiceMatch | undefined {
  // FastCGI 1.0 §3.3: version 1, type 10 FCGI_GET_VALUES_RESULT (or 11 UNKNOWN_TYPE).
  if (reply.length < 8 || reply[0] !== 1 || (reply[1] !== 10 && reply[1] !== 11)) return undefined;
  const mpxs = /FCGI_MPXS_CONNS(\d)/.exec(text)?.[1];
  const max = /FCGI_MAX_CONNS(\d+)/.exec(text)?.[1];
  return found({
    name: "fastcgi",
    extraInfo: joinInfo(
      max !== undefined ? `max conns ${max}` : undefined,
      mpxs !== undefined ? `multiplexing ${mpxs === "1" ? "on" : "off"}` : undefined,
    ),
  });
}

function matchMinecraft(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  // Server List Ping: a length-prefixed Status Response (packet 0x00) carrying JSON.
  const start = text.indexOf('{"');
  if (start < 0 || start > 10) return undefined;
  try {
    const doc = JSON.parse(text.slice(start, text.lastIndexOf("}") + 1));
    if (typeof doc?.version?.name !== "string" || typeof doc?.version?.protocol !== "number") {
      return undefined;
    }
    const desc = typeof doc.description === "string"
      ? doc.description
      : typeof doc.description?.text === "string"
      ? doc.description.text
      : undefined;
    const players = doc.players;
    return found({
      name: "minecraft",
      product: "Minecraft",
      version: doc.version.name,
      extraInfo: joinInfo(
        `protocol ${doc.version.protocol}`,
        desc !== undefined ? `message: ${printable(desc, 50)}` : undefined,
        players !== undefined ? `users: ${players.online}/${players.max}` : undefined,
      ),
    }, ["minecraft", "minecraft_server"]);
  } catch {
    return undefined;
  }
}

function matchLdap(reply: Uint8Array, text: string): ServiceMatch | undefined {
  // RFC 4511 §4.1.1: LDAPMessage SEQUENCE { messageID, protocolOp [APPLICATION 4|5] }.
  if (reply.length < 7 || reply[0] !== 0x30) return undefined;
  let at = 1;
  if (reply[at] & 0x80) at += 1 + (reply[at] & 0x7f);
  else at += 1;
  if (reply[at] !== 0x02) return undefined;
  at += 2 + reply[at + 1];
  if (reply[at] !== 0x64 && reply[at] !== 0x65) return undefined;
  // deno-lint-ignore no-control-regex -- binary protocol bytes, on purpose
  const vendor = /vendorName1.\x04.([\x20-\x7e]+)/s.exec(text)?.[1];
  // deno-lint-ignore no-control-regex -- binary protocol bytes, on purpose
  const version = /vendorVersion1.\x04.([\x20-\x7e]+)/s.exec(text)?.[1];
  const ad = /isGlobalCatalogReady|domainFunctionality|forestFunctionality/.test(text);
  if (ad) {
    return found({
      name: "ldap",
      product: "Microsoft Windows Active Directory LDAP",
      osHint: "Windows",
    }, [
      "microsoft",
      "active_directory",
    ]);
  }
  if (/OpenLDAProotDSE/.test(text)) {
    return found({ name: "ldap", product: "OpenLDAP" }, ["openldap", "openldap"]);
  }
  return found({
    name: "ldap",
    product: vendor,
    version: vendor !== undefined ? version : undefined,
  });
}

function matchSip(_reply: Uint8Array, text: string): ServiceMatch | undefined {
  const m = /^SIP\/2\.0 (\d{3})/.exec(text);
  if (m === null) return undefined;
  const agent = /\r\n(?:Server|User-Agent):\s*([^\r\n]+)/i.exec(text)?.[1];
  const a = agent !== undefined ? /^([A-Za-z][\w .\-]*?)[ /]v?(\d[\w.\-]*)/.exec(agent) : null;
  return found({
    name: "sip",
    product: a?.[1] ?? (agent !== undefined ? printable(agent, 60) : undefined),
    version: a?.[2],
    extraInfo: `status ${m[1]}`,
    confidence: a !== null ? 9 : 6,
  });
}

// ---------------------------------------------------------------------------------------------
// The table

/** Every TCP signature, in match order (specific before generic). */
export const SERVICE_SIGNATURES: readonly ServiceSignature[] = [
  { id: "ssh-ident", probes: ["*"], source: "RFC 4253 §4.2", match: matchSsh },
  {
    id: "mysql-handshake",
    probes: ["NULL"],
    source: "MySQL Protocol::HandshakeV10",
    match: matchMysql,
  },
  { id: "vnc-rfb", probes: ["NULL"], source: "RFC 6143 §7.1.1", match: matchVnc },
  { id: "telnet-iac", probes: ["NULL"], source: "RFC 854, RFC 855", match: (r) => matchTelnet(r) },
  { id: "smtp-greeting", probes: ["NULL"], source: "RFC 5321 §4.2, §3.1", match: matchSmtp },
  { id: "ftp-greeting", probes: ["NULL"], source: "RFC 959 §4.2, §5.4", match: matchFtp },
  { id: "pop3-greeting", probes: ["NULL"], source: "RFC 1939 §4", match: matchPop3 },
  { id: "imap-greeting", probes: ["NULL"], source: "RFC 9051 §7.1", match: matchImap },
  {
    id: "redis-info",
    probes: ["RedisInfo"],
    source: "Redis RESP spec, INFO command",
    match: matchRedis,
  },
  {
    id: "memcached-version",
    probes: ["MemcachedVersion"],
    source: "memcached protocol.txt",
    match: matchMemcached,
  },
  {
    id: "postgres-startup",
    probes: ["PgStartup"],
    source: "PostgreSQL protocol message formats",
    match: matchPostgres,
  },
  {
    id: "http-response",
    probes: ["GetRequest", "HttpOptions"],
    source: "RFC 9110, RFC 9112",
    match: matchHttp,
  },
  {
    id: "smb2-negotiate",
    probes: ["Smb2Negotiate"],
    source: "[MS-SMB2] §2.2.3-2.2.4",
    match: (r) => matchSmb(r),
  },
  {
    id: "netbios-session",
    probes: ["NbSessionRequest"],
    source: "RFC 1002 §4.3",
    match: (r) => matchNetbiosSsn(r),
  },
  {
    id: "rdp-x224",
    probes: ["RdpX224"],
    source: "RFC 1006, ITU-T X.224, [MS-RDPBCGR] §2.2.1.2",
    match: (r) => matchRdp(r),
  },
  {
    id: "tds-prelogin",
    probes: ["TdsPrelogin"],
    source: "[MS-TDS] §2.2.6.5",
    match: (r) => matchTds(r),
  },
  {
    id: "oracle-tns",
    probes: ["TnsConnect"],
    source: "Oracle Net TNS packet header",
    match: matchTns,
  },
  {
    id: "mongodb-buildinfo",
    probes: ["MongoBuildInfo"],
    source: "MongoDB wire protocol, BSON spec",
    match: (r) => matchMongo(r),
  },
  {
    id: "mqtt-connack",
    probes: ["MqttConnect"],
    source: "MQTT 3.1.1 §3.1-3.2",
    match: (r) => matchMqtt(r),
  },
  {
    id: "fastcgi-values",
    probes: ["FcgiGetValues"],
    source: "FastCGI 1.0 §4.1",
    match: matchFastcgi,
  },
  {
    id: "minecraft-slp",
    probes: ["MinecraftPing"],
    source: "Minecraft Server List Ping",
    match: matchMinecraft,
  },
  {
    id: "ldap-rootdse",
    probes: ["LdapRootDse"],
    source: "RFC 4511 §4.5, RFC 4512 §5.1",
    match: matchLdap,
  },
  {
    id: "sip-options",
    probes: ["SipOptions"],
    source: "RFC 3261 §11, §20.35, §20.41",
    match: matchSip,
  },
];

/**
 * The best match for a reply to the probe `probe`: the first signature (in table order) that
 * reads this probe's replies and recognises the bytes.
 *
 * @example
 * ```ts
 * const m = matchService("NULL", new TextEncoder().encode("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"));
 * // m?.product === "OpenSSH", m?.version === "9.2p1"
 * ```
 */
export function matchService(probe: string, reply: Uint8Array): ServiceMatch | undefined {
  if (reply.length === 0) return undefined;
  const text = latin1(reply.subarray(0, 65536));
  for (const sig of SERVICE_SIGNATURES) {
    if (!sig.probes.includes("*") && !sig.probes.includes(probe)) continue;
    const m = sig.match(reply, text);
    if (m !== undefined) return m;
  }
  return undefined;
}
