import { deepStrictEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { createSocket } from "node:dgram";
import {
  buildSnmpV3Discovery,
  parseSnmpV3Report,
  recognizeUdpReply,
  SYS_DESCR_OID,
  TFTP_PROBE_FILE,
  UDP_PAYLOADS,
  udpPayload,
} from "./udp_payloads.ts";

// ---------------------------------------------------------------------------------------------
// Helpers: the tests decode by offset on their own rather than through the module's parsers.

function bytesOf(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, "");
  return new Uint8Array(clean.match(/../g)!.map((h) => parseInt(h, 16)));
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function be16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function be32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function text(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function payload(port: number): Uint8Array {
  const p = udpPayload(port);
  ok(p !== undefined, `no payload for port ${port}`);
  return p;
}

/** Reads uncompressed DNS labels from `at`; returns the dotted name and the offset after it. */
function labels(b: Uint8Array, at: number): [string, number] {
  const parts: string[] = [];
  while (b[at] !== 0) {
    parts.push(text(b.subarray(at + 1, at + 1 + b[at])));
    at += 1 + b[at];
  }
  return [parts.join("."), at + 1];
}

/** One BER TLV with a short or long definite length. */
function tlv(b: Uint8Array, at: number): { tag: number; body: Uint8Array; next: number } {
  let len = b[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i];
    start += n;
  }
  return { tag: b[at], body: b.subarray(start, start + len), next: start + len };
}

// ---------------------------------------------------------------------------------------------
// The table

Deno.test("every payload names a spec, has ports, and each port appears once", () => {
  const seen = new Set<number>();
  for (const p of UDP_PAYLOADS) {
    ok(p.ports.length > 0, p.name);
    ok(/RFC|protocol|MC-SQLR|UPnP|RakNet|memcached/.test(p.spec), `${p.name}: ${p.spec}`);
    for (const port of p.ports) {
      ok(!seen.has(port), `port ${port} listed twice`);
      seen.add(port);
    }
  }
  for (const port of [53, 5353, 123, 161, 137, 1900, 11211, 67, 69, 111, 2049, 1812, 1813]) {
    ok(seen.has(port), `port ${port} lacks a payload`);
  }
  for (const port of [5060, 1434, 500, 4500, 5683, 19132]) ok(seen.has(port), `${port}`);
});

Deno.test("ports without a payload get an empty datagram, including the SNMP trap port", () => {
  equal(udpPayload(162), undefined);
  equal(udpPayload(514), undefined);
  equal(udpPayload(40000), undefined);
  equal(recognizeUdpReply(162, new Uint8Array(48)), undefined);
});

Deno.test("no recogniser accepts the request it was sent, nor a datagram of zeros", () => {
  for (const p of UDP_PAYLOADS) {
    for (const port of p.ports) {
      equal(recognizeUdpReply(port, p.build()), undefined, `${port} accepted its own request`);
      equal(recognizeUdpReply(port, new Uint8Array(400)), undefined, `${port} accepted zeros`);
      equal(recognizeUdpReply(port, new Uint8Array(0)), undefined, `${port} accepted nothing`);
    }
  }
});

Deno.test("identifiers are redrawn on every build", () => {
  const dnsIds = new Set(Array.from({ length: 8 }, () => hexOf(payload(53).subarray(0, 2))));
  ok(dnsIds.size > 1, "DNS ID never changes");
  const ids = new Set(Array.from({ length: 8 }, () => hexOf(payload(111).subarray(0, 4))));
  ok(ids.size > 1, "RPC xid never changes");
  const auths = new Set(Array.from({ length: 4 }, () => hexOf(payload(1812).subarray(4, 20))));
  equal(auths.size, 4, "RADIUS authenticator repeats");
});

// ---------------------------------------------------------------------------------------------
// Requests, field by field

Deno.test("DNS 53: version.bind CH TXT query", () => {
  const q = payload(53);
  equal(be16(q, 2), 0x0000, "standard query, no RD");
  deepStrictEqual([be16(q, 4), be16(q, 6), be16(q, 8), be16(q, 10)], [1, 0, 0, 0]);
  const [name, after] = labels(q, 12);
  equal(name, "version.bind");
  equal(be16(q, after), 16, "TXT");
  equal(be16(q, after + 2), 3, "CH");
  equal(q.length, after + 4);
  equal(q.length, 30);
});

Deno.test("mDNS 5353: PTR query for the DNS-SD service enumeration name", () => {
  const q = payload(5353);
  equal(be16(q, 0), 0, "RFC 6762 query ID zero");
  equal(be16(q, 4), 1);
  const [name, after] = labels(q, 12);
  equal(name, "_services._dns-sd._udp.local");
  equal(be16(q, after), 12, "PTR");
  equal(be16(q, after + 2), 1, "IN");
  equal(q.length, after + 4);
});

Deno.test("NTP 123: 48-byte v4 client request carrying the current time", () => {
  const q = payload(123);
  equal(q.length, 48);
  equal(q[0] >> 6, 0, "LI");
  equal((q[0] >> 3) & 7, 4, "version");
  equal(q[0] & 7, 3, "client mode");
  ok(q.subarray(1, 40).every((b) => b === 0), "all but the transmit timestamp is zero");
  const unix = be32(q, 40) - 2_208_988_800;
  ok(Math.abs(unix - Date.now() / 1000) < 5, `transmit time ${unix} is not now`);
});

Deno.test("NetBIOS 137: NBSTAT query for the wildcard name", () => {
  const q = payload(137);
  equal(q.length, 50);
  equal(be16(q, 2), 0, "query, no flags");
  equal(be16(q, 4), 1);
  equal(q[12], 32, "encoded name length");
  equal(text(q.subarray(13, 45)), "CK" + "A".repeat(30), "'*' + 15 NULs, first-level encoded");
  equal(q[45], 0);
  equal(be16(q, 46), 0x21, "NBSTAT");
  equal(be16(q, 48), 1, "IN");
});

Deno.test("SNMP 161: v2c GetRequest for sysDescr.0 with community public", () => {
  const q = payload(161);
  const msg = tlv(q, 0);
  equal(msg.tag, 0x30);
  equal(msg.next, q.length, "outer length covers the datagram");
  const version = tlv(msg.body, 0);
  deepStrictEqual([version.tag, [...version.body]], [0x02, [1]], "version 1 = v2c");
  const community = tlv(msg.body, version.next);
  equal(community.tag, 0x04);
  equal(text(community.body), "public");
  const pdu = tlv(msg.body, community.next);
  equal(pdu.tag, 0xa0, "GetRequest-PDU");
  equal(pdu.next, msg.body.length);
  const reqId = tlv(pdu.body, 0);
  equal(reqId.tag, 0x02);
  ok(reqId.body.length >= 1 && reqId.body.length <= 4 && (reqId.body[0] & 0x80) === 0);
  const errStatus = tlv(pdu.body, reqId.next);
  const errIndex = tlv(pdu.body, errStatus.next);
  deepStrictEqual([...errStatus.body, ...errIndex.body], [0, 0]);
  const list = tlv(pdu.body, errIndex.next);
  equal(list.tag, 0x30);
  const vb = tlv(list.body, 0);
  equal(vb.next, list.body.length, "exactly one varbind");
  const oid = tlv(vb.body, 0);
  equal(oid.tag, 0x06);
  // 1.3 -> 40*1+3 = 0x2b, then 6.1.2.1.1.1.0 one octet each (X.690 §8.19).
  equal(hexOf(oid.body), "2b 06 01 02 01 01 01 00");
  equal(SYS_DESCR_OID, "1.3.6.1.2.1.1.1.0");
  equal(hexOf(vb.body.subarray(oid.next)), "05 00", "value NULL");
});

Deno.test("SSDP 1900: M-SEARCH with the required headers", () => {
  const lines = text(payload(1900)).split("\r\n");
  equal(lines[0], "M-SEARCH * HTTP/1.1");
  ok(lines.includes("HOST: 239.255.255.250:1900"));
  ok(lines.includes('MAN: "ssdp:discover"'));
  ok(lines.includes("ST: ssdp:all"));
  ok(lines.some((l) => /^MX: [1-5]$/.test(l)));
  deepStrictEqual(lines.slice(-2), ["", ""], "ends with an empty line");
});

Deno.test("memcached 11211: UDP frame header then stats", () => {
  const q = payload(11211);
  equal(be16(q, 2), 0, "sequence");
  equal(be16(q, 4), 1, "datagrams");
  equal(be16(q, 6), 0, "reserved");
  equal(text(q.subarray(8)), "stats\r\n");
});

Deno.test("DHCP 67: DISCOVER with cookie, message type and a local MAC", () => {
  const q = payload(67);
  equal(q.length, 300);
  deepStrictEqual([...q.subarray(0, 4)], [1, 1, 6, 0]);
  equal(be16(q, 10), 0, "broadcast flag clear");
  ok(q.subarray(12, 28).every((b) => b === 0), "ciaddr..giaddr zero");
  equal(q[28] & 0x03, 0x02, "locally administered unicast MAC");
  ok(q.subarray(34, 236).every((b) => b === 0), "chaddr padding, sname, file zero");
  equal(hexOf(q.subarray(236, 240)), "63 82 53 63");
  deepStrictEqual([...q.subarray(240, 243)], [53, 1, 1], "DHCPDISCOVER");
  equal(q[243], 55, "parameter request list");
  equal(q[245 + q[244]], 255, "end option");
});

Deno.test("TFTP 69: RRQ filename NUL mode NUL", () => {
  const q = payload(69);
  equal(be16(q, 0), 1);
  const parts = text(q.subarray(2)).split("\0");
  deepStrictEqual(parts, [TFTP_PROBE_FILE, "octet", ""]);
});

Deno.test("RPC 111 and 2049: NULL calls to portmapper v2 and NFS v3", () => {
  for (const [port, prog, vers] of [[111, 100000, 2], [2049, 100003, 3]]) {
    const q = payload(port);
    equal(q.length, 40);
    deepStrictEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => be32(q, i * 4)),
      [0, 2, prog, vers, 0, 0, 0, 0, 0],
      "CALL, rpcvers 2, program, version, NULL, AUTH_NONE cred and verf",
    );
  }
});

