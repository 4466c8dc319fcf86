/**
 * Protocol payloads for the UDP scan (`-sU`) and recognisers for the answers they draw.
 *
 * An empty datagram gets no answer from most UDP services: they drop what they cannot parse.
 * So for well-known ports the scan sends a small, valid request of that port's protocol, and a
 * reply proves the port open. Every payload here was written from the protocol's own
 * specification (the `spec` field names it); see `registry/PROVENANCE.md`, "UDP payloads".
 *
 * Each request is harmless: a status, version or discovery query that changes nothing on the
 * server. Requests that carry an identifier (DNS ID, RPC xid, SNMP request-id, ...) draw a fresh
 * random one on every `build()`.
 *
 * @module
 */

/** How a reply was recognised: the protocol's service name and, where the reply says, more. */
export interface UdpReplyInfo {
  /** Service name, in the port registry's spelling where it has one (`domain`, `snmp`, ...). */
  readonly service: string;
  /** What the reply told about the server (version text, status, names); absent when nothing. */
  readonly detail?: string;
}

/** One UDP probe: the ports it is sent to, what it is, where its bytes come from, its builder. */
export interface UdpPayloadSpec {
  /** Destination ports this payload is sent to. */
  readonly ports: readonly number[];
  /** Short human name of the request. */
  readonly name: string;
  /** The specification the bytes were written from. */
  readonly spec: string;
  /** Builds a fresh datagram (random identifiers are redrawn each call). */
  readonly build: () => Uint8Array;
  /** Checks that a datagram received from `port` is a real answer of this protocol. */
  readonly recognize: (reply: Uint8Array, port: number) => UdpReplyInfo | undefined;
}

// ---------------------------------------------------------------------------------------------
// Byte helpers

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

function concat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function u16(n: number): number[] {
  return [(n >>> 8) & 0xff, n & 0xff];
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function ascii(text: string): Uint8Array {
  return encoder.encode(text);
}

function randomBytes(count: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(count));
}

function random16(): number {
  const b = randomBytes(2);
  return (b[0] << 8) | b[1];
}

function random32(): number {
  const b = randomBytes(4);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function read16(buf: Uint8Array, at: number): number {
  return (buf[at] << 8) | buf[at + 1];
}

function read32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

/** Printable text of a reply field, control characters folded to spaces, length capped. */
function printable(bytes: Uint8Array, max = 200): string {
  const clean = Array.from(bytes, (b) => (b < 0x20 || b === 0x7f ? 0x20 : b));
  const text = decoder.decode(new Uint8Array(clean)).replace(/ +/g, " ").trim();
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** The value of one header of a text protocol (SSDP, SIP), case-insensitive, first match. */
function headerValue(lines: readonly string[], name: string): string | undefined {
  const prefix = `${name.toLowerCase()}:`;
  const line = lines.find((l) => l.toLowerCase().startsWith(prefix));
  return line === undefined ? undefined : line.slice(prefix.length).trim();
}

// ---------------------------------------------------------------------------------------------
// DNS (RFC 1035, RFC 6762/6763) and the NetBIOS name service, which borrows DNS's wire format

const DNS_TYPE_PTR = 12;
const DNS_TYPE_TXT = 16;
const DNS_CLASS_IN = 1;
const DNS_CLASS_CH = 3;

function dnsName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split(".").filter((l) => l.length > 0)) {
    const bytes = ascii(label);
    out.push(bytes.length, ...bytes);
  }
  out.push(0);
  return out;
}

function dnsQuery(
  name: string,
  opts: { id: number; type: number; qclass: number; recursion: boolean },
): Uint8Array {
  return concat(
    u16(opts.id),
    u16(opts.recursion ? 0x0100 : 0x0000),
    u16(1), // QDCOUNT
    u16(0), // ANCOUNT
    u16(0), // NSCOUNT
    u16(0), // ARCOUNT
    dnsName(name),
    u16(opts.type),
    u16(opts.qclass),
  );
}

/** Reads a possibly compressed name; returns it and the offset after it in the record. */
function readDnsName(buf: Uint8Array, start: number): { name: string; next: number } | undefined {
  const labels: string[] = [];
  let at = start;
  let next = -1;
  // A pointer loop in a hostile reply must not hang the receiver.
  for (let hops = 0; hops < 64; hops++) {
    if (at >= buf.length) return undefined;
    const len = buf[at];
    if (len === 0) {
      return { name: labels.join("."), next: next < 0 ? at + 1 : next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (at + 1 >= buf.length) return undefined;
      if (next < 0) next = at + 2;
      at = ((len & 0x3f) << 8) | buf[at + 1];
      continue;
    }
    if ((len & 0xc0) !== 0 || at + 1 + len > buf.length) return undefined;
    labels.push(decoder.decode(buf.subarray(at + 1, at + 1 + len)));
    at += 1 + len;
  }
  return undefined;
}

interface DnsRecord {
  readonly name: string;
  readonly type: number;
  readonly rdata: Uint8Array;
  readonly rdataAt: number;
}

interface DnsMessage {
  readonly rcode: number;
  readonly answers: readonly DnsRecord[];
}

const DNS_RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

/** Parses a DNS response (QR set) strictly enough that random bytes rarely pass. */
function parseDnsResponse(buf: Uint8Array): DnsMessage | undefined {
  if (buf.length < 12) return undefined;
  const flags = read16(buf, 2);
  if ((flags & 0x8000) === 0) return undefined; // a query, not a response
  const opcode = (flags >> 11) & 0xf;
  if (opcode > 2) return undefined;
  const qd = read16(buf, 4);
  const an = read16(buf, 6);
  if (qd > 4 || an > 512) return undefined;
  let at = 12;
  for (let i = 0; i < qd; i++) {
    const q = readDnsName(buf, at);
    if (q === undefined || q.next + 4 > buf.length) return undefined;
    at = q.next + 4;
  }
  const answers: DnsRecord[] = [];
  for (let i = 0; i < an; i++) {
    const r = readDnsName(buf, at);
    if (r === undefined || r.next + 10 > buf.length) return undefined;
    const type = read16(buf, r.next);
    const rdlength = read16(buf, r.next + 8);
    const rdataAt = r.next + 10;
    if (rdataAt + rdlength > buf.length) return undefined;
    answers.push({ name: r.name, type, rdata: buf.subarray(rdataAt, rdataAt + rdlength), rdataAt });
    at = rdataAt + rdlength;
  }
  return { rcode: flags & 0xf, answers };
}

function txtStrings(rdata: Uint8Array): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < rdata.length) {
    const len = rdata[at];
    out.push(decoder.decode(rdata.subarray(at + 1, at + 1 + len)));
    at += 1 + len;
  }
  return out;
}

