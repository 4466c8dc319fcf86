/**
 * SSH scripts: ssh2-enum-algos (the server's KEXINIT) and ssh-hostkey (host keys obtained
 * through a real key exchange, RFC 4253 and RFC 5656 / RFC 8731, using node:crypto).
 *
 * @module
 */
import { createECDH, createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";
import type { Script, ScriptContext, ScriptSocket } from "../types.ts";
import { portOrService } from "./rules.ts";

const sshRule = portOrService([22, 2222], ["ssh"]);
const CLIENT_VERSION = "SSH-2.0-Portolan_0.1";
const MSG_KEXINIT = 20;
const MSG_KEX_ECDH_INIT = 30;
const MSG_KEX_ECDH_REPLY = 31;

/** The ten name-lists of a KEXINIT message, in RFC 4253 order. */
export const KEXINIT_FIELDS = [
  "kex_algorithms",
  "server_host_key_algorithms",
  "encryption_algorithms_client_to_server",
  "encryption_algorithms_server_to_client",
  "mac_algorithms_client_to_server",
  "mac_algorithms_server_to_client",
  "compression_algorithms_client_to_server",
  "compression_algorithms_server_to_client",
  "languages_client_to_server",
  "languages_server_to_client",
] as const;

/** A parsed KEXINIT. */
export type KexInit = Record<(typeof KEXINIT_FIELDS)[number], string[]>;

class Reader {
  off = 0;
  constructor(readonly buf: Uint8Array) {}
  u8(): number {
    if (this.off >= this.buf.length) throw new Error("SSH message truncated");
    return this.buf[this.off++];
  }
  u32(): number {
    if (this.off + 4 > this.buf.length) throw new Error("SSH message truncated");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.off, 4).getUint32(0);
    this.off += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (this.off + n > this.buf.length) throw new Error("SSH message truncated");
    const out = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }
  string(): Uint8Array {
    return this.bytes(this.u32());
  }
  text(): string {
    return new TextDecoder().decode(this.string());
  }
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function sshString(data: Uint8Array | string): Uint8Array {
  const b = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return cat(u32(b.length), b);
}

/** Frame a payload as an unencrypted SSH binary packet (RFC 4253 section 6). */
export function sshPacket(payload: Uint8Array): Uint8Array {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  return cat(u32(1 + payload.length + pad), new Uint8Array([pad]), payload, new Uint8Array(pad));
}

/** Parse a KEXINIT payload (starting with the message number). */
export function parseKexInit(payload: Uint8Array): KexInit {
  const r = new Reader(payload);
  if (r.u8() !== MSG_KEXINIT) throw new Error("not a KEXINIT");
  r.bytes(16);
  const out = {} as KexInit;
  for (const f of KEXINIT_FIELDS) {
    const t = r.text();
    out[f] = t === "" ? [] : t.split(",");
  }
  return out;
}

/** Build a KEXINIT payload offering the given algorithms. */
export function buildKexInit(lists: Partial<KexInit>): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([MSG_KEXINIT]), new Uint8Array(randomBytes(16))];
  for (const f of KEXINIT_FIELDS) parts.push(sshString((lists[f] ?? []).join(",")));
  parts.push(new Uint8Array([0]), u32(0));
  return cat(...parts);
}

/** An SSH transport before encryption: version exchange done, packets in the clear. */
interface Session {
  socket: ScriptSocket;
  serverVersion: string;
  readPacket(): Promise<Uint8Array>;
}