Deno.test("RADIUS 1812/1813: Access-Request with User-Name and a well-formed attribute list", () => {
  for (const port of [1812, 1813]) {
    const q = payload(port);
    equal(q[0], 1, "Access-Request");
    equal(be16(q, 2), q.length);
    ok(q.subarray(4, 20).some((b) => b !== 0), "authenticator");
    const attrs = new Map<number, Uint8Array>();
    let at = 20;
    while (at < q.length) {
      attrs.set(q[at], q.subarray(at + 2, at + q[at + 1]));
      at += q[at + 1];
    }
    equal(at, q.length);
    equal(text(attrs.get(1)!), "portolan", "User-Name");
    equal(attrs.get(2)?.length, 16, "User-Password, one 16-octet block");
    ok(attrs.has(32), "NAS-Identifier");
  }
});

Deno.test("SIP 5060: OPTIONS with every header RFC 3261 requires", () => {
  const msg = text(payload(5060));
  const lines = msg.split("\r\n");
  match(lines[0], /^OPTIONS sip:\S+ SIP\/2\.0$/);
  match(msg, /\r\nVia: SIP\/2\.0\/UDP [^;\r]+;branch=z9hG4bK[0-9a-f]+;rport\r\n/);
  for (const h of ["Max-Forwards", "To", "From", "Call-ID", "CSeq", "Content-Length"]) {
    ok(lines.some((l) => l.startsWith(`${h}: `)), h);
  }
  match(msg, /\r\nFrom: [^\r]*;tag=\w+\r\n/);
  match(msg, /\r\nCSeq: 1 OPTIONS\r\n/);
  ok(msg.endsWith("Content-Length: 0\r\n\r\n"));
});

