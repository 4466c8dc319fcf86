import { deepEqual, equal } from "node:assert/strict";
import {
  compareIdentified,
  describe,
  type Identified,
  isExactVersion,
  moreSpecific,
  parseNmapServices,
  portolanServices,
} from "./service.ts";
import type { PortolanReport } from "./common.ts";

// Shaped like nmap 7.93's -oX output for the lab's services.
const XML = `<host><ports>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" product="OpenSSH" version="9.2p1 Debian 2+deb12u10" extrainfo="protocol 2.0" ostype="Linux" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh:9.2p1</cpe></service></port>
<port protocol="tcp" portid="443"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http" product="nginx" version="1.22.1" tunnel="ssl" method="probed" conf="10"></service></port>
<port protocol="tcp" portid="5432"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="postgresql" product="PostgreSQL DB" version="9.6.0 or later" servicefp="SF:r(x,8C,&quot;E\\0&quot;);" method="probed" conf="10"/></port>
<port protocol="udp" portid="161"><state state="open" reason="udp-response" reason_ttl="64"/><service name="snmp" product="SNMPv1 server; net-snmp SNMPv3 server" extrainfo="public" method="probed" conf="10"/></port>
<port protocol="tcp" portid="9"><state state="closed" reason="reset" reason_ttl="64"/></port>
</ports></host>`;

Deno.test("parseNmapServices reads name, tunnel, product, version and extra info", () => {
  const ids = parseNmapServices(XML);
  deepEqual(ids.get("22/tcp"), {
    state: "open",
    name: "ssh",
    product: "OpenSSH",
    version: "9.2p1 Debian 2+deb12u10",
    extraInfo: "protocol 2.0",
  });
  equal(ids.get("443/tcp")?.name, "ssl/http");
  equal(ids.get("5432/tcp")?.version, "9.6.0 or later");
  equal(ids.get("161/udp")?.product, "SNMPv1 server; net-snmp SNMPv3 server");
  deepEqual(ids.get("9/tcp"), {
    state: "closed",
    name: undefined,
    product: undefined,
    version: undefined,
    extraInfo: undefined,
  });
});

Deno.test("portolanServices reads serviceInfo of the first host", () => {
  const report = {
    elapsedMs: 1,
    partial: false,
    hosts: [{
      address: "198.18.0.10",
      status: "up",
      ports: [
        {
          protocol: "tcp",
          port: 80,
          state: "open",
          reason: "syn-ack",
          serviceInfo: { name: "http", product: "nginx", version: "1.22.1", cpe: [] },
        },
        { protocol: "udp", port: 53, state: "open", reason: "udp-response" },
      ],
    }],
  } as PortolanReport;
  const ids = portolanServices(report);
  equal(describe(ids.get("80/tcp")), "http nginx 1.22.1");
  equal(ids.get("53/udp")?.name, undefined);
  equal(describe(ids.get("53/udp")), "(open, no service)");
});

const ssh: Identified = {
  state: "open",
  name: "ssh",
  product: "OpenSSH",
  version: "9.2p1",
  extraInfo: "Debian 2+deb12u10; protocol 2.0",
};

Deno.test("compareIdentified: the same information split over version and extra info agrees", () => {
  const nmap = parseNmapServices(XML);
  const a = compareIdentified(ssh, nmap.get("22/tcp"));
  equal(a.agree, true);
  equal(a.note.startsWith("same, split"), true);
  const pg = {
    state: "open",
    name: "postgresql",
    product: "PostgreSQL DB",
    extraInfo: "9.6.0 or later",
  };
  equal(compareIdentified(pg, nmap.get("5432/tcp")).agree, true);
});

Deno.test("compareIdentified: a different version, product or service disagrees", () => {
  const nmap = parseNmapServices(XML);
  equal(compareIdentified({ ...ssh, version: "9.3p1" }, nmap.get("22/tcp")).agree, false);
  // The distribution revision must really be there, not just the upstream version.
  equal(compareIdentified({ ...ssh, extraInfo: "protocol 2.0" }, nmap.get("22/tcp")).agree, false);
  equal(compareIdentified({ ...ssh, product: "Dropbear sshd" }, nmap.get("22/tcp")).agree, false);
  const http = { state: "open", name: "http", product: "nginx", version: "1.22.1" };
  equal(compareIdentified(http, nmap.get("443/tcp")).agree, false);
  equal(compareIdentified({ ...http, name: "ssl/http" }, nmap.get("443/tcp")).agree, true);
  const snmp = { state: "open", name: "snmp", product: "SNMP agent" };
  equal(compareIdentified(snmp, nmap.get("161/udp")).agree, false);
  equal(compareIdentified({ ...snmp, product: "net-snmp" }, nmap.get("161/udp")).agree, true);
  equal(compareIdentified(undefined, nmap.get("22/tcp")).agree, false);
});

Deno.test("isExactVersion and moreSpecific", () => {
  equal(isExactVersion("9.2p1 Debian 2+deb12u10"), true);
  equal(isExactVersion("9.6.0 or later"), false);
  equal(isExactVersion("2.6.32 - 3.10"), false);
  equal(isExactVersion(undefined), false);
  const nmap = parseNmapServices(XML);
  const pg = { state: "open", name: "postgresql", product: "PostgreSQL DB" };
  equal(moreSpecific({ ...pg, version: "15.18" }, nmap.get("5432/tcp")), true);
  equal(moreSpecific(pg, nmap.get("5432/tcp")), false);
  equal(moreSpecific(ssh, nmap.get("22/tcp")), false);
  equal(moreSpecific({ state: "open", name: "x", product: "Foo" }, undefined), true);
});
