/**
 * The TCP probes of version detection: what to send, to which ports first, and how rare the
 * protocol is (probes rarer than the intensity are only sent to their own ports). Every payload
 * is a harmless hello, status or version request written from the protocol's specification
 * (see `registry/SERVICE_PROVENANCE.md`).
 *
 * @module
 */
import { udpPayload } from "../../registry/udp_payloads.ts";

/** Where a probe goes: builders may put the address in the request (HTTP Host, SIP URI). */
export interface ProbeTarget {
  address: string;
  port: number;
}

/** One TCP probe. */
export interface ServiceProbe {
  /** Name, referenced by signatures in registry/service_signatures.ts. */
  readonly name: string;
  /** Ports where this protocol is expected: the probe goes there first, whatever the rarity. */
  readonly ports: readonly number[];
  /** 1 (common, always tried) to 9 (only at intensity 9 on ports outside `ports`). */
  readonly rarity: number;
  /** The bytes to send; empty for the NULL probe (just listen). */
  readonly build: (target: ProbeTarget) => Uint8Array;
}

const enc = new TextEncoder();

function concat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function hostHeader(t: ProbeTarget): string {
  return t.address.includes(":") ? `[${t.address}]` : t.address;
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function be16(n: number): number[] {
  return [(n >>> 8) & 0xff, n & 0xff];
}

function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** PostgreSQL StartupMessage, protocol 3.0, for a role that should not exist. */
function pgStartup(): Uint8Array {
  const params = enc.encode("user\0portolan\0database\0portolan\0application_name\0portolan\0\0");
  return concat(be32(8 + params.length), be32(0x00030000), params);
}

/** DNS over TCP (RFC 1035 §4.2.2): the UDP version.bind query behind a two-byte length. */
function dnsTcp(): Uint8Array {
  const q = udpPayload(53)!;
  return concat(be16(q.length), q);
}

/** ONC RPC over TCP (RFC 5531 §11): record mark with the last-fragment bit, then the call. */
function rpcTcp(port: number): Uint8Array {
  const call = udpPayload(port === 2049 ? 2049 : 111)!;
  return concat(be32(0x80000000 | call.length), call);
}

/** SMB2 NEGOTIATE ([MS-SMB2] §2.2.3) offering 2.0.2-3.1.1, inside a NetBIOS session message. */
function smb2Negotiate(): Uint8Array {
  const dialects = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];
  const header = new Uint8Array(64);
  header.set([0xfe, 0x53, 0x4d, 0x42, 64, 0]); // ProtocolId, StructureSize 64
  const body: number[] = [
    36,
    0, // StructureSize
    dialects.length,
    0, // DialectCount
    1,
    0, // SecurityMode: signing enabled
    0,
    0, // Reserved
    ...le32(0), // Capabilities
    ...crypto.getRandomValues(new Uint8Array(16)), // ClientGuid
    ...le32(0),
    0,
    0,
    0,
    0, // NegotiateContextOffset/Count/Reserved2 (unused without 3.1.1 contexts)
  ];
  for (const d of dialects) body.push(d & 0xff, d >> 8);
  const msg = concat(header, body);
  return concat([0, 0, (msg.length >> 8) & 0xff, msg.length & 0xff], msg);
}

/** NetBIOS session request (RFC 1002 §4.3.2) from "PORTOLAN" to the wildcard-ish "*SMBSERVER". */
function nbSession(): Uint8Array {
  const encode = (name: string) => {
    const padded = name.padEnd(15, " ").slice(0, 15) + "\0";
    const out = [32];
    for (const c of enc.encode(padded)) out.push(0x41 + (c >> 4), 0x41 + (c & 15));
    out.push(0);
    return out;
  };
  const body = [...encode("*SMBSERVER"), ...encode("PORTOLAN")];
  return concat([0x81, 0, (body.length >> 8) & 0xff, body.length & 0xff], body);
}

/** RDP: TPKT + X.224 Connection Request with an RDP Negotiation Request for TLS and CredSSP. */
function rdpX224(): Uint8Array {
  const neg = [0x01, 0x00, 0x08, 0x00, ...le32(0x3)];
  const x224 = [6 + neg.length, 0xe0, 0, 0, 0, 0, 0, ...neg];
  return concat([3, 0, ...be16(4 + x224.length)], x224);
}