Deno.test("MS SQL 1434: one-byte CLNT_UCAST_EX", () => {
  deepStrictEqual([...payload(1434)], [0x03]);
});

Deno.test("IKE 500/4500: IKEv2 IKE_SA_INIT with SA, KE and Nonce that tile the message", () => {
  const plain = payload(500);
  const natt = payload(4500);
  deepStrictEqual([...natt.subarray(0, 4)], [0, 0, 0, 0], "non-ESP marker");
  for (const m of [plain, natt.subarray(4)]) {
    ok(m.subarray(0, 8).some((b) => b !== 0), "initiator SPI set");
    ok(m.subarray(8, 16).every((b) => b === 0), "responder SPI zero");
    deepStrictEqual([m[16], m[17], m[18], m[19]], [33, 0x20, 34, 0x08]);
    equal(be32(m, 20), 0, "message ID");
    equal(be32(m, 24), m.length);
    // Walk the payload chain.
    const chain: number[] = [];
    let next = m[16];
    let at = 28;
    while (next !== 0) {
      chain.push(next);
      next = m[at];
      at += be16(m, at + 2);
    }
    equal(at, m.length);
    deepStrictEqual(chain, [33, 34, 40]);
    // SA -> one proposal, protocol IKE, four transforms of types 1..4.
    const prop = 32;
    deepStrictEqual([m[prop], m[prop + 4], m[prop + 5], m[prop + 6], m[prop + 7]], [0, 1, 1, 0, 4]);
    const types: number[] = [];
    for (let t = prop + 8, i = 0; i < 4; i++) {
      types.push(m[t + 4]);
      t += be16(m, t + 2);
    }
    deepStrictEqual(types, [1, 2, 3, 4]);
    const ke = 28 + be16(m, 30);
    equal(be16(m, ke + 2), 8 + 256, "KE carries a 2048-bit value");
    equal(be16(m, ke + 4), 14, "group 14");
    ok(m[ke + 8] < 0xff, "public value below the prime");
  }
});

Deno.test("CoAP 5683: confirmable GET with Uri-Path .well-known/core", () => {
  const q = payload(5683);
  equal(q[0], 0x40, "version 1, CON, TKL 0");
  equal(q[1], 0x01, "GET");
  equal(q[4], (11 << 4) | 11, "option delta 11 (Uri-Path), length 11");
  equal(text(q.subarray(5, 16)), ".well-known");
  equal(q[16], 4, "same option again, length 4");
  equal(text(q.subarray(17)), "core");
});

Deno.test("RakNet 19132: unconnected ping with the offline-message magic", () => {
  const q = payload(19132);
  equal(q.length, 33);
  equal(q[0], 0x01);
  equal(hexOf(q.subarray(9, 25)), "00 ff ff 00 fe fe fe fe fd fd fd fd 12 34 56 78");
});

Deno.test("STUN 3478 and NAT-PMP 5351", () => {
  const s = payload(3478);
  equal(s.length, 20);
  deepStrictEqual([be16(s, 0), be16(s, 2), be32(s, 4)], [0x0001, 0, 0x2112a442]);
  deepStrictEqual([...payload(5351)], [0, 0]);
});

