/**
 * Binary-protocol scripts: mysql-info (TCP handshake), and over UDP dns-recursion,
 * snmp-sysdescr and ntp-info.
 *
 * @module
 */
import { scriptArg } from "../args.ts";
import type { Script } from "../types.ts";
import { portOrService } from "./rules.ts";

/** Capability flags of the MySQL client/server protocol, low bit first. */
const MYSQL_CAPS = [
  "LongPassword",
  "FoundRows",
  "LongColumnFlag",
  "ConnectWithDatabase",
  "DontAllowDatabaseTableColumn",
  "SupportsCompression",
  "ODBCClient",
  "SupportsLoadDataLocal",
  "IgnoreSpaceBeforeParenthesis",
  "Speaks41ProtocolNew",
  "InteractiveClient",
  "SwitchToSSLAfterHandshake",
  "IgnoreSigpipes",
  "SupportsTransactions",
  "Speaks41ProtocolOld",
  "Support41Auth",
  "SupportsMultipleStatments",
  "SupportsMultipleResults",
  "SupportsPSMultipleResults",
  "SupportsAuthPlugins",
  "ConnectAttrs",
  "AuthPluginDataLenEnc",
  "CanHandleExpiredPasswords",
  "SessionTrack",
  "DeprecateEOF",
];

/** The fields of a MySQL initial handshake (protocol 10) packet payload. */
export function parseMysqlHandshake(p: Uint8Array): Record<string, unknown> {
  if (p[0] === 0xff) {
    const code = p[1] | (p[2] << 8);
    return { error: `${code} ${new TextDecoder().decode(p.subarray(p[3] === 0x23 ? 9 : 3))}` };
  }
  if (p[0] !== 10) throw new Error(`unknown MySQL protocol version ${p[0]}`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  let off = 1;
  const nul = p.indexOf(0, off);
  const version = new TextDecoder().decode(p.subarray(off, nul));
  off = nul + 1;
  const threadId = dv.getUint32(off, true);
  off += 4;
  let salt = new TextDecoder().decode(p.subarray(off, off + 8));
  off += 9;
  let caps = dv.getUint16(off, true);
  off += 2;
  const out: Record<string, unknown> = { protocol: 10, version, threadId };
  if (off < p.length) {
    out.charset = p[off];
    out.status = dv.getUint16(off + 1, true);
    caps |= dv.getUint16(off + 3, true) << 16;
    const authLen = p[off + 5];
    off += 16;
    const part2 = Math.max(13, authLen - 8);
    salt += new TextDecoder().decode(p.subarray(off, off + part2 - 1));
    off += part2;
    const end = p.indexOf(0, off);
    if (off < p.length) {
      out.authPlugin = new TextDecoder().decode(p.subarray(off, end < 0 ? p.length : end));
    }
  }
  out.capabilities = caps >>> 0;
  out.capabilityNames = MYSQL_CAPS.filter((_, i) => (caps & (1 << i)) !== 0);
  out.salt = salt;
  return out;
}

/** The `mysql-info` script. */
export const mysqlInfo: Script = {
  name: "mysql-info",
  categories: ["default", "discovery", "safe"],
  description:
    "Reads protocol, version, thread id, capabilities, status and auth plugin from MySQL's greeting.",
  portRule: portOrService([3306], ["mysql"]),
  async action(ctx) {
    const sock = await ctx.tcp();
    try {
      const head = await sock.receive({ bytes: 4 });
      if (head.length < 4) return undefined;
      const len = head[0] | (head[1] << 8) | (head[2] << 16);
      const info = parseMysqlHandshake(await sock.receive({ bytes: len }));
      if (info.error) return { text: `MySQL error: ${info.error}`, data: info };
      const lines = [
        `Protocol: ${info.protocol}`,
        `Version: ${info.version}`,
        `Thread ID: ${info.threadId}`,
        `Capabilities flags: ${info.capabilities}`,
        `Some Capabilities: ${(info.capabilityNames as string[]).join(", ")}`,
      ];
      if (info.status !== undefined) {
        lines.push(`Status: ${info.status === 2 ? "Autocommit" : info.status}`);
      }
      lines.push(`Salt: ${info.salt}`);
      if (info.authPlugin) lines.push(`Auth Plugin Name: ${info.authPlugin}`);
      return { text: lines.join("\n"), data: info };
    } finally {
      sock.close();
    }
  },
};

/** A DNS query for `name` (type NS, class IN) with recursion desired. */
export function dnsQuery(id: number, name: string, type = 2): Uint8Array {
  const labels = name.split(".").filter(Boolean);
  const q: number[] = [id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
  for (const l of labels) q.push(l.length, ...new TextEncoder().encode(l));
  q.push(0, type >> 8, type & 0xff, 0, 1);
  return new Uint8Array(q);
}

/** The `dns-recursion` script. */
export const dnsRecursion: Script = {
  name: "dns-recursion",
  categories: ["default", "safe"],
  description:
    "Checks whether a DNS server offers recursion to us (RA flag set on a recursive query).",
  portRule: portOrService([53], ["domain", "dns"], "udp"),
  async action(ctx) {
    const id = Math.floor(Math.random() * 0xffff);
    const name = scriptArg(ctx.args, "dns-recursion", "name") ?? ".";
    const reply = await ctx.udp(dnsQuery(id, name));
    if (!reply || reply.length < 12 || ((reply[0] << 8) | reply[1]) !== id) return undefined;
    const ra = (reply[3] & 0x80) !== 0;
    const rcode = reply[3] & 0x0f;
    if (ra && rcode === 0) {
      return { text: "Recursion appears to be enabled", data: { recursion: true, rcode } };
    }
    return undefined;
  },
};

// --- minimal BER for SNMPv1 (RFC 1157) ---

function berLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, body: number[]): number[] {
  return [tag, ...berLength(body.length), ...body];
}

function berOid(oid: string): number[] {
  const parts = oid.split(".").map(Number);
  const body = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const enc = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) enc.unshift((v & 0x7f) | 0x80);
    body.push(...enc);
  }
  return tlv(0x06, body);
}