/** TDS PRELOGIN ([MS-TDS] §2.2.6.5) with VERSION and ENCRYPTION options. */
function tdsPrelogin(): Uint8Array {
  const options = [
    0x00,
    ...be16(11),
    ...be16(6), // VERSION at 11, length 6
    0x01,
    ...be16(17),
    ...be16(1), // ENCRYPTION at 17, length 1
    0xff,
  ];
  const data = [...options, 0, 0, 0, 0, 0, 0, 0x02 /* ENCRYPT_NOT_SUP */];
  return concat([0x12, 0x01, ...be16(8 + data.length), 0, 0, 1, 0], data);
}

/** Oracle TNS CONNECT packet asking for a service that is not there: the listener refuses. */
function tnsConnect(): Uint8Array {
  const cd = enc.encode(
    "(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=portolan)(CID=(PROGRAM=portolan)))" +
      "(ADDRESS=(PROTOCOL=TCP)(PORT=1521)))",
  );
  const headerLen = 58;
  const fields = [
    ...be16(0x0139), // version
    ...be16(0x012c), // lowest compatible version
    0,
    0, // service options
    ...be16(0x0800), // SDU size
    ...be16(0x7fff), // max TDU
    0x4f,
    0x98, // NT protocol characteristics
    0,
    0, // line turnaround
    0,
    1, // value of 1 in hardware byte order
    ...be16(cd.length),
    ...be16(headerLen), // offset of connect data
    0,
    0,
    0,
    0, // max receivable data
    0x41,
    0x41, // connect flags
  ];
  const pad = new Uint8Array(headerLen - 8 - fields.length);
  const total = headerLen + cd.length;
  return concat([...be16(total), 0, 0, 1, 0, 0, 0], fields, pad, cd);
}

/** MongoDB OP_MSG {buildInfo: 1, $db: "admin"}: allowed before authentication. */
function mongoBuildInfo(): Uint8Array {
  const el = (type: number, name: string, value: Uint8Array | number[]) =>
    concat([type], enc.encode(name + "\0"), value);
  const str = (s: string) => {
    const b = enc.encode(s + "\0");
    return concat(le32(b.length), b);
  };
  const fields = concat(el(0x10, "buildInfo", le32(1)), el(0x02, "$db", str("admin")));
  const doc = concat(le32(4 + fields.length + 1), fields, [0]);
  const body = concat(le32(0), [0], doc); // flagBits, section kind 0
  return concat(le32(16 + body.length), le32(0x504f5254), le32(0), le32(2013), body);
}

/** MQTT 3.1.1 CONNECT (§3.1), clean session, client id "portolan". */
function mqttConnect(): Uint8Array {
  const id = enc.encode("portolan");
  const vh = [0, 4, ...enc.encode("MQTT"), 4, 0x02, 0, 30];
  const payload = [...be16(id.length), ...id];
  return concat([0x10, vh.length + payload.length], vh, payload);
}

/** FastCGI FCGI_GET_VALUES (§4.1) for the three standard variables. */
function fcgiGetValues(): Uint8Array {
  const pairs: number[] = [];
  for (const name of ["FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"]) {
    pairs.push(name.length, 0, ...enc.encode(name));
  }
  const pad = (8 - (pairs.length % 8)) % 8;
  return concat([1, 9, 0, 0, ...be16(pairs.length), pad, 0], pairs, new Uint8Array(pad));
}

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Minecraft Java Server List Ping: Handshake (next state 1) then Status Request. */
function minecraftPing(t: ProbeTarget): Uint8Array {
  const host = enc.encode(t.address);
  // Protocol version 47 (1.8): any number works for a status request.
  const hs = [0x00, ...varint(47), ...varint(host.length), ...host, ...be16(t.port), 1];
  return concat(varint(hs.length), hs, [1, 0x00]);
}

/** LDAPv3 search of the root DSE (RFC 4512 §5.1), base scope, asking for vendor attributes. */
function ldapRootDse(): Uint8Array {
  const tlv = (tag: number, content: number[]) => {
    if (content.length < 128) return [tag, content.length, ...content];
    return [tag, 0x82, ...be16(content.length), ...content];
  };
  const os = (s: string) => tlv(0x04, [...enc.encode(s)]);
  const attrs = [
    "namingContexts",
    "vendorName",
    "vendorVersion",
    "supportedLDAPVersion",
    "objectClass",
  ]
    .flatMap(os);
  const search = tlv(0x63, [
    ...os(""), // baseObject
    0x0a,
    1,
    0, // scope baseObject
    0x0a,
    1,
    0, // derefAliases never
    0x02,
    1,
    0, // sizeLimit
    0x02,
    1,
    0, // timeLimit
    0x01,
    1,
    0, // typesOnly false
    ...tlv(0x87, [...enc.encode("objectClass")]), // filter: present
    ...tlv(0x30, attrs),
  ]);
  return new Uint8Array(tlv(0x30, [0x02, 1, 1, ...search]));
}