// ---------------------------------------------------------------------------------------------
// Recognising replies: responses built here from the specifications

Deno.test("recognises DNS answers and mDNS service lists", () => {
  const q = payload(53);
  const txt = cat([6], new TextEncoder().encode("9.18.1"));
  const reply = cat(
    q.subarray(0, 2),
    [0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0],
    q.subarray(12),
    [0xc0, 12, 0, 16, 0, 3, 0, 0, 0, 0, 0, txt.length],
    txt,
  );
  deepStrictEqual(recognizeUdpReply(53, reply), { service: "domain", detail: "9.18.1" });
  deepStrictEqual(recognizeUdpReply(53, reply.subarray(0, reply.length - 1)), undefined);
  const refused = cat(q.subarray(0, 2), [0x80, 0x05], q.subarray(4));
  deepStrictEqual(recognizeUdpReply(53, refused), { service: "domain", detail: "REFUSED" });

  const m = payload(5353);
  const target = cat(
    [5],
    new TextEncoder().encode("_http"),
    [4],
    new TextEncoder().encode("_tcp"),
    [
      0xc0,
      12 + 1 + 9 + 1 + 7 + 1 + 4,
    ],
  );
  const mdns = cat(
    [0, 0, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0],
    m.subarray(12),
    [0xc0, 12, 0, 12, 0, 1, 0, 0, 0x11, 0x94, 0, target.length],
    target,
  );
  deepStrictEqual(recognizeUdpReply(5353, mdns), { service: "mdns", detail: "_http._tcp.local" });
});

Deno.test("recognises an NBSTAT answer and names the machine", () => {
  const name = (s: string, suffix: number, flags: number) =>
    cat(new TextEncoder().encode(s.padEnd(15, " ")), [suffix, flags, 0x00]);
  const rdata = cat(
    [2],
    name("WORKGROUP", 0x00, 0x84),
    name("FILESRV", 0x00, 0x04),
    new Uint8Array(6),
  );
  const q = payload(137);
  const reply = cat(
    q.subarray(0, 2),
    [0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0],
    q.subarray(12, 46),
    [0, 0x21, 0, 1, 0, 0, 0, 0],
    [rdata.length >> 8, rdata.length & 0xff],
    rdata,
  );
  deepStrictEqual(recognizeUdpReply(137, reply), { service: "netbios-ns", detail: "FILESRV" });
});

Deno.test("recognises NTP server replies and kiss-o'-death", () => {
  const r = new Uint8Array(48);
  r[0] = (4 << 3) | 4;
  r[1] = 2;
  deepStrictEqual(recognizeUdpReply(123, r), { service: "ntp", detail: "v4, stratum 2" });
  r[1] = 0;
  r.set(new TextEncoder().encode("RATE"), 12);
  deepStrictEqual(recognizeUdpReply(123, r), { service: "ntp", detail: "kiss code RATE" });
  equal(recognizeUdpReply(123, r.subarray(0, 47)), undefined);
});

Deno.test("recognises an SNMP response and returns sysDescr", () => {
  const descr = new TextEncoder().encode("Linux box 6.1");
  const oid = bytesOf("06 08 2b 06 01 02 01 01 01 00");
  const vb = cat([0x30, oid.length + 2 + descr.length], oid, [0x04, descr.length], descr);
  const list = cat([0x30, vb.length], vb);
  const pduBody = cat(bytesOf("02 01 07 02 01 00 02 01 00"), list);
  const pdu = cat([0xa2, pduBody.length], pduBody);
  const body = cat(bytesOf("02 01 01 04 06"), new TextEncoder().encode("public"), pdu);
  const msg = cat([0x30, body.length], body);
  deepStrictEqual(recognizeUdpReply(161, msg), { service: "snmp", detail: "Linux box 6.1" });
  // The same bytes as a GetRequest must not pass.
  const asRequest = msg.slice();
  asRequest[msg.length - pdu.length] = 0xa0;
  equal(recognizeUdpReply(161, asRequest), undefined);
});