function recognizeDns(reply: Uint8Array): UdpReplyInfo | undefined {
  const msg = parseDnsResponse(reply);
  if (msg === undefined) return undefined;
  const txt = msg.answers.find((a) => a.type === DNS_TYPE_TXT);
  if (txt !== undefined) {
    return { service: "domain", detail: printable(ascii(txtStrings(txt.rdata).join(" "))) };
  }
  return { service: "domain", detail: DNS_RCODES[msg.rcode] ?? `rcode ${msg.rcode}` };
}

function recognizeMdns(reply: Uint8Array): UdpReplyInfo | undefined {
  const msg = parseDnsResponse(reply);
  if (msg === undefined) return undefined;
  const services = new Set<string>();
  for (const a of msg.answers) {
    if (a.type !== DNS_TYPE_PTR) continue;
    const target = readDnsName(reply, a.rdataAt);
    if (target !== undefined) services.add(target.name);
  }
  if (services.size === 0) return { service: "mdns" };
  return { service: "mdns", detail: printable(ascii([...services].join(", "))) };
}

/** RFC 1001 §14.1 first-level encoding: each nibble becomes 'A' + nibble. */
function netbiosEncode(name: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of name) out.push(0x41 + (b >> 4), 0x41 + (b & 0x0f));
  return out;
}

function buildNbstat(): Uint8Array {
  const wildcard = new Uint8Array(16);
  wildcard[0] = 0x2a; // '*' then fifteen NULs: "any name" (RFC 1002 §4.2.18)
  return concat(
    u16(random16()),
    u16(0x0000), // opcode QUERY, no RD, unicast
    u16(1),
    u16(0),
    u16(0),
    u16(0),
    [32, ...netbiosEncode(wildcard), 0],
    u16(0x0021), // NBSTAT
    u16(0x0001), // IN
  );
}

function recognizeNbstat(reply: Uint8Array): UdpReplyInfo | undefined {
  if (reply.length < 12) return undefined;
  const flags = read16(reply, 2);
  if ((flags & 0x8000) === 0 || ((flags >> 11) & 0xf) !== 0) return undefined;
  if (read16(reply, 6) < 1) return undefined;
  const rr = readDnsName(reply, 12);
  if (rr === undefined || rr.next + 11 > reply.length) return undefined;
  if (read16(reply, rr.next) !== 0x0021 || read16(reply, rr.next + 2) !== 0x0001) return undefined;
  const rdlength = read16(reply, rr.next + 8);
  const rdata = reply.subarray(rr.next + 10, rr.next + 10 + rdlength);
  if (rdata.length !== rdlength || rdlength < 1) return undefined;
  const count = rdata[0];
  if (1 + count * 18 > rdata.length) return undefined;
  // The first unique (non-group) name with suffix 0x00 is the machine's own name.
  for (let i = 0; i < count; i++) {
    const entry = rdata.subarray(1 + i * 18, 1 + (i + 1) * 18);
    const group = (entry[16] & 0x80) !== 0;
    if (!group && entry[15] === 0x00) {
      return { service: "netbios-ns", detail: printable(entry.subarray(0, 15)) };
    }
  }
  return { service: "netbios-ns" };
}

// ---------------------------------------------------------------------------------------------
// NTP (RFC 5905)

/** Seconds between the NTP era 0 epoch (1900) and the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2_208_988_800;

function buildNtp(): Uint8Array {
  const out = new Uint8Array(48);
  out[0] = (0 << 6) | (4 << 3) | 3; // LI 0, VN 4, Mode 3 (client)
  // The transmit timestamp is what a server echoes back as its origin timestamp (§8), so it
  // ties the answer to this request; a real clock value also keeps strict servers happy.
  const now = Date.now();
  const seconds = (Math.floor(now / 1000) + NTP_UNIX_OFFSET) % 2 ** 32;
  const fraction = Math.floor(((now % 1000) / 1000) * 2 ** 32) >>> 0;
  out.set(u32(seconds), 40);
  out.set(u32(fraction), 44);
  return out;
}

function recognizeNtp(reply: Uint8Array): UdpReplyInfo | undefined {
  if (reply.length < 48) return undefined;
  const version = (reply[0] >> 3) & 0x7;
  const mode = reply[0] & 0x7;
  if (version < 1 || version > 4) return undefined;
  if (mode !== 4 && mode !== 5) return undefined; // server or broadcast, never our mode 3
  const stratum = reply[1];
  if (stratum === 0) {
    // Kiss-o'-Death: the reference ID carries a four-letter ASCII code (§7.4).
    return { service: "ntp", detail: `kiss code ${printable(reply.subarray(12, 16))}` };
  }
  return { service: "ntp", detail: `v${version}, stratum ${stratum}` };
}

// ---------------------------------------------------------------------------------------------
// SNMP (RFC 3416 PDUs, RFC 1901 community message, X.690 BER)

function berLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function berTlv(tag: number, content: Uint8Array | readonly number[]): Uint8Array {
  return concat([tag], berLength(content.length), content);
}

/** Minimal two's-complement INTEGER, for values in the signed 32-bit range. */
function berInteger(n: number): Uint8Array {
  const bytes = u32(n >>> 0);
  // Drop leading bytes that only repeat the sign of the next one.
  while (
    bytes.length > 1 &&
    ((bytes[0] === 0x00 && (bytes[1] & 0x80) === 0) ||
      (bytes[0] === 0xff && (bytes[1] & 0x80) !== 0))
  ) {
    bytes.shift();
  }
  return berTlv(0x02, bytes);
}

