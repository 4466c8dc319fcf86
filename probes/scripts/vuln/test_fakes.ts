/**
 * Test fixtures for the vulnerability checks: certificates made with the openssl command, a
 * real node:tls server (OpenSSL underneath) as the clean fixture, and a hand-rolled TLS
 * responder that can play the vulnerable parts (old versions, weak suites, Heartbleed).
 *
 * @module
 */
import * as nodeTls from "node:tls";
import { fakeTcpServer } from "../test_util.ts";

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

/** PEM files for the tests. */
export interface TestCerts {
  dir: string;
  caCert: string;
  /** A leaf signed by the CA, valid now. */
  leafKey: string;
  leafCert: string;
  /** Self-signed, valid now. */
  selfKey: string;
  selfCert: string;
  /** Self-signed, valid only in January 2020. */
  expiredKey: string;
  expiredCert: string;
}

/** Make a CA, a CA-signed leaf, a self-signed and an expired certificate in a temp dir. */
export async function makeCerts(): Promise<TestCerts> {
  const dir = await Deno.makeTempDir({ prefix: "portolan-vuln-certs-" });
  const run = (args: string[]) => openssl(args, dir);
  await run([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "30",
    "-subj",
    "/CN=Portolan Test CA",
  ]);
  await run([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "leaf.key",
    "-out",
    "leaf.csr",
    "-subj",
    "/CN=leaf.test",
  ]);
  await run([
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "30",
    "-out",
    "leaf.crt",
  ]);
  await run([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "self.key",
    "-out",
    "self.crt",
    "-days",
    "30",
    "-subj",
    "/CN=self.test",
  ]);
  await expiredCert(dir, "expired");
  const read = (f: string) => Deno.readTextFileSync(`${dir}/${f}`);
  return {
    dir,
    caCert: read("ca.crt"),
    leafKey: read("leaf.key"),
    leafCert: read("leaf.crt"),
    selfKey: read("self.key"),
    selfCert: read("self.crt"),
    expiredKey: read("expired.key"),
    expiredCert: read("expired.crt"),
  };
}

/**
 * A self-signed certificate valid only in January 2020, in `<dir>/<name>.key/.crt`.
 * `openssl req -x509` cannot backdate (negative -days is refused), `openssl ca -selfsign`
 * takes explicit -startdate/-enddate.
 */