Deno.test("SNMPv3 discovery: reportable noAuthNoPriv, USM, empty engine ID and user, no varbinds", () => {
  const q = buildSnmpV3Discovery();
  const msg = tlv(q, 0);
  equal(msg.tag, 0x30);
  equal(msg.next, q.length);
  const version = tlv(msg.body, 0);
  deepStrictEqual([version.tag, [...version.body]], [0x02, [3]], "msgVersion 3");
  const header = tlv(msg.body, version.next);
  equal(header.tag, 0x30);
  const msgId = tlv(header.body, 0);
  const maxSize = tlv(header.body, msgId.next);
  const flags = tlv(header.body, maxSize.next);
  const model = tlv(header.body, flags.next);
  equal(msgId.tag, 0x02);
  const size = maxSize.body.reduce((n, b) => n * 256 + b, 0);
  ok(maxSize.tag === 0x02 && size >= 484 && size <= 65507, `msgMaxSize ${size}`);
  deepStrictEqual([flags.tag, [...flags.body]], [0x04, [0x04]], "reportable, no auth, no priv");
  deepStrictEqual([model.tag, [...model.body]], [0x02, [3]], "USM");
  equal(model.next, header.body.length);
  const sec = tlv(msg.body, header.next);
  equal(sec.tag, 0x04, "msgSecurityParameters is an OCTET STRING wrapping the USM SEQUENCE");
  const usm = tlv(sec.body, 0);
  equal(usm.tag, 0x30);
  // engineID "", boots 0, time 0, user "", auth "", priv "".
  equal(hexOf(usm.body), "04 00 02 01 00 02 01 00 04 00 04 00 04 00");
  const scoped = tlv(msg.body, sec.next);
  equal(scoped.next, msg.body.length);
  const ctxId = tlv(scoped.body, 0);
  const ctxName = tlv(scoped.body, ctxId.next);
  deepStrictEqual([ctxId.tag, ctxId.body.length, ctxName.tag, ctxName.body.length], [4, 0, 4, 0]);
  const pdu = tlv(scoped.body, ctxName.next);
  equal(pdu.tag, 0xa0, "GetRequest-PDU");
  const reqId = tlv(pdu.body, 0);
  const errs = tlv(pdu.body, reqId.next);
  const errIndex = tlv(pdu.body, errs.next);
  const list = tlv(pdu.body, errIndex.next);
  deepStrictEqual([list.tag, list.body.length, list.next], [0x30, 0, pdu.body.length]);
  notEqual(hexOf(buildSnmpV3Discovery()), hexOf(q), "fresh msgID / request-id");
  // Our own request, reflected back, is not an agent's report.
  equal(parseSnmpV3Report(q), undefined);
});

/** An SNMPv3 Report as an agent sends it, built here by hand from RFC 3412/3414. */
function snmpV3Report(engineId: number[], boots: number[], time: number[], pduTag = 0xa8) {
  const t = (tag: number, ...body: (number[] | Uint8Array)[]) => {
    const b = cat(...body);
    return cat([tag, b.length], b);
  };
  const usm = t(0x30, t(0x04, engineId), t(0x02, boots), t(0x02, time), t(4), t(4), t(4));
  const header = t(0x30, t(2, [0x12, 0x34]), t(2, [0x00, 0xff, 0xe3]), t(4, [0]), t(2, [3]));
  // usmStatsUnknownEngineIDs.0 = Counter32 1
  const vb = t(0x30, t(0x06, bytesOf("2b 06 01 06 03 0f 01 01 04 00")), t(0x41, [1]));
  const pdu = t(pduTag, t(2, [0x55]), t(2, [0]), t(2, [0]), t(0x30, vb));
  const scoped = t(0x30, t(0x04, engineId), t(0x04), pdu);
  return t(0x30, t(2, [3]), header, t(0x04, usm), scoped);
}

Deno.test("parseSnmpV3Report: engine ID enterprise (RFC 3411), boots and time", () => {
  // Net-SNMP: 0x80000000 | 8072, format 128 (enterprise-specific), 8 random + 4 time octets.
  const netSnmp = [0x80, 0x00, 0x1f, 0x88, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 9];
  const r = parseSnmpV3Report(snmpV3Report(netSnmp, [0x02], [0x01, 0x2c]));
  deepStrictEqual(
    [r?.enterprise, r?.format, r?.boots, r?.time, [...(r?.engineId ?? [])]],
    [8072, 128, 2, 300, netSnmp],
  );
  // Cisco with a MAC-address engine ID (format 3).
  const cisco = [0x80, 0x00, 0x00, 0x09, 0x03, 0x00, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f];
  const c = parseSnmpV3Report(snmpV3Report(cisco, [0x00, 0x80], [0x7f, 0xff, 0xff, 0xff]));
  deepStrictEqual([c?.enterprise, c?.format, c?.boots, c?.time], [9, 3, 128, 0x7fffffff]);
  // The older 12-octet form (first bit clear): enterprise number, then 8 vendor octets.
  const old = [0x00, 0x00, 0x07, 0xe5, 1, 2, 3, 4, 5, 6, 7, 8];
  const o = parseSnmpV3Report(snmpV3Report(old, [1], [1]));
  deepStrictEqual([o?.enterprise, o?.format], [2021, undefined]);
  // A first-bit-clear ID of another length says nothing about its vendor.
  equal(parseSnmpV3Report(snmpV3Report(old.slice(0, 8), [1], [1]))?.enterprise, undefined);
  // Not a report: an empty engine ID, a GetRequest, a truncated datagram, a v2c message.
  equal(parseSnmpV3Report(snmpV3Report([], [0], [0])), undefined);
  equal(parseSnmpV3Report(snmpV3Report(netSnmp, [1], [1], 0xa0)), undefined);
  const whole = snmpV3Report(netSnmp, [1], [1]);
  equal(parseSnmpV3Report(whole.subarray(0, whole.length - 3)), undefined);
  equal(parseSnmpV3Report(bytesOf("30 0b 02 01 01 04 06 70 75 62 6c 69 63")), undefined);
  // The scan's recogniser still takes it as SNMP.
  deepStrictEqual(recognizeUdpReply(161, whole), { service: "snmp", detail: "SNMPv3" });
});