/** OBJECT IDENTIFIER content: 40*first+second, then base-128 arcs with continuation bits. */
function berOid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(Number);
  const content: number[] = [];
  for (const arc of [arcs[0] * 40 + arcs[1], ...arcs.slice(2)]) {
    const groups: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      groups.unshift(0x80 | (v & 0x7f));
    }
    content.push(...groups);
  }
  return berTlv(0x06, content);
}

/** The object SNMP probes ask for: SNMPv2-MIB::sysDescr.0. */
export const SYS_DESCR_OID = "1.3.6.1.2.1.1.1.0";

function buildSnmpGet(): Uint8Array {
  const varbind = berTlv(0x30, concat(berOid(SYS_DESCR_OID), [0x05, 0x00]));
  const pdu = berTlv(
    0xa0, // GetRequest-PDU, [0] IMPLICIT
    concat(
      berInteger(random32() & 0x7fffffff),
      berInteger(0), // error-status
      berInteger(0), // error-index
      berTlv(0x30, varbind),
    ),
  );
  return berTlv(0x30, concat(berInteger(1), berTlv(0x04, ascii("public")), pdu));
}

interface Tlv {
  readonly tag: number;
  readonly value: Uint8Array;
  readonly next: number;
}

function readTlv(buf: Uint8Array, at: number): Tlv | undefined {
  if (at + 2 > buf.length) return undefined;
  const tag = buf[at];
  let len = buf[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const octets = len & 0x7f;
    if (octets === 0 || octets > 3 || start + octets > buf.length) return undefined;
    len = 0;
    for (let i = 0; i < octets; i++) len = len * 256 + buf[start + i];
    start += octets;
  }
  if (start + len > buf.length) return undefined;
  return { tag, value: buf.subarray(start, start + len), next: start + len };
}