async function openSession(ctx: ScriptContext): Promise<Session> {
  const socket = await ctx.tcp();
  try {
    await socket.send(`${CLIENT_VERSION}\r\n`);
    let serverVersion = "";
    // RFC 4253 4.2: other lines may precede the identification string.
    for (let i = 0; i < 20; i++) {
      const line = await socket.receiveText({ line: true });
      if (line.startsWith("SSH-")) {
        serverVersion = line;
        break;
      }
      if (line === "" && i > 0) break;
    }
    if (!serverVersion) throw new Error("no SSH identification string");
    return {
      socket,
      serverVersion,
      async readPacket() {
        const len = new DataView((await socket.receive({ bytes: 4 })).buffer).getUint32(0);
        if (len < 5 || len > 256 * 1024) throw new Error(`bad SSH packet length ${len}`);
        const body = await socket.receive({ bytes: len });
        if (body.length < len) throw new Error("SSH connection closed mid-packet");
        return body.subarray(1, len - body[0]);
      },
    };
  } catch (e) {
    socket.close();
    throw e;
  }
}

/** The `ssh2-enum-algos` script. */
export const ssh2EnumAlgos: Script = {
  name: "ssh2-enum-algos",
  categories: ["discovery", "safe"],
  description:
    "Lists the key exchange, host key, cipher, MAC and compression algorithms an SSH server offers.",
  portRule: sshRule,
  async action(ctx) {
    const s = await openSession(ctx);
    try {
      const kex = parseKexInit(await s.readPacket());
      const show: [string, keyof KexInit][] = [
        ["kex_algorithms", "kex_algorithms"],
        ["server_host_key_algorithms", "server_host_key_algorithms"],
        ["encryption_algorithms", "encryption_algorithms_server_to_client"],
        ["mac_algorithms", "mac_algorithms_server_to_client"],
        ["compression_algorithms", "compression_algorithms_server_to_client"],
      ];
      const lines: string[] = [];
      for (const [label, key] of show) {
        lines.push(`${label}: (${kex[key].length})`);
        for (const a of kex[key]) lines.push(`    ${a}`);
      }
      return { text: lines.join("\n"), data: { serverVersion: s.serverVersion, ...kex } };
    } finally {
      s.socket.close();
    }
  },
};

/** A host key from a KEX reply: its type, size and fingerprints. */
export interface HostKey {
  type: string;
  bits: number;
  /** OpenSSH style: "SHA256:" + unpadded base64. */
  sha256: string;
  /** Colon-separated MD5 hex, the older style. */
  md5: string;
  /** Base64 of the key blob (as in known_hosts). */
  key: string;
}

function mpintBits(m: Uint8Array): number {
  let i = 0;
  while (i < m.length && m[i] === 0) i++;
  if (i === m.length) return 0;
  return (m.length - i - 1) * 8 + (32 - Math.clz32(m[i]));
}

/** Describe an SSH public key blob (RFC 4253 6.6). */
export function describeHostKey(blob: Uint8Array): HostKey {
  const r = new Reader(blob);
  const type = r.text();
  let bits = 0;
  if (type === "ssh-rsa") {
    r.string();
    bits = mpintBits(r.string());
  } else if (type === "ssh-ed25519") bits = 256;
  else if (type.startsWith("ecdsa-sha2-nistp")) {
    bits = Number(type.slice("ecdsa-sha2-nistp".length));
  } else if (type === "ssh-dss") bits = mpintBits(r.string());
  const sha = createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
  const md5 = createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
  return { type, bits, sha256: `SHA256:${sha}`, md5, key: Buffer.from(blob).toString("base64") };
}

/** Our ephemeral key for one exchange method. */
function ephemeral(kex: string): Uint8Array {
  if (kex.startsWith("curve25519-sha256")) {
    const { publicKey } = generateKeyPairSync("x25519");
    const jwk = publicKey.export({ format: "jwk" }) as { x: string };
    return new Uint8Array(Buffer.from(jwk.x, "base64url"));
  }
  const curve = {
    "ecdh-sha2-nistp256": "prime256v1",
    "ecdh-sha2-nistp384": "secp384r1",
    "ecdh-sha2-nistp521": "secp521r1",
  }[kex];
  if (!curve) throw new Error(`unsupported kex ${kex}`);
  const ecdh = createECDH(curve);
  return new Uint8Array(ecdh.generateKeys());
}