Deno.test("recognises text replies: SSDP and SIP", () => {
  const ssdp = new TextEncoder().encode(
    "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nST: upnp:rootdevice\r\n" +
      "USN: uuid:1::upnp:rootdevice\r\nSERVER: Linux/5.10 UPnP/1.0 Router/2.1\r\n\r\n",
  );
  deepStrictEqual(recognizeUdpReply(1900, ssdp), {
    service: "ssdp",
    detail: "Linux/5.10 UPnP/1.0 Router/2.1",
  });
  equal(recognizeUdpReply(1900, new TextEncoder().encode("HTTP/1.1 200 OK\r\n\r\n")), undefined);
  const sip = new TextEncoder().encode(
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK1\r\nServer: Asterisk PBX 18.0\r\n\r\n",
  );
  deepStrictEqual(recognizeUdpReply(5060, sip), {
    service: "sip",
    detail: "200 OK, Asterisk PBX 18.0",
  });
});

Deno.test("recognises memcached, DHCP, TFTP, RPC and RADIUS replies", () => {
  const mc = cat(
    [0x12, 0x34, 0, 0, 0, 1, 0, 0],
    new TextEncoder().encode("STAT pid 1\r\nSTAT version 1.6.9\r\nEND\r\n"),
  );
  deepStrictEqual(recognizeUdpReply(11211, mc), { service: "memcache", detail: "version 1.6.9" });

  const offer = payload(67);
  offer[0] = 2;
  offer[242] = 2;
  deepStrictEqual(recognizeUdpReply(67, offer), { service: "bootps", detail: "DHCPOFFER" });

  const err = cat([0, 5, 0, 1], new TextEncoder().encode("File not found"), [0]);
  deepStrictEqual(recognizeUdpReply(69, err), {
    service: "tftp",
    detail: "ERROR 1 File not found",
  });

  const call = payload(111);
  const accepted = cat(call.subarray(0, 4), [0, 0, 0, 1], new Uint8Array(12), new Uint8Array(4));
  deepStrictEqual(recognizeUdpReply(111, accepted), { service: "sunrpc", detail: "success" });
  const mismatch = cat(call.subarray(0, 4), [0, 0, 0, 1], new Uint8Array(12), [
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    4,
  ]);
  deepStrictEqual(recognizeUdpReply(2049, mismatch), {
    service: "nfs",
    detail: "program version mismatch, versions 2-4",
  });

  const reject = cat([3, 9, 0, 26], new Uint8Array(16), [18, 6], new TextEncoder().encode("nope"));
  deepStrictEqual(recognizeUdpReply(1812, reject), { service: "radius", detail: "Access-Reject" });
  deepStrictEqual(recognizeUdpReply(1813, reject), {
    service: "radius-acct",
    detail: "Access-Reject",
  });
  const badTiling = reject.slice();
  badTiling[21] = 9;
  equal(recognizeUdpReply(1812, badTiling), undefined);
});

Deno.test("recognises MS SQL, IKE, CoAP, RakNet, STUN and NAT-PMP replies", () => {
  const sql = new TextEncoder().encode(
    "ServerName;DB1;InstanceName;MSSQLSERVER;IsClustered;No;Version;15.0.2000.5;tcp;1433;;",
  );
  const sqlReply = cat([0x05, sql.length & 0xff, sql.length >> 8], sql);
  deepStrictEqual(recognizeUdpReply(1434, sqlReply), {
    service: "ms-sql-m",
    detail: "DB1 MSSQLSERVER 15.0.2000.5",
  });

  const req = payload(500);
  const notify = cat(req.subarray(0, 16), [41, 0x20, 34, 0x20], [0, 0, 0, 0], [0, 0, 0, 38], [
    0,
    0,
    0,
    10,
    0,
    0,
    0,
    14,
    0,
    0,
  ]);
  deepStrictEqual(recognizeUdpReply(500, notify), {
    service: "isakmp",
    detail: "IKEv2, NO_PROPOSAL_CHOSEN",
  });
  deepStrictEqual(recognizeUdpReply(4500, cat([0, 0, 0, 0], notify)), {
    service: "ipsec-nat-t",
    detail: "IKEv2, NO_PROPOSAL_CHOSEN",
  });
  equal(recognizeUdpReply(4500, notify), undefined, "4500 needs the non-ESP marker");

  const coap = cat(
    [0x60, 0x45, 0x12, 0x34, 0xc1, 0x28, 0xff],
    new TextEncoder().encode("</sensors>"),
  );
  deepStrictEqual(recognizeUdpReply(5683, coap), { service: "coap", detail: "2.05 </sensors>" });
  deepStrictEqual(recognizeUdpReply(5683, bytesOf("70 00 12 34")), {
    service: "coap",
    detail: "empty reply",
  });

  const motd = new TextEncoder().encode(
    "MCPE;My World;594;1.20.0;0;10;123;Sub;Survival;1;19132;19133;",
  );
  const ping = payload(19132);
  const pong = cat([0x1c], ping.subarray(1, 9), new Uint8Array(8), ping.subarray(9, 25), [
    0,
    motd.length,
  ], motd);
  deepStrictEqual(recognizeUdpReply(19132, pong), {
    service: "minecraft-be",
    detail: "My World, version 1.20.0",
  });

  const sw = new TextEncoder().encode("coturn-4.6");
  const stun = cat(
    [0x01, 0x01, 0, 16],
    [0x21, 0x12, 0xa4, 0x42],
    new Uint8Array(12),
    [0x80, 0x22, 0, sw.length],
    sw,
    [0, 0],
  );
  deepStrictEqual(recognizeUdpReply(3478, stun), { service: "stun", detail: "coturn-4.6" });

  const pmp = cat([0, 128, 0, 0], [0, 0, 1, 0], [127, 0, 0, 1]);
  deepStrictEqual(recognizeUdpReply(5351, pmp), {
    service: "nat-pmp",
    detail: "external address given",
  });
});