function berIntValue(value: Uint8Array): number {
  let n = value[0] & 0x80 ? -1 : 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

function recognizeSnmp(reply: Uint8Array): UdpReplyInfo | undefined {
  const msg = readTlv(reply, 0);
  if (msg === undefined || msg.tag !== 0x30) return undefined;
  const version = readTlv(msg.value, 0);
  if (version === undefined || version.tag !== 0x02 || version.value.length !== 1) return undefined;
  const v = version.value[0];
  if (v === 3) return { service: "snmp", detail: "SNMPv3" };
  if (v !== 0 && v !== 1) return undefined;
  const community = readTlv(msg.value, version.next);
  if (community === undefined || community.tag !== 0x04) return undefined;
  const pdu = readTlv(msg.value, community.next);
  // Response-PDU [2] or Report [8]; our own GetRequest [0] must not pass.
  if (pdu === undefined || (pdu.tag !== 0xa2 && pdu.tag !== 0xa8)) return undefined;
  const requestId = readTlv(pdu.value, 0);
  const errorStatus = requestId && readTlv(pdu.value, requestId.next);
  const errorIndex = errorStatus && readTlv(pdu.value, errorStatus.next);
  const varbinds = errorIndex && readTlv(pdu.value, errorIndex.next);
  if (
    !requestId || !errorStatus || !errorIndex || !varbinds || requestId.tag !== 0x02 ||
    errorStatus.tag !== 0x02 || varbinds.tag !== 0x30
  ) {
    return undefined;
  }
  const label = v === 0 ? "SNMPv1" : "SNMPv2c";
  const status = berIntValue(errorStatus.value);
  if (status !== 0) return { service: "snmp", detail: `${label}, error-status ${status}` };
  const first = readTlv(varbinds.value, 0);
  const oid = first && first.tag === 0x30 ? readTlv(first.value, 0) : undefined;
  const value = oid && oid.tag === 0x06 ? readTlv(first!.value, oid.next) : undefined;
  if (value !== undefined && value.tag === 0x04) {
    return { service: "snmp", detail: printable(value.value) };
  }
  return { service: "snmp", detail: label };
}

/**
 * An SNMPv3 engine discovery request (RFC 3414 §4): noAuthNoPriv with the reportable flag
 * (RFC 3412 §6.4), a zero-length msgAuthoritativeEngineID and msgUserName, and a GetRequest with
 * an empty variable-binding list. An SNMPv3 agent answers it with a Report that carries its own
 * snmpEngineID, snmpEngineBoots and snmpEngineTime in the USM security parameters.
 *
 * @example
 * ```ts
 * const datagram = buildSnmpV3Discovery(); // send to 161/udp; parse with parseSnmpV3Report
 * ```
 */
export function buildSnmpV3Discovery(): Uint8Array {
  const header = berTlv(
    0x30, // HeaderData (RFC 3412 §6)
    concat(
      berInteger(random32() & 0x7fffffff), // msgID
      berInteger(65507), // msgMaxSize: the largest UDP/IPv4 payload
      berTlv(0x04, [0x04]), // msgFlags: reportableFlag, no auth, no priv
      berInteger(3), // msgSecurityModel: USM (RFC 3411 §5)
    ),
  );
  const usm = berTlv(
    0x30, // UsmSecurityParameters (RFC 3414 §2.4)
    concat(
      berTlv(0x04, []), // msgAuthoritativeEngineID: unknown yet
      berInteger(0), // msgAuthoritativeEngineBoots
      berInteger(0), // msgAuthoritativeEngineTime
      berTlv(0x04, []), // msgUserName
      berTlv(0x04, []), // msgAuthenticationParameters
      berTlv(0x04, []), // msgPrivacyParameters
    ),
  );
  const pdu = berTlv(
    0xa0, // GetRequest-PDU
    concat(berInteger(random32() & 0x7fffffff), berInteger(0), berInteger(0), berTlv(0x30, [])),
  );
  const scoped = berTlv(0x30, concat(berTlv(0x04, []), berTlv(0x04, []), pdu)); // ScopedPDU
  return berTlv(0x30, concat(berInteger(3), header, berTlv(0x04, usm), scoped));
}

/** What an SNMPv3 agent's discovery Report says about its engine (RFC 3411 §5, RFC 3414 §2.2). */
export interface SnmpEngine {
  /** snmpEngineID, as sent. */
  readonly engineId: Uint8Array;
  /**
   * The IANA private enterprise number of the agent's vendor, when the engine ID follows the
   * RFC 3411 format (first bit set, then 31 bits of enterprise number): 8072 is Net-SNMP.
   */
  readonly enterprise?: number;
  /** RFC 3411 format octet (the fifth): 1 IPv4, 2 IPv6, 3 MAC, 4 text, 5 octets, 128+ vendor. */
  readonly format?: number;
  /** snmpEngineBoots: how many times the engine has (re)started. */
  readonly boots: number;
  /** snmpEngineTime: seconds since snmpEngineBoots last changed, i.e. the agent's uptime. */
  readonly time: number;
}

/**
 * Parse an SNMPv3 agent's answer to {@link buildSnmpV3Discovery}: a version-3 message whose
 * scoped PDU is a Report (or a Response) and whose USM parameters name a non-empty engine ID.
 * Anything else, including our own request echoed back, gives `undefined`.
 */
export function parseSnmpV3Report(reply: Uint8Array): SnmpEngine | undefined {
  const msg = readTlv(reply, 0);
  if (msg === undefined || msg.tag !== 0x30) return undefined;
  const version = readTlv(msg.value, 0);
  if (version?.tag !== 0x02 || version.value.length !== 1 || version.value[0] !== 3) {
    return undefined;
  }
  const header = readTlv(msg.value, version.next);
  const secParams = header?.tag === 0x30 ? readTlv(msg.value, header.next) : undefined;
  if (secParams?.tag !== 0x04) return undefined;
  const data = readTlv(msg.value, secParams.next);
  // A plaintext ScopedPDU: contextEngineID, contextName, then the PDU.
  const ctxId = data?.tag === 0x30 ? readTlv(data.value, 0) : undefined;
  const ctxName = ctxId?.tag === 0x04 ? readTlv(data!.value, ctxId.next) : undefined;
  const pdu = ctxName?.tag === 0x04 ? readTlv(data!.value, ctxName.next) : undefined;
  if (pdu === undefined || (pdu.tag !== 0xa8 && pdu.tag !== 0xa2)) return undefined;
  const usm = readTlv(secParams.value, 0);
  if (usm?.tag !== 0x30) return undefined;
  const id = readTlv(usm.value, 0);
  const boots = id?.tag === 0x04 ? readTlv(usm.value, id.next) : undefined;
  const time = boots?.tag === 0x02 ? readTlv(usm.value, boots.next) : undefined;
  if (id === undefined || boots === undefined || time?.tag !== 0x02) return undefined;
  if (id.value.length < 5 || boots.value.length === 0 || time.value.length === 0) return undefined;
  const engineId = new Uint8Array(id.value);
  // RFC 3411 §5: the first bit set means the newer format, enterprise number then format.
  const modern = (engineId[0] & 0x80) !== 0;
  const enterprise =
    ((engineId[0] & 0x7f) << 24 | engineId[1] << 16 | engineId[2] << 8 | engineId[3]) >>> 0;
  return {
    engineId,
    enterprise: modern || engineId.length === 12 ? enterprise : undefined,
    format: modern ? engineId[4] : undefined,
    boots: berIntValue(boots.value),
    time: berIntValue(time.value),
  };
}

// ---------------------------------------------------------------------------------------------
// SSDP (UPnP Device Architecture 2.0 §1.3.2), SIP (RFC 3261): text protocols

function buildSsdp(): Uint8Array {
  return ascii(
    "M-SEARCH * HTTP/1.1\r\n" +
      "HOST: 239.255.255.250:1900\r\n" +
      'MAN: "ssdp:discover"\r\n' +
      "MX: 1\r\n" +
      "ST: ssdp:all\r\n" +
      "\r\n",
  );
}

function textLines(reply: Uint8Array): string[] {
  return decoder.decode(reply.subarray(0, 4096)).split(/\r?\n/);
}

function recognizeSsdp(reply: Uint8Array): UdpReplyInfo | undefined {
  const lines = textLines(reply);
  if (!/^HTTP\/1\.[01] \d{3}/.test(lines[0] ?? "")) return undefined;
  const found = ["st", "usn", "location"].some((h) => headerValue(lines, h) !== undefined);
  if (!found) return undefined;
  const server = headerValue(lines, "server");
  return server ? { service: "ssdp", detail: printable(ascii(server)) } : { service: "ssdp" };
}

/** A host name that can never resolve (RFC 2606), so the request names no real machine. */
const SIP_HOST = "portolan.invalid";

function buildSipOptions(): Uint8Array {
  const branch = `z9hG4bK${hex(randomBytes(8))}`; // RFC 3261 §8.1.1.7 magic cookie
  const tag = hex(randomBytes(4));
  const callId = `${hex(randomBytes(8))}@${SIP_HOST}`;
  // rport (RFC 3581) makes the server answer to the datagram's source port, not to 5060 at the
  // unresolvable sent-by host.
  return ascii(
    `OPTIONS sip:${SIP_HOST} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP ${SIP_HOST}:5060;branch=${branch};rport\r\n` +
      "Max-Forwards: 70\r\n" +
      `To: <sip:${SIP_HOST}>\r\n` +
      `From: <sip:portolan@${SIP_HOST}>;tag=${tag}\r\n` +
      `Call-ID: ${callId}\r\n` +
      "CSeq: 1 OPTIONS\r\n" +
      `Contact: <sip:portolan@${SIP_HOST}>\r\n` +
      "Accept: application/sdp\r\n" +
      "Content-Length: 0\r\n" +
      "\r\n",
  );
}

function recognizeSip(reply: Uint8Array): UdpReplyInfo | undefined {
  const lines = textLines(reply);
  const status = /^SIP\/2\.0 (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (status === null) return undefined;
  const agent = headerValue(lines, "server") ?? headerValue(lines, "user-agent");
  const head = `${status[1]}${status[2] ? ` ${status[2]}` : ""}`;
  return { service: "sip", detail: printable(ascii(agent ? `${head}, ${agent}` : head)) };
}

// ---------------------------------------------------------------------------------------------
// memcached (protocol.txt, "UDP protocol")

function buildMemcachedStats(): Uint8Array {
  return concat(
    u16(random16()), // request ID
    u16(0), // sequence number
    u16(1), // total datagrams in this message
    u16(0), // reserved
    ascii("stats\r\n"),
  );
}

function recognizeMemcached(reply: Uint8Array): UdpReplyInfo | undefined {
  if (reply.length <= 8) return undefined;
  const seq = read16(reply, 2);
  const total = read16(reply, 4);
  if (total === 0 || seq >= total || read16(reply, 6) !== 0) return undefined;
  const body = decoder.decode(reply.subarray(8));
  if (seq === 0 && !/^(STAT |END\r\n|ERROR|CLIENT_ERROR |SERVER_ERROR )/.test(body)) {
    return undefined;
  }
  const version = /STAT version (\S+)/.exec(body);
  return version
    ? { service: "memcache", detail: `version ${version[1]}` }
    : { service: "memcache" };
}

// ---------------------------------------------------------------------------------------------
// DHCP (RFC 2131, options RFC 2132)

const DHCP_MAGIC_COOKIE = [99, 130, 83, 99];
const DHCP_MESSAGE_TYPES: Record<number, string> = {
  2: "DHCPOFFER",
  5: "DHCPACK",
  6: "DHCPNAK",
};

function buildDhcpDiscover(): Uint8Array {
  const mac = randomBytes(6);
  mac[0] = (mac[0] | 0x02) & 0xfe; // locally administered, unicast: no real NIC's address
  const out = new Uint8Array(300); // RFC 1542 §2.1: BOOTP messages are at least 300 octets
  out.set([1, 1, 6, 0], 0); // BOOTREQUEST, Ethernet, hlen 6, hops 0
  out.set(u32(random32()), 4); // xid
  // secs, flags (broadcast bit clear), ciaddr, yiaddr, siaddr, giaddr stay zero.
  out.set(mac, 28);
  out.set(DHCP_MAGIC_COOKIE, 236);
  out.set(
    [
      53,
      1,
      1, // DHCP Message Type: DHCPDISCOVER
      55,
      4,
      1,
      3,
      6,
      15, // Parameter Request List: mask, router, DNS, domain name
      255, // End
    ],
    240,
  );
  return out;
}

function recognizeDhcp(reply: Uint8Array): UdpReplyInfo | undefined {
  if (reply.length < 244 || reply[0] !== 2) return undefined; // BOOTREPLY
  if (!DHCP_MAGIC_COOKIE.every((b, i) => reply[236 + i] === b)) return undefined;
  let at = 240;
  while (at < reply.length && reply[at] !== 255) {
    const code = reply[at];
    if (code === 0) {
      at++;
      continue;
    }
    if (at + 1 >= reply.length) return undefined;
    const len = reply[at + 1];
    if (code === 53 && len === 1 && at + 2 < reply.length) {
      const type = DHCP_MESSAGE_TYPES[reply[at + 2]];
      return type === undefined ? undefined : { service: "bootps", detail: type };
    }
    at += 2 + len;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// TFTP (RFC 1350)

/** The file a TFTP probe asks for; it need not exist, an ERROR packet is an answer too. */
export const TFTP_PROBE_FILE = "portolan-probe.txt";

function buildTftpRrq(): Uint8Array {
  return concat(u16(1), ascii(TFTP_PROBE_FILE), [0], ascii("octet"), [0]);
}

/**
 * TFTP answers from a fresh port of the server's choosing (its TID, RFC 1350 §4), not from 69:
 * a receiver must match replies on the source address, not the source port.
 */
function recognizeTftp(reply: Uint8Array): UdpReplyInfo | undefined {
  if (reply.length < 4) return undefined;
  const opcode = read16(reply, 0);
  if (opcode === 3) return { service: "tftp", detail: `DATA block ${read16(reply, 2)}` };
  if (opcode === 5) {
    const code = read16(reply, 2);
    const end = reply.indexOf(0, 4);
    if (code > 8 || end < 0) return undefined;
    const message = printable(reply.subarray(4, end));
    return { service: "tftp", detail: `ERROR ${code}${message ? ` ${message}` : ""}` };
  }
  if (opcode === 6 && reply[reply.length - 1] === 0) return { service: "tftp", detail: "OACK" };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// ONC RPC (RFC 5531), used by portmapper (RFC 1833) and NFS (RFC 1813)

function buildRpcNull(program: number, version: number): Uint8Array {
  return concat(
    u32(random32()), // xid
    u32(0), // CALL
    u32(2), // RPC version 2
    u32(program),
    u32(version),
    u32(0), // procedure 0: NULL
    u32(0), // credential AUTH_NONE
    u32(0),
    u32(0), // verifier AUTH_NONE
    u32(0),
  );
}

const RPC_ACCEPT_STATS = [
  "success",
  "program unavailable",
  "program version mismatch",
  "procedure unavailable",
  "garbage arguments",
  "system error",
];

function recognizeRpc(service: string) {
  return (reply: Uint8Array): UdpReplyInfo | undefined => {
    if (reply.length < 24 || read32(reply, 4) !== 1) return undefined; // REPLY
    const replyStat = read32(reply, 8);
    if (replyStat === 1) {
      const rejectStat = read32(reply, 12);
      if (rejectStat > 1) return undefined;
      return { service, detail: rejectStat === 0 ? "RPC version mismatch" : "auth error" };
    }
    if (replyStat !== 0) return undefined;
    const verfLength = read32(reply, 16);
    if (verfLength > 400 || 20 + verfLength + 4 > reply.length) return undefined;
    const acceptStat = read32(reply, 20 + verfLength);
    const text = RPC_ACCEPT_STATS[acceptStat];
    if (text === undefined) return undefined;
    if (acceptStat === 2 && reply.length >= 32 + verfLength) {
      const low = read32(reply, 24 + verfLength);
      const high = read32(reply, 28 + verfLength);
      return { service, detail: `${text}, versions ${low}-${high}` };
    }
    return { service, detail: text };
  };
}

// ---------------------------------------------------------------------------------------------
// RADIUS (RFC 2865, accounting RFC 2866)

function radiusAttribute(type: number, value: Uint8Array): Uint8Array {
  return concat([type, value.length + 2], value);
}

function buildRadiusAccessRequest(): Uint8Array {
  const attributes = concat(
    radiusAttribute(1, ascii("portolan")), // User-Name
    // User-Password is hidden with the shared secret (§5.2), which we do not have; sixteen
    // random octets are what any hidden password looks like, and make the request well-formed.
    radiusAttribute(2, randomBytes(16)),
    radiusAttribute(32, ascii("portolan")), // NAS-Identifier (§4.1: NAS-IP or NAS-Identifier)
  );
  const length = 20 + attributes.length;
  return concat([1, random16() & 0xff], u16(length), randomBytes(16), attributes);
}

const RADIUS_REPLIES: Record<number, string> = {
  2: "Access-Accept",
  3: "Access-Reject",
  5: "Accounting-Response",
  11: "Access-Challenge",
};

function recognizeRadius(reply: Uint8Array, port: number): UdpReplyInfo | undefined {
  if (reply.length < 20) return undefined;
  const name = RADIUS_REPLIES[reply[0]];
  const length = read16(reply, 2);
  if (name === undefined || length < 20 || length > 4096 || length > reply.length) {
    return undefined;
  }
  // The attributes must tile the rest of the packet exactly.
  let at = 20;
  while (at < length) {
    if (at + 2 > length || reply[at + 1] < 2) return undefined;
    at += reply[at + 1];
  }
  if (at !== length) return undefined;
  return { service: port === 1813 || port === 1646 ? "radius-acct" : "radius", detail: name };
}

// ---------------------------------------------------------------------------------------------
// MS SQL Server Resolution Protocol ([MC-SQLR])

function recognizeMssqlBrowser(reply: Uint8Array): UdpReplyInfo | undefined {
  if (reply.length < 3 || reply[0] !== 0x05) return undefined; // SVR_RESP
  const size = reply[1] | (reply[2] << 8); // little-endian, unlike the rest of this file
  if (size === 0 || 3 + size > reply.length) return undefined;
  const text = decoder.decode(reply.subarray(3, 3 + size));
  if (!text.startsWith("ServerName;")) return undefined;
  const fields = text.split(";");
  const pick = (key: string) => {
    const i = fields.indexOf(key);
    return i >= 0 ? fields[i + 1] : undefined;
  };
  const parts = [pick("ServerName"), pick("InstanceName"), pick("Version")].filter(Boolean);
  return { service: "ms-sql-m", detail: printable(ascii(parts.join(" "))) };
}

// ---------------------------------------------------------------------------------------------
// IKEv2 (RFC 7296), NAT traversal on 4500 (RFC 3948)

const IKE_PAYLOAD_SA = 33;
const IKE_PAYLOAD_KE = 34;
const IKE_PAYLOAD_NONCE = 40;
const IKE_PAYLOAD_NOTIFY = 41;
const IKE_SA_INIT = 34;
/** Diffie-Hellman group 14: the 2048-bit MODP group of RFC 3526, which every IKEv2 peer has. */
const IKE_DH_GROUP = 14;

function ikeTransform(last: boolean, type: number, id: number, attrs: readonly number[] = []) {
  return concat([last ? 0 : 3, 0], u16(8 + attrs.length), [type, 0], u16(id), attrs);
}

function buildIkeSaInit(): Uint8Array {
  const transforms = concat(
    ikeTransform(false, 1, 12, [0x80, 14, ...u16(256)]), // ENCR_AES_CBC, Key Length 256 (TV)
    ikeTransform(false, 2, 5), // PRF_HMAC_SHA2_256
    ikeTransform(false, 3, 12), // AUTH_HMAC_SHA2_256_128
    ikeTransform(true, 4, IKE_DH_GROUP), // D-H group 14
  );
  // Proposal 1, protocol IKE, no SPI, four transforms.
  const proposal = concat([0, 0], u16(8 + transforms.length), [1, 1, 0, 4], transforms);
  const sa = concat([IKE_PAYLOAD_KE, 0], u16(4 + proposal.length), proposal);
  const publicValue = randomBytes(256);
  // Keep the value below the group's prime (whose top octet is 0xff) and away from 0 and 1.
  publicValue[0] = (publicValue[0] & 0x7f) | 0x40;
  const ke = concat(
    [IKE_PAYLOAD_NONCE, 0],
    u16(8 + publicValue.length),
    u16(IKE_DH_GROUP),
    u16(0),
    publicValue,
  );
  const nonce = concat([0, 0], u16(4 + 32), randomBytes(32));
  const body = concat(sa, ke, nonce);
  const spi = randomBytes(8);
  spi[0] |= 0x01; // the initiator's SPI must not be zero
  const header = concat(
    spi,
    new Uint8Array(8), // responder's SPI: zero in the first message
    [IKE_PAYLOAD_SA, 0x20, IKE_SA_INIT, 0x08], // next payload, version 2.0, exchange, Initiator
    u32(0), // message ID
    u32(28 + body.length),
  );
  return concat(header, body);
}

function buildIkeNatT(): Uint8Array {
  // On 4500, IKE messages follow a four-octet zero "non-ESP marker" (RFC 3948 §2.2).
  return concat(new Uint8Array(4), buildIkeSaInit());
}

const IKE_NOTIFY_ERRORS: Record<number, string> = {
  7: "INVALID_SYNTAX",
  14: "NO_PROPOSAL_CHOSEN",
  17: "INVALID_KE_PAYLOAD",
};

function recognizeIke(reply: Uint8Array, port: number): UdpReplyInfo | undefined {
  const service = port === 4500 ? "ipsec-nat-t" : "isakmp";
  let msg = reply;
  if (port === 4500) {
    if (reply.length < 4 || read32(reply, 0) !== 0) return undefined;
    msg = reply.subarray(4);
  }
  if (msg.length < 28) return undefined;
  const length = read32(msg, 24);
  if (length < 28 || length > msg.length) return undefined;
  const major = msg[17] >> 4;
  if (major === 1) return { service, detail: "IKEv1" };
  if (major !== 2 || (msg[19] & 0x20) === 0) return undefined; // must carry the Response flag
  if (msg[16] === IKE_PAYLOAD_NOTIFY && length >= 36) {
    const type = read16(msg, 34);
    return { service, detail: `IKEv2, ${IKE_NOTIFY_ERRORS[type] ?? `notify ${type}`}` };
  }
  return { service, detail: "IKEv2" };
}

// ---------------------------------------------------------------------------------------------
// CoAP (RFC 7252, resource discovery RFC 6690)

function buildCoapDiscovery(): Uint8Array {
  return concat(
    [0x40, 0x01], // Ver 1, Confirmable, no token; code 0.01 GET
    u16(random16()), // Message ID
    [0xbb], // Uri-Path (11), delta 11, length 11
    ascii(".well-known"),
    [0x04], // Uri-Path again, delta 0, length 4
    ascii("core"),
  );
}

function recognizeCoap(reply: Uint8Array): UdpReplyInfo | undefined {
  if (reply.length < 4 || reply[0] >> 6 !== 1) return undefined;
  const type = (reply[0] >> 4) & 0x3;
  const tokenLength = reply[0] & 0x0f;
  const code = reply[1];
  if (tokenLength > 8 || 4 + tokenLength > reply.length) return undefined;
  if (code === 0) {
    // An empty message is only an answer when it is a Reset (§4.2) or a bare ACK.
    return type === 3 || type === 2 ? { service: "coap", detail: "empty reply" } : undefined;
  }
  const cls = code >> 5;
  if (cls !== 2 && cls !== 4 && cls !== 5) return undefined; // requests are class 0
  const codeText = `${cls}.${String(code & 0x1f).padStart(2, "0")}`;
  const marker = reply.indexOf(0xff, 4 + tokenLength);
  if (cls === 2 && marker >= 0) {
    return { service: "coap", detail: `${codeText} ${printable(reply.subarray(marker + 1), 120)}` };
  }
  return { service: "coap", detail: codeText };
}

// ---------------------------------------------------------------------------------------------
// RakNet unconnected ping (Minecraft Bedrock Edition)

/** RakNet's "offline message" magic, present in every unconnected packet. */
const RAKNET_MAGIC = [
  0x00,
  0xff,
  0xff,
  0x00,
  0xfe,
  0xfe,
  0xfe,
  0xfe,
  0xfd,
  0xfd,
  0xfd,
  0xfd,
  0x12,
  0x34,
  0x56,
  0x78,
];

function buildRaknetPing(): Uint8Array {
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigUint64(0, BigInt(Date.now()));
  return concat([0x01], time, RAKNET_MAGIC, randomBytes(8)); // ID, time, magic, client GUID
}

function recognizeRaknet(reply: Uint8Array): UdpReplyInfo | undefined {
  // Unconnected Pong: ID 0x1c, time (8), server GUID (8), magic (16), string length (2), string.
  if (reply.length < 35 || reply[0] !== 0x1c) return undefined;
  if (!RAKNET_MAGIC.every((b, i) => reply[17 + i] === b)) return undefined;
  const length = read16(reply, 33);
  if (35 + length > reply.length) return undefined;
  const fields = decoder.decode(reply.subarray(35, 35 + length)).split(";");
  if (fields[0] === "MCPE" || fields[0] === "MCEE") {
    const detail = [fields[1], fields[3] && `version ${fields[3]}`].filter(Boolean).join(", ");
    return { service: "minecraft-be", detail: printable(ascii(detail)) };
  }
  return { service: "raknet" };
}

// ---------------------------------------------------------------------------------------------
// STUN (RFC 8489) and NAT-PMP (RFC 6886)

const STUN_MAGIC_COOKIE = 0x2112a442;

function buildStunBinding(): Uint8Array {
  return concat(u16(0x0001), u16(0), u32(STUN_MAGIC_COOKIE), randomBytes(12));
}

function recognizeStun(reply: Uint8Array): UdpReplyInfo | undefined {
  if (reply.length < 20 || read32(reply, 4) !== STUN_MAGIC_COOKIE) return undefined;
  const type = read16(reply, 0);
  const length = read16(reply, 2);
  if (type !== 0x0101 && type !== 0x0111) return undefined; // Binding success / error response
  if (length % 4 !== 0 || 20 + length > reply.length) return undefined;
  let at = 20;
  while (at + 4 <= 20 + length) {
    const attr = read16(reply, at);
    const attrLength = read16(reply, at + 2);
    if (attr === 0x8022 && at + 4 + attrLength <= reply.length) {
      return { service: "stun", detail: printable(reply.subarray(at + 4, at + 4 + attrLength)) };
    }
    at += 4 + Math.ceil(attrLength / 4) * 4;
  }
  return { service: "stun", detail: type === 0x0101 ? "binding success" : "binding error" };
}

function recognizeNatPmp(reply: Uint8Array): UdpReplyInfo | undefined {
  // NAT-PMP answers carry opcode 128 + request opcode; a PCP-only server answers with version 2
  // and the R bit set (RFC 6887 §9).
  if (reply.length >= 12 && reply[0] === 0 && reply[1] === 128) {
    const result = read16(reply, 2);
    if (result > 5) return undefined;
    return {
      service: "nat-pmp",
      detail: result === 0 ? "external address given" : `result ${result}`,
    };
  }
  if (reply.length >= 24 && reply[0] === 2 && (reply[1] & 0x80) !== 0) {
    return { service: "pcp", detail: `result ${reply[3]}` };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The table

/** Every UDP probe payload, with its ports, specification, builder and reply recogniser. */
export const UDP_PAYLOADS: readonly UdpPayloadSpec[] = [
  {
    ports: [53],
    name: 'DNS "version.bind" CH TXT query',
    spec: "RFC 1035 §4.1 (message format); CHAOS class §3.2.4",
    build: () =>
      dnsQuery("version.bind", {
        id: random16(),
        type: DNS_TYPE_TXT,
        qclass: DNS_CLASS_CH,
        recursion: false,
      }),
    recognize: recognizeDns,
  },
  {
    ports: [5353],
    name: "mDNS PTR query for _services._dns-sd._udp.local",
    spec: "RFC 6762 §6.7 (legacy unicast), RFC 6763 §9 (service type enumeration)",
    // ID 0 as RFC 6762 §18.1 asks of multicast queries; a responder copies it in a unicast reply.
    build: () =>
      dnsQuery("_services._dns-sd._udp.local", {
        id: 0,
        type: DNS_TYPE_PTR,
        qclass: DNS_CLASS_IN,
        recursion: false,
      }),
    recognize: recognizeMdns,
  },
  {
    ports: [123],
    name: "NTPv4 client request",
    spec: "RFC 5905 §7.3 (packet header), mode 3",
    build: buildNtp,
    recognize: recognizeNtp,
  },
  {
    ports: [137],
    name: "NetBIOS NBSTAT query for *",
    spec: "RFC 1002 §4.2.17-4.2.18 (node status request), RFC 1001 §14.1 (name encoding)",
    build: buildNbstat,
    recognize: recognizeNbstat,
  },
  {
    ports: [161],
    name: "SNMPv2c GetRequest sysDescr.0, community public",
    spec: "RFC 1901 (community message), RFC 3416 §3 (PDUs), RFC 3418 (sysDescr), X.690 BER",
    build: buildSnmpGet,
    recognize: recognizeSnmp,
  },
  {
    ports: [1900],
    name: "SSDP M-SEARCH ssdp:all",
    spec: "UPnP Device Architecture 2.0 §1.3.2 (search request with M-SEARCH)",
    build: buildSsdp,
    recognize: recognizeSsdp,
  },
  {
    ports: [11211],
    name: "memcached UDP stats",
    spec: "memcached protocol.txt, sections UDP protocol and Statistics",
    build: buildMemcachedStats,
    recognize: recognizeMemcached,
  },
  {
    ports: [67],
    name: "DHCPDISCOVER (unicast)",
    spec: "RFC 2131 §2 and §4.4.1, RFC 2132 §9.6 and §9.8, RFC 1542 §2.1 (300-octet minimum)",
    build: buildDhcpDiscover,
    recognize: recognizeDhcp,
  },
  {
    ports: [69],
    name: "TFTP read request (octet)",
    spec: "RFC 1350 §5 (RRQ)",
    build: buildTftpRrq,
    recognize: recognizeTftp,
  },
  {
    ports: [111],
    name: "ONC RPC NULL call to portmapper (100000 v2)",
    spec: "RFC 5531 §9 (call message), RFC 1833 §3 (portmapper program)",
    build: () => buildRpcNull(100000, 2),
    recognize: recognizeRpc("sunrpc"),
  },
  {
    ports: [2049],
    name: "ONC RPC NULL call to NFS (100003 v3)",
    spec: "RFC 5531 §9 (call message), RFC 1813 §3.3.0 (NFSv3 NULL procedure)",
    build: () => buildRpcNull(100003, 3),
    recognize: recognizeRpc("nfs"),
  },
  {
    ports: [1812, 1813, 1645, 1646],
    name: "RADIUS Access-Request with User-Name",
    spec: "RFC 2865 §3-§5 (packet format, Access-Request, attributes)",
    build: buildRadiusAccessRequest,
    recognize: recognizeRadius,
  },
  {
    ports: [5060],
    name: "SIP OPTIONS",
    spec: "RFC 3261 §11 and §8.1.1 (OPTIONS, required headers), RFC 3581 (rport)",
    build: buildSipOptions,
    recognize: recognizeSip,
  },
  {
    ports: [1434],
    name: "SQL Server Browser CLNT_UCAST_EX",
    spec: "[MC-SQLR] §2.2.2 (CLNT_UCAST_EX, 0x03), §2.2.5 (SVR_RESP)",
    build: () => new Uint8Array([0x03]),
    recognize: recognizeMssqlBrowser,
  },
  {
    ports: [500],
    name: "IKEv2 IKE_SA_INIT request",
    spec: "RFC 7296 §3.1-§3.4, §3.9 (header, SA, KE, Nonce), RFC 3526 (group 14)",
    build: buildIkeSaInit,
    recognize: recognizeIke,
  },
  {
    ports: [4500],
    name: "IKEv2 IKE_SA_INIT request behind a non-ESP marker",
    spec: "RFC 7296 §2.23, RFC 3948 §2.2 (non-ESP marker)",
    build: buildIkeNatT,
    recognize: recognizeIke,
  },
  {
    ports: [5683],
    name: "CoAP GET /.well-known/core",
    spec: "RFC 7252 §3 (message format), §5.10.1 (Uri-Path); RFC 6690 §4 (/.well-known/core)",
    build: buildCoapDiscovery,
    recognize: recognizeCoap,
  },
  {
    ports: [19132],
    name: "RakNet unconnected ping (Minecraft Bedrock)",
    spec: "RakNet ID_UNCONNECTED_PING (0x01) / ID_UNCONNECTED_PONG (0x1c) packet layout",
    build: buildRaknetPing,
    recognize: recognizeRaknet,
  },
  {
    ports: [3478],
    name: "STUN Binding request",
    spec: "RFC 8489 §5-§6 (message structure, magic cookie 0x2112A442)",
    build: buildStunBinding,
    recognize: recognizeStun,
  },
  {
    ports: [5351],
    name: "NAT-PMP external address request",
    spec: "RFC 6886 §3.2 (version 0, opcode 0)",
    build: () => new Uint8Array([0, 0]),
    recognize: recognizeNatPmp,
  },
];

const BY_PORT: ReadonlyMap<number, UdpPayloadSpec> = new Map(
  UDP_PAYLOADS.flatMap((p) => p.ports.map((port) => [port, p] as const)),
);

/**
 * The datagram a UDP scan sends to `port`, freshly built; `undefined` means send an empty one.
 *
 * @example
 * ```ts
 * const ntp = udpPayload(123); // 48-byte NTPv4 client request
 * const none = udpPayload(162); // undefined: SNMP traps are one-way, nothing to ask
 * ```
 */
export function udpPayload(port: number): Uint8Array | undefined {
  return BY_PORT.get(port)?.build();
}

/**
 * Whether `reply`, received from `port`, is a plausible answer of the protocol probed there.
 * Returns the service name (and what the reply told, if anything), or `undefined` when the
 * port has no payload or the bytes do not parse as that protocol's response. An echo of our
 * own request is never accepted.
 */
export function recognizeUdpReply(port: number, reply: Uint8Array): UdpReplyInfo | undefined {
  return BY_PORT.get(port)?.recognize(reply, port);
}