/** An SNMPv1 GetRequest for the given OIDs. */
export function snmpGet(community: string, requestId: number, oids: string[]): Uint8Array {
  const varbinds = oids.flatMap((o) => tlv(0x30, [...berOid(o), 0x05, 0x00]));
  const pdu = tlv(0xa0, [
    ...tlv(0x02, [
      (requestId >> 24) & 0x7f,
      (requestId >> 16) & 0xff,
      (requestId >> 8) & 0xff,
      requestId & 0xff,
    ]),
    0x02,
    0x01,
    0x00,
    0x02,
    0x01,
    0x00,
    ...tlv(0x30, varbinds),
  ]);
  return new Uint8Array(
    tlv(0x30, [0x02, 0x01, 0x00, ...tlv(0x04, [...new TextEncoder().encode(community)]), ...pdu]),
  );
}

interface Ber {
  tag: number;
  body: Uint8Array;
  end: number;
}

function readBer(b: Uint8Array, off: number): Ber {
  const tag = b[off];
  let len = b[off + 1];
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | b[start + i];
    start += n;
  }
  if (start + len > b.length) throw new Error("BER truncated");
  return { tag, body: b.subarray(start, start + len), end: start + len };
}

function children(b: Uint8Array): Ber[] {
  const out: Ber[] = [];
  for (let off = 0; off < b.length;) {
    const e = readBer(b, off);
    out.push(e);
    off = e.end;
  }
  return out;
}