// ---------------------------------------------------------------------------------------------
// Integration: real implementations on 127.0.0.1, when installed (Debian packages named below)

function findBinary(name: string): string | undefined {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin", "/usr/bin"]);
  for (const dir of dirs) {
    try {
      const path = `${dir}/${name}`;
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function freeUdpPort(): Promise<number> {
  const sock = createSocket("udp4");
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
  const port = sock.address().port;
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

/**
 * Sends `data` to 127.0.0.1:`port` every 200 ms until something answers from 127.0.0.1 (from
 * any source port: TFTP answers from a fresh one) or `timeoutMs` passes. The retries cover the
 * server's start-up.
 */
async function exchange(port: number, data: Uint8Array, timeoutMs = 6000): Promise<Uint8Array> {
  const sock = createSocket("udp4");
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
  let timer: ReturnType<typeof setInterval> | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      sock.on("message", (msg, rinfo) => {
        if (rinfo.address === "127.0.0.1") resolve(new Uint8Array(msg));
      });
      sock.on("error", () => {}); // ICMP port unreachable before the server is up
      const send = () => sock.send(data, port, "127.0.0.1");
      send();
      timer = setInterval(send, 200);
      deadline = setTimeout(() => reject(new Error(`no reply on 127.0.0.1:${port}`)), timeoutMs);
    });
  } finally {
    clearInterval(timer);
    clearTimeout(deadline);
    await new Promise<void>((resolve) => sock.close(() => resolve()));
  }
}

/** A server to run for one test: its binary, arguments and extra environment. */
interface ServerCommand {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
}

/** Runs `body` while the server runs; always kills it, and shows its output when `body` fails. */
async function withServer(server: ServerCommand, body: () => Promise<void>): Promise<void> {
  const child = new Deno.Command(server.cmd, {
    args: server.args,
    env: server.env ?? {},
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let failure: unknown;
  try {
    await body();
  } catch (err) {
    failure = err;
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
  }
  const out = await child.output();
  if (failure !== undefined) {
    const log = new TextDecoder().decode(cat(out.stdout, out.stderr));
    throw new Error(`${failure}\n--- ${server.cmd} output ---\n${log}`);
  }
}

/** An optional outside implementation: the test runs when its binary is installed. */
interface Oracle {
  /** What the test shows. */
  name: string;
  /** The Debian package that provides the binary (reported when skipping). */
  pkg: string;
  binary: string;
}

function oracleTest(oracle: Oracle, fn: (path: string) => Promise<void>): void {
  const path = findBinary(oracle.binary);
  if (path === undefined) {
    console.warn(
      `skipping "${oracle.name}": ${oracle.binary} not installed (Debian package ${oracle.pkg})`,
    );
  }
  Deno.test({
    name: `${oracle.name} (oracle: ${oracle.pkg})`,
    ignore: path === undefined,
    fn: () => fn(path!),
  });
}

async function commandText(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  return new TextDecoder().decode(cat(out.stdout, out.stderr));
}

oracleTest({
  name: "dnsmasq answers the DNS payload and parses the mDNS one",
  pkg: "dnsmasq-base",
  binary: "dnsmasq",
}, async (cmd) => {
  const port = await freeUdpPort();
  const version = /^Dnsmasq version (\S+)/.exec(await commandText(cmd, ["--version"]))?.[1];
  ok(version, "dnsmasq --version");
  // --no-resolv with no --server: nothing is ever forwarded off this machine.
  const args = [
    "--no-daemon",
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    `--port=${port}`,
    "--listen-address=127.0.0.1",
    "--bind-interfaces",
    "--pid-file=",
  ];
  await withServer({ cmd, args }, async () => {
    const info = recognizeUdpReply(53, await exchange(port, payload(53)));
    deepStrictEqual(info, { service: "domain", detail: `dnsmasq-${version}` });
    const mdns = await exchange(port, payload(5353));
    ok(recognizeUdpReply(5353, mdns), "mDNS-shaped DNS reply");
    notEqual(mdns[3] & 0x0f, 1, "FORMERR: the mDNS query did not parse");
  });
});

oracleTest({
  name: "snmpd returns sysDescr.0 for the SNMP payload and its engine ID to v3 discovery",
  pkg: "snmpd",
  binary: "snmpd",
}, async (cmd) => {
  const port = await freeUdpPort();
  const dir = await Deno.makeTempDir({ prefix: "portolan_snmpd_" });
  const descr = `Portolan test agent ${crypto.randomUUID()}`;
  try {
    const conf = `${dir}/snmpd.conf`;
    await Deno.writeTextFile(
      conf,
      `agentAddress udp:127.0.0.1:${port}\nrocommunity public 127.0.0.1\nsysDescr ${descr}\n`,
    );
    // -C: read no configuration but ours; the persistent directory keeps /var/lib/snmp untouched.
    const args = ["-f", "-Lo", "-C", "-c", conf, "-p", `${dir}/snmpd.pid`];
    const env = { SNMP_PERSISTENT_DIR: dir, MIBS: "", HOME: dir };
    await withServer({ cmd, args, env }, async () => {
      const info = recognizeUdpReply(161, await exchange(port, payload(161)));
      deepStrictEqual(info, { service: "snmp", detail: descr });
      // The SNMPv3 discovery draws a Report naming Net-SNMP's enterprise number (8072).
      const engine = parseSnmpV3Report(await exchange(port, buildSnmpV3Discovery()));
      ok(engine !== undefined, "a parseable SNMPv3 Report");
      deepStrictEqual([engine.enterprise, engine.format], [8072, 128]);
      ok(engine.boots >= 1, `engine boots ${engine.boots}`);
      ok(engine.time >= 0 && engine.time < 600, `engine time ${engine.time}`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

oracleTest({
  name: "memcached answers the UDP stats payload",
  pkg: "memcached",
  binary: "memcached",
}, async (cmd) => {
  const port = await freeUdpPort();
  const version = /memcached (\S+)/.exec(await commandText(cmd, ["-V"]))?.[1];
  ok(version, "memcached -V");
  // -p 0: no TCP listener; -u: memcached refuses to run as root without it.
  const args = ["-U", `${port}`, "-p", "0", "-l", "127.0.0.1", "-u", "nobody"];
  await withServer({ cmd, args }, async () => {
    const info = recognizeUdpReply(11211, await exchange(port, payload(11211)));
    deepStrictEqual(info, { service: "memcache", detail: `version ${version}` });
  });
});

oracleTest({
  name: "chronyd answers the NTP payload",
  pkg: "chrony",
  binary: "chronyd",
}, async (cmd) => {
  const port = await freeUdpPort();
  const dir = await Deno.makeTempDir({ prefix: "portolan_chrony_" });
  try {
    // No server or pool lines: chronyd asks nobody, it only serves its own clock.
    const conf = `${dir}/chrony.conf`;
    await Deno.writeTextFile(
      conf,
      [
        `port ${port}`,
        "bindaddress 127.0.0.1",
        "allow 127.0.0.1",
        "local stratum 9",
        "cmdport 0",
        `pidfile ${dir}/chronyd.pid`,
        "",
      ].join("\n"),
    );
    // -x: never touch the system clock.
    await withServer({ cmd, args: ["-d", "-x", "-f", conf] }, async () => {
      const info = recognizeUdpReply(123, await exchange(port, payload(123)));
      deepStrictEqual(info, { service: "ntp", detail: "v4, stratum 9" });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

oracleTest({
  name: "tftpd-hpa answers the TFTP read request from a fresh port",
  pkg: "tftpd-hpa",
  binary: "in.tftpd",
}, async (cmd) => {
  const port = await freeUdpPort();
  const dir = await Deno.makeTempDir({ prefix: "portolan_tftp_" });
  try {
    await Deno.chmod(dir, 0o755); // the server reads it as nobody
    // The probe file is absent: the server's child sends ERROR and exits at once, leaving no
    // transfer behind to retransmit after the test.
    const args = ["-L", "-a", `127.0.0.1:${port}`, "-s", dir, "-u", "nobody"];
    await withServer({ cmd, args }, async () => {
      const info = recognizeUdpReply(69, await exchange(port, payload(69)));
      equal(info?.service, "tftp");
      match(info?.detail ?? "", /^ERROR 1\b/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

oracleTest({
  name: "libcoap's server answers CoAP resource discovery",
  pkg: "libcoap3-bin",
  binary: "coap-server-notls",
}, async (cmd) => {
  const port = await freeUdpPort();
  await withServer({ cmd, args: ["-A", "127.0.0.1", "-p", `${port}`] }, async () => {
    const info = recognizeUdpReply(5683, await exchange(port, payload(5683)));
    equal(info?.service, "coap");
    match(info?.detail ?? "", /^2\.05 .*<\//, "link-format content");
  });
});