const KEX_WE_SPEAK = [
  "curve25519-sha256",
  "curve25519-sha256@libssh.org",
  "ecdh-sha2-nistp256",
  "ecdh-sha2-nistp384",
  "ecdh-sha2-nistp521",
];

/** Host key algorithms worth one exchange each (RSA once, whatever its signature hash). */
const HOSTKEY_CHOICES = [
  ["ssh-ed25519"],
  ["ecdsa-sha2-nistp256"],
  ["ecdsa-sha2-nistp384"],
  ["ecdsa-sha2-nistp521"],
  ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
  ["ssh-dss"],
];

/**
 * Run the key exchange far enough to receive the server's host key for one algorithm;
 * the connection is dropped before any secret is derived.
 */
async function fetchHostKey(ctx: ScriptContext, hostKeyAlg: string): Promise<HostKey> {
  const s = await openSession(ctx);
  try {
    const server = parseKexInit(await s.readPacket());
    const kex = KEX_WE_SPEAK.find((k) => server.kex_algorithms.includes(k));
    if (!kex) throw new Error("no key exchange method in common");
    const algo = (l: string[], pref: string[]) => pref.find((a) => l.includes(a)) ?? l[0];
    await s.socket.send(sshPacket(buildKexInit({
      kex_algorithms: [kex],
      server_host_key_algorithms: [hostKeyAlg],
      encryption_algorithms_client_to_server: [
        algo(server.encryption_algorithms_client_to_server, [
          "aes128-ctr",
          "chacha20-poly1305@openssh.com",
        ]),
      ],
      encryption_algorithms_server_to_client: [
        algo(server.encryption_algorithms_server_to_client, [
          "aes128-ctr",
          "chacha20-poly1305@openssh.com",
        ]),
      ],
      mac_algorithms_client_to_server: [
        algo(server.mac_algorithms_client_to_server, ["hmac-sha2-256"]),
      ],
      mac_algorithms_server_to_client: [
        algo(server.mac_algorithms_server_to_client, ["hmac-sha2-256"]),
      ],
      compression_algorithms_client_to_server: ["none"],
      compression_algorithms_server_to_client: ["none"],
    })));
    await s.socket.send(
      sshPacket(cat(new Uint8Array([MSG_KEX_ECDH_INIT]), sshString(ephemeral(kex)))),
    );
    for (let i = 0; i < 8; i++) {
      const p = await s.readPacket();
      if (p[0] === MSG_KEX_ECDH_REPLY) return describeHostKey(new Reader(p.subarray(1)).string());
      if (p[0] === 1) throw new Error("server disconnected during key exchange");
    }
    throw new Error("no KEX reply");
  } finally {
    s.socket.close();
  }
}

/** The `ssh-hostkey` script. */
export const sshHostkey: Script = {
  name: "ssh-hostkey",
  categories: ["default", "discovery", "safe"],
  description:
    "Shows an SSH server's host keys (type, bits, SHA-256 and MD5 fingerprints) via a key exchange per key type.",
  portRule: sshRule,
  async action(ctx) {
    const s = await openSession(ctx);
    let offered: string[];
    try {
      offered = parseKexInit(await s.readPacket()).server_host_key_algorithms;
    } finally {
      s.socket.close();
    }
    const keys: HostKey[] = [];
    const errors: string[] = [];
    for (const choice of HOSTKEY_CHOICES) {
      const alg = choice.find((a) => offered.includes(a));
      if (!alg) continue;
      try {
        keys.push(await fetchHostKey(ctx, alg));
      } catch (e) {
        errors.push(`${alg}: ${(e as Error).message}`);
      }
    }
    const lines = keys.map((k) => `${k.bits} ${k.sha256} (${k.type})\n  MD5 ${k.md5}`);
    if (keys.length === 0) {
      lines.push(`host key algorithms offered: ${offered.join(", ")}`, ...errors);
    }
    return { text: lines.join("\n"), data: { offered, keys, errors } };
  },
};