/** SIP OPTIONS over TCP (RFC 3261 §11). */
function sipOptions(t: ProbeTarget): Uint8Array {
  const host = hostHeader(t);
  const tag = crypto.randomUUID().slice(0, 8);
  return enc.encode(
    `OPTIONS sip:nm@${host} SIP/2.0\r\n` +
      `Via: SIP/2.0/TCP ${host}:${t.port};branch=z9hG4bK${tag}\r\n` +
      `From: <sip:portolan@${host}>;tag=${tag}\r\nTo: <sip:nm@${host}>\r\n` +
      `Call-ID: ${crypto.randomUUID()}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n` +
      `Contact: <sip:portolan@${host}>\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n`,
  );
}

/** Every TCP probe, NULL first. */
export const SERVICE_PROBES: readonly ServiceProbe[] = [
  { name: "NULL", ports: [], rarity: 1, build: () => new Uint8Array(0) },
  {
    name: "GetRequest",
    ports: [
      80,
      81,
      443,
      591,
      2375,
      3000,
      4443,
      5000,
      5985,
      5986,
      8000,
      8008,
      8080,
      8081,
      8088,
      8443,
      8888,
      9000,
      9090,
      9200,
      9443,
      10000,
    ],
    rarity: 1,
    build: (t) =>
      enc.encode(
        `GET / HTTP/1.0\r\nHost: ${hostHeader(t)}\r\nUser-Agent: Portolan\r\nAccept: */*\r\n\r\n`,
      ),
  },
  { name: "RedisInfo", ports: [6379, 6380], rarity: 3, build: () => enc.encode("INFO server\r\n") },
  { name: "MemcachedVersion", ports: [11211], rarity: 3, build: () => enc.encode("version\r\n") },
  { name: "DnsVersionBindTcp", ports: [53], rarity: 3, build: dnsTcp },
  { name: "Smb2Negotiate", ports: [445], rarity: 3, build: smb2Negotiate },
  { name: "RdpX224", ports: [3389], rarity: 4, build: rdpX224 },
  { name: "PgStartup", ports: [5432, 5433], rarity: 4, build: pgStartup },
  { name: "NbSessionRequest", ports: [139], rarity: 5, build: nbSession },
  { name: "LdapRootDse", ports: [389, 636, 3268, 3269], rarity: 5, build: ldapRootDse },
  { name: "RpcNull", ports: [111, 2049], rarity: 5, build: (t) => rpcTcp(t.port) },
  { name: "TdsPrelogin", ports: [1433], rarity: 5, build: tdsPrelogin },
  { name: "MongoBuildInfo", ports: [27017, 27018], rarity: 5, build: mongoBuildInfo },
  { name: "SipOptions", ports: [5060, 5061], rarity: 6, build: sipOptions },
  { name: "MqttConnect", ports: [1883, 8883], rarity: 6, build: mqttConnect },
  { name: "TnsConnect", ports: [1521], rarity: 7, build: tnsConnect },
  { name: "FcgiGetValues", ports: [9000], rarity: 7, build: fcgiGetValues },
  { name: "MinecraftPing", ports: [25565], rarity: 7, build: minecraftPing },
];

/** Ports where a server usually speaks first: the NULL probe waits longer there. */
export const BANNER_PORTS: ReadonlySet<number> = new Set([
  21,
  22,
  23,
  25,
  110,
  143,
  220,
  465,
  587,
  993,
  995,
  2222,
  3306,
  5900,
  5901,
  2121,
  990,
]);

/** Ports where TLS is expected from the first byte (implicit TLS). */
export const TLS_PORTS: ReadonlySet<number> = new Set([
  261,
  443,
  448,
  465,
  563,
  614,
  636,
  853,
  989,
  990,
  992,
  993,
  994,
  995,
  2376,
  3269,
  4443,
  5061,
  5986,
  6443,
  6697,
  8443,
  8883,
  9443,
]);

/**
 * The probes to send to `port` after NULL, in order: those expecting this port first (any
 * rarity), then the rest whose rarity is at most `intensity`, rarest last.
 */
export function probesFor(port: number, intensity: number): ServiceProbe[] {
  const rest = SERVICE_PROBES.filter((p) => p.name !== "NULL");
  const own = rest.filter((p) => p.ports.includes(port));
  const others = rest.filter((p) => !p.ports.includes(port) && p.rarity <= intensity)
    .sort((a, b) => a.rarity - b.rarity);
  return [...own, ...others];
}