export async function expiredCert(dir: string, name: string): Promise<void> {
  const run = (args: string[]) => openssl(args, dir);
  const db = `${dir}/${name}-db`;
  await Deno.mkdir(db, { recursive: true });
  await Deno.writeTextFile(`${db}/index.txt`, "");
  await Deno.writeTextFile(`${db}/serial`, "1000\n");
  await Deno.writeTextFile(
    `${dir}/${name}-ca.cnf`,
    `[ca]\ndefault_ca = c\n[c]\ndatabase = ${db}/index.txt\nserial = ${db}/serial\n` +
      `new_certs_dir = ${db}\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n`,
  );
  await run([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}.test`,
  ]);
  await run([
    "ca",
    "-batch",
    "-notext",
    "-config",
    `${name}-ca.cnf`,
    "-selfsign",
    "-keyfile",
    `${name}.key`,
    "-in",
    `${name}.csr`,
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20200201000000Z",
    "-out",
    `${name}.crt`,
  ]);
}

/** A real TLS server (node:tls, i.e. OpenSSL 3 with its defaults) on 127.0.0.1. */
export async function realTlsServer(
  key: string,
  cert: string,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = nodeTls.createServer({ key, cert }, (s) => {
    s.on("error", () => {});
    s.end("hello\n");
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Behaviour of the fake TLS responder. */
export interface FakeTlsOptions {
  /** Protocol versions it accepts (wire numbers). */
  versions: number[];
  /** Suites it accepts, in its order of preference. */
  suites: number[];
  /** Answer heartbeats; "leak" returns the claimed length, "honest" only what was sent. */
  heartbeat?: "leak" | "honest";
}

async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const got = await conn.read(out.subarray(off));
    if (got === null) return null;
    off += got;
  }
  return out;
}

async function readRec(conn: Deno.Conn): Promise<{ type: number; body: Uint8Array } | null> {
  const head = await readExactly(conn, 5);
  if (!head) return null;
  const body = await readExactly(conn, (head[3] << 8) | head[4]);
  return body ? { type: head[0], body } : null;
}

function record(type: number, version: number, body: number[]): Uint8Array {
  return new Uint8Array([
    type,
    version >> 8,
    version & 0xff,
    body.length >> 8,
    body.length & 0xff,
    ...body,
  ]);
}

/** Parse what the fake needs from a ClientHello handshake message. */
function parseHello(b: Uint8Array): { version: number; suites: number[]; heartbeat: boolean } {
  const version = (b[4] << 8) | b[5];
  let i = 4 + 2 + 32;
  i += 1 + b[i];
  const n = (b[i] << 8) | b[i + 1];
  const suites: number[] = [];
  for (let j = 0; j < n; j += 2) suites.push((b[i + 2 + j] << 8) | b[i + 3 + j]);
  i += 2 + n;
  i += 1 + b[i];
  let heartbeat = false;
  if (i + 2 <= b.length) {
    const end = i + 2 + ((b[i] << 8) | b[i + 1]);
    i += 2;
    while (i + 4 <= end) {
      const type = (b[i] << 8) | b[i + 1];
      if (type === 0x000f) heartbeat = true;
      i += 4 + ((b[i + 2] << 8) | b[i + 3]);
    }
  }
  return { version, suites, heartbeat };
}

/** A TLS-speaking fake on 127.0.0.1 that negotiates up to ServerHelloDone, then heartbeats. */
export function fakeTlsServer(
  options: FakeTlsOptions,
): { port: number; close: () => Promise<void> } {
  return fakeTcpServer(async (conn) => {
    const hello = await readRec(conn);
    if (!hello || hello.type !== 22) return;
    const h = parseHello(hello.body);
    const version = Math.max(...options.versions.filter((v) => v <= h.version));
    if (!Number.isFinite(version)) {
      await conn.write(record(21, 0x0301, [2, 70]));
      return;
    }
    const suite = options.suites.find((s) => h.suites.includes(s));
    if (suite === undefined) {
      await conn.write(record(21, version, [2, 40]));
      return;
    }
    const exts = h.heartbeat && options.heartbeat ? [0, 0x0f, 0, 1, 1] : [];
    const sh = [
      version >> 8,
      version & 0xff,
      ...crypto.getRandomValues(new Uint8Array(32)),
      0,
      suite >> 8,
      suite & 0xff,
      0,
      ...(exts.length ? [0, exts.length, ...exts] : []),
    ];
    const msgs = [2, 0, sh.length >> 8, sh.length & 0xff, ...sh, 14, 0, 0, 0];
    await conn.write(record(22, version, msgs));
    for (;;) {
      const rec = await readRec(conn);
      if (!rec) return;
      if (rec.type === 24 && rec.body[0] === 1 && options.heartbeat) {
        const claimed = (rec.body[1] << 8) | rec.body[2];
        const actual = rec.body.length - 3 - 16;
        const n = options.heartbeat === "leak" ? claimed : Math.min(claimed, actual);
        // "Memory" beyond the payload: recognisable filler, as a leak would be.
        const payload = new Uint8Array(n);
        payload.set(rec.body.subarray(3, 3 + Math.min(n, actual)));
        for (let k = actual; k < n; k++) payload[k] = 0x41 + (k % 26);
        const body = [2, n >> 8, n & 0xff, ...payload, ...new Uint8Array(16)];
        await conn.write(record(24, version, body));
      } else if (rec.type === 24) {
        await conn.write(record(21, version, [2, 10]));
        return;
      }
    }
  });
}