function decodeOid(b: Uint8Array): string {
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (const x of b.subarray(1)) {
    v = (v << 7) | (x & 0x7f);
    if (!(x & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

/** Parse an SNMP GetResponse into OID -> value (strings as text, integers and ticks as numbers). */
export function parseSnmpResponse(
  b: Uint8Array,
): { errorStatus: number; values: Record<string, string | number> } {
  const msg = children(readBer(b, 0).body);
  const pdu = msg[2];
  if (!pdu || pdu.tag !== 0xa2) throw new Error("not an SNMP GetResponse");
  const [, status, , list] = children(pdu.body);
  const values: Record<string, string | number> = {};
  for (const vb of children(list.body)) {
    const [oid, val] = children(vb.body);
    const num = () => val.body.reduce((n, x) => n * 256 + x, 0);
    values[decodeOid(oid.body)] = val.tag === 0x04 ? new TextDecoder().decode(val.body) : num();
  }
  return { errorStatus: status.body.reduce((n, x) => n * 256 + x, 0), values };
}

const SYS_DESCR = "1.3.6.1.2.1.1.1.0";
const SYS_UPTIME = "1.3.6.1.2.1.1.3.0";

/** The `snmp-sysdescr` script. */
export const snmpSysdescr: Script = {
  name: "snmp-sysdescr",
  categories: ["default", "discovery", "safe"],
  description:
    "Reads sysDescr and sysUpTime over SNMPv1 (community from arg snmpcommunity, default public).",
  portRule: portOrService([161], ["snmp"], "udp"),
  async action(ctx) {
    const community = scriptArg(ctx.args, "snmp-sysdescr", "snmpcommunity") ?? "public";
    const id = Math.floor(Math.random() * 0x7fffffff);
    const reply = await ctx.udp(snmpGet(community, id, [SYS_DESCR, SYS_UPTIME]));
    if (!reply) return undefined;
    const r = parseSnmpResponse(reply);
    const descr = r.values[SYS_DESCR];
    if (r.errorStatus !== 0 || typeof descr !== "string") return undefined;
    const lines = [descr];
    const ticks = r.values[SYS_UPTIME];
    if (typeof ticks === "number") {
      const s = Math.floor(ticks / 100);
      lines.push(
        `  System uptime: ${Math.floor(s / 86400)} days, ${Math.floor(s / 3600) % 24}:${
          String(Math.floor(s / 60) % 60).padStart(2, "0")
        }:${String(s % 60).padStart(2, "0")} (${ticks} timeticks)`,
      );
    }
    return { text: lines.join("\n"), data: { sysDescr: descr, sysUpTime: ticks } };
  },
};

const NTP_EPOCH_OFFSET = 2208988800;

/** Parse a 48-byte NTP server reply (RFC 5905). */
export function parseNtpReply(b: Uint8Array): Record<string, unknown> {
  if (b.length < 48) throw new Error("NTP reply too short");
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const stratum = b[1];
  const refid = stratum <= 1
    ? new TextDecoder().decode(b.subarray(12, 16)).replace(/\0+$/, "")
    : Array.from(b.subarray(12, 16)).join(".");
  const time = (off: number) =>
    dv.getUint32(off) - NTP_EPOCH_OFFSET + dv.getUint32(off + 4) / 2 ** 32;
  return {
    leap: b[0] >> 6,
    version: (b[0] >> 3) & 7,
    mode: b[0] & 7,
    stratum,
    poll: dv.getInt8(2),
    precision: dv.getInt8(3),
    rootDelay: dv.getUint32(4) / 65536,
    rootDispersion: dv.getUint32(8) / 65536,
    refid,
    receiveTime: new Date(time(32) * 1000).toISOString(),
    transmitTime: new Date(time(40) * 1000).toISOString(),
  };
}

/** The `ntp-info` script. */
export const ntpInfo: Script = {
  name: "ntp-info",
  categories: ["default", "discovery", "safe"],
  description:
    "Asks an NTP server for the time and reports its stratum, reference, precision and clock offset.",
  portRule: portOrService([123], ["ntp"], "udp"),
  async action(ctx) {
    const req = new Uint8Array(48);
    req[0] = 0x23; // LI 0, version 4, mode 3 (client)
    const sent = Date.now();
    const reply = await ctx.udp(req);
    if (!reply || reply.length < 48 || (reply[0] & 7) !== 4) return undefined;
    const info = parseNtpReply(reply);
    const offsetS = (Date.parse(info.receiveTime as string) - sent) / 1000;
    const lines = [
      `receive time stamp: ${info.receiveTime}`,
      `version: ${info.version}`,
      `stratum: ${info.stratum}`,
      `refid: ${info.refid}`,
      `precision: 2^${info.precision}`,
      `clock offset (approx.): ${offsetS.toFixed(3)} s`,
    ];
    return { text: lines.join("\n"), data: { ...info, clockOffsetS: offsetS } };
  },
};
