import assert from "node:assert/strict";
import { fakeTcpServer, fakeUdpServer, runOn, write } from "../test_util.ts";
import {
  dnsRecursion,
  mysqlInfo,
  ntpInfo,
  parseSnmpResponse,
  snmpGet,
  snmpSysdescr,
} from "./binary_services.ts";

function le16(n: number): number[] {
  return [n & 255, n >> 8];
}

Deno.test("mysql-info parses a protocol 10 greeting", async () => {
  const enc = new TextEncoder();
  const caps = 0x800f_f7ff;
  const payload = [
    10,
    ...enc.encode("8.0.36-fake"),
    0,
    ...[0x2a, 0, 0, 0], // thread id 42
    ...enc.encode("abcdefgh"),
    0,
    ...le16(caps & 0xffff),
    0xff,
    ...le16(2),
    ...le16(caps >>> 16),
    21,
    ...new Array(10).fill(0),
    ...enc.encode("ijklmnopqrst"),
    0,
    ...enc.encode("caching_sha2_password"),
    0,
  ];
  const srv = fakeTcpServer((conn) =>
    write(conn, new Uint8Array([payload.length, 0, 0, 0, ...payload]))
  );
  const r = await runOn(mysqlInfo, { port: srv.port, service: { name: "mysql" } });
  await srv.close();
  const d = r!.output!.data!;
  assert.equal(d.version, "8.0.36-fake");
  assert.equal(d.threadId, 42);
  assert.equal(d.salt, "abcdefghijklmnopqrst");
  assert.equal(d.authPlugin, "caching_sha2_password");
  assert.equal(d.capabilities, caps >>> 0);
  assert.match(r!.output!.text, /Status: Autocommit/);
  assert.ok((d.capabilityNames as string[]).includes("SupportsAuthPlugins"));
});

Deno.test("dns-recursion: RA set -> enabled; RA clear -> nothing", async () => {
  for (const ra of [true, false]) {
    const srv = await fakeUdpServer((q) => {
      const r = new Uint8Array(q);
      r[2] = 0x81; // QR, RD
      r[3] = ra ? 0x80 : 0x00;
      return r;
    });
    const r = await runOn(dnsRecursion, {
      port: srv.port,
      protocol: "udp",
      service: { name: "domain" },
    });
    srv.close();
    assert.equal(r?.output?.text, ra ? "Recursion appears to be enabled" : undefined);
  }
});

/** Answer an SNMP GetRequest the way an agent would, reusing the request's OIDs. */
function snmpAgent(community: string, descr: string, ticks: number) {
  return (req: Uint8Array): Uint8Array | undefined => {
    // Check our own encoder's output round-trips: community must match.
    if (!new TextDecoder("latin1").decode(req).includes(community)) return undefined;
    const enc = new TextEncoder().encode(descr);
    const tl = (tag: number, b: number[]) => [tag, b.length, ...b];
    const oid = (last: number) => tl(6, [0x2b, 6, 1, 2, 1, 1, last, 0]);
    const vb = [
      ...tl(0x30, [...oid(1), ...tl(4, [...enc])]),
      ...tl(0x30, [...oid(3), ...tl(0x43, [(ticks >> 16) & 255, (ticks >> 8) & 255, ticks & 255])]),
    ];
    const pdu = tl(0xa2, [2, 1, 7, 2, 1, 0, 2, 1, 0, ...tl(0x30, vb)]);
    return new Uint8Array(
      tl(0x30, [2, 1, 0, ...tl(4, [...new TextEncoder().encode(community)]), ...pdu]),
    );
  };
}

Deno.test("snmp-sysdescr reads sysDescr and uptime with the given community", async () => {
  const srv = await fakeUdpServer(snmpAgent("s3cret", "Linux fakebox 6.1", 8_640_123));
  const r = await runOn(snmpSysdescr, {
    port: srv.port,
    protocol: "udp",
    service: { name: "snmp" },
  }, { args: { snmpcommunity: "s3cret" } });
  const wrong = await runOn(snmpSysdescr, {
    port: srv.port,
    protocol: "udp",
    service: { name: "snmp" },
  }, { timeoutMs: 1500 });
  srv.close();
  assert.equal(
    r!.output!.text,
    "Linux fakebox 6.1\n  System uptime: 1 days, 0:00:01 (8640123 timeticks)",
  );
  assert.equal(wrong, undefined);
  // The request decodes as a well-formed message with both OIDs.
  const req = snmpGet("public", 5, ["1.3.6.1.2.1.1.1.0"]);
  assert.equal(req[0], 0x30);
  assert.equal(req[1], req.length - 2);
  assert.throws(() => parseSnmpResponse(req), /not an SNMP GetResponse/);
});

Deno.test("ntp-info reports stratum, refid and the server's time", async () => {
  const srv = await fakeUdpServer((q) => {
    if (q.length !== 48 || (q[0] & 7) !== 3) return undefined;
    const r = new Uint8Array(48);
    const dv = new DataView(r.buffer);
    r[0] = 0x24; // v4, server
    r[1] = 1;
    r[2] = 6;
    dv.setInt8(3, -20);
    r.set(new TextEncoder().encode("GPS\0"), 12);
    // The server's clock runs one hour ahead of ours.
    const secs = Math.floor(Date.now() / 1000) + 3600 + 2208988800;
    dv.setUint32(32, secs);
    dv.setUint32(40, secs);
    return r;
  });
  const r = await runOn(ntpInfo, { port: srv.port, protocol: "udp", service: { name: "ntp" } });
  srv.close();
  const d = r!.output!.data!;
  assert.equal(d.stratum, 1);
  assert.equal(d.refid, "GPS");
  assert.equal(d.precision, -20);
  assert.ok(Math.abs(Date.parse(d.receiveTime as string) - Date.now() - 3_600_000) < 5000);
  assert.ok(Math.abs((d.clockOffsetS as number) - 3600) < 5, String(d.clockOffsetS));
});
