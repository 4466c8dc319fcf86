import { deepStrictEqual, equal, ok } from "node:assert/strict";
import type { Protocol } from "../engine/events.ts";
import { EXTRA_SERVICES, SEED_SERVICES } from "./common_data.ts";
import { TCP_RANKING_HEAD, UDP_RANKING_HEAD } from "./ranking_data.ts";
import { ianaPorts, lookupService, portClass, portsByName, topPorts } from "./services.ts";

// A literal copy of the "Common Ports and Their Uses" table in the project seed.
const SEED_TABLE = `
| 20, 21      | FTP               | File transfers                              |
| 22          | SSH               | Secure remote login                         |
| 23          | Telnet            | Remote login (not secure)                   |
| 25          | SMTP              | Sending emails                              |
| 53          | DNS               | Converts website names to IPs               |
| 67, 68      | DHCP              | Assigns IP addresses                        |
| 80          | HTTP              | Websites (not secure)                       |
| 110         | POP3              | Receiving emails                            |
| 123         | NTP               | Syncing time                                |
| 135         | RPC               | Microsoft Remote Procedure Call            |
| 137-139     | NetBIOS           | Windows file sharing                        |
| 143         | IMAP              | Receiving emails (better than POP3)         |
| 161, 162    | SNMP              | Network monitoring                          |
| 389         | LDAP              | Directory services (e.g., Active Directory) |
| 443         | HTTPS             | Secure websites                             |
| 445         | SMB               | Windows file sharing                        |
| 465, 587    | SMTP              | Secure email sending                        |
| 993         | IMAPS             | Secure email receiving                      |
| 995         | POP3S             | Secure POP3 email                           |
| 1433, 1434  | SQL Server        | Microsoft database                          |
| 1521        | Oracle            | Oracle database                             |
| 3306        | MySQL             | MySQL database                              |
| 3307        | MySQL Cluster     | MySQL database clustering                   |
| 3389        | RDP               | Remote Desktop                              |
| 5353        | mDNS              | Multicast DNS (local network discovery)     |
| 5900        | VNC               | Remote access                               |
| 8080        | HTTP Alt          | Alternative web traffic                     |
| 8443        | HTTPS Alt         | Secure web traffic alternative              |
| 1812, 1813  | RADIUS            | Authentication for networks                 |
| 5060, 5061  | SIP               | Voice calls over the internet (VoIP)        |
| 1723        | PPTP              | VPN connection                              |
| 2049        | NFS               | File sharing between computers              |
| 25565       | Minecraft Server  | Multiplayer gaming server (Minecraft)      |
| 5432        | PostgreSQL        | PostgreSQL database                         |
| 5985, 5986  | WinRM             | Remote management for Windows               |
| 6379        | Redis             | Fast database/cache                         |
| 9000        | PHP-FPM           | Running PHP applications                    |
| 9200        | Elasticsearch     | Search engine service                       |
| 11211       | Memcached         | High-performance caching system             |
`;

// The service name we show for each seed port, and the transports the service runs on.
// Names are IANA's where IANA registers that service there; the seed's service otherwise.
const EXPECTED: Record<number, [string, Protocol[]]> = {
  20: ["ftp-data", ["tcp"]],
  21: ["ftp", ["tcp"]],
  22: ["ssh", ["tcp"]],
  23: ["telnet", ["tcp"]],
  25: ["smtp", ["tcp"]],
  53: ["domain", ["tcp", "udp"]],
  67: ["bootps", ["udp"]],
  68: ["bootpc", ["udp"]],
  80: ["http", ["tcp"]],
  110: ["pop3", ["tcp"]],
  123: ["ntp", ["udp"]],
  135: ["epmap", ["tcp", "udp"]],
  137: ["netbios-ns", ["udp"]],
  138: ["netbios-dgm", ["udp"]],
  139: ["netbios-ssn", ["tcp"]],
  143: ["imap", ["tcp"]],
  161: ["snmp", ["udp"]],
  162: ["snmptrap", ["udp"]],
  389: ["ldap", ["tcp", "udp"]],
  443: ["https", ["tcp", "udp"]],
  445: ["microsoft-ds", ["tcp"]],
  465: ["submissions", ["tcp"]],
  587: ["submission", ["tcp"]],
  993: ["imaps", ["tcp"]],
  995: ["pop3s", ["tcp"]],
  1433: ["ms-sql-s", ["tcp"]],
  1434: ["ms-sql-m", ["udp"]],
  1521: ["oracle", ["tcp"]],
  3306: ["mysql", ["tcp"]],
  3307: ["mysql-cluster", ["tcp"]],
  3389: ["ms-wbt-server", ["tcp", "udp"]],
  5353: ["mdns", ["udp"]],
  5900: ["rfb", ["tcp"]],
  8080: ["http-alt", ["tcp"]],
  8443: ["https-alt", ["tcp"]],
  1812: ["radius", ["udp"]],
  1813: ["radius-acct", ["udp"]],
  5060: ["sip", ["tcp", "udp"]],
  5061: ["sips", ["tcp"]],
  1723: ["pptp", ["tcp"]],
  2049: ["nfs", ["tcp", "udp"]],
  25565: ["minecraft", ["tcp"]],
  5432: ["postgresql", ["tcp"]],
  5985: ["wsman", ["tcp"]],
  5986: ["wsmans", ["tcp"]],
  6379: ["redis", ["tcp"]],
  9000: ["php-fpm", ["tcp"]],
  9200: ["elasticsearch", ["tcp"]],
  11211: ["memcache", ["tcp", "udp"]],
};

interface SeedRow {
  ports: number[];
  service: string;
  usage: string;
}

function parseSeedTable(table: string): SeedRow[] {
  const rows: SeedRow[] = [];
  for (const line of table.split("\n")) {
    if (!line.startsWith("|")) continue;
    const [portText, service, usage] = line.split("|").slice(1, 4).map((cell) => cell.trim());
    const ports: number[] = [];
    for (const part of portText.split(",")) {
      const [from, to] = part.trim().split("-").map(Number);
      for (let port = from; port <= (to ?? from); port++) ports.push(port);
    }
    rows.push({ ports, service, usage });
  }
  return rows;
}

const seedRows = parseSeedTable(SEED_TABLE);

Deno.test("seed table parses into 39 rows and 49 ports", () => {
  equal(seedRows.length, 39);
  equal(seedRows.flatMap((row) => row.ports).length, 49);
  deepStrictEqual(seedRows[10].ports, [137, 138, 139]);
});

for (const row of seedRows) {
  Deno.test(`seed row ${row.ports.join(",")} ${row.service}`, () => {
    for (const port of row.ports) {
      const expected = EXPECTED[port];
      ok(expected, `no expectation for seed port ${port}`);
      const [name, protocols] = expected;
      for (const protocol of protocols) {
        const entry = lookupService(port, protocol);
        deepStrictEqual(entry, { name, usage: row.usage }, `${port}/${protocol}`);
      }
    }
  });
}

Deno.test("curated seed data covers exactly the seed table's ports", () => {
  const tablePorts = seedRows.flatMap((row) => row.ports).sort((a, b) => a - b);
  const dataPorts = SEED_SERVICES.map((service) => service.port).sort((a, b) => a - b);
  deepStrictEqual(dataPorts, tablePorts);
  deepStrictEqual(Object.keys(EXPECTED).map(Number).sort((a, b) => a - b), tablePorts);
});

Deno.test("IANA names appear where no curated entry overrides them", () => {
  deepStrictEqual(lookupService(22, "udp")?.name, "ssh");
  deepStrictEqual(lookupService(27017, "tcp")?.name, "mongodb");
  // 80/tcp's first registration is http, not its later aliases www / www-http.
  equal(lookupService(80, "udp")?.name, "http");
  // Seed override is per protocol: 9200/udp keeps IANA's registration.
  equal(lookupService(9200, "udp")?.name, "wap-wsp");
  equal(lookupService(4, "tcp"), undefined);
  equal(lookupService(65535, "udp"), undefined);
  equal(lookupService(-1, "tcp"), undefined);
});

Deno.test("extra curated services resolve", () => {
  for (const service of EXTRA_SERVICES) {
    for (const protocol of service.protocols) {
      deepStrictEqual(lookupService(service.port, protocol), {
        name: service.name,
        usage: service.usage,
      });
    }
  }
});

Deno.test("generated IANA data is well formed", () => {
  ok(ianaPorts().length > 5000);
  let previous = -1;
  for (const [port, flags, name] of ianaPorts()) {
    ok(Number.isInteger(port) && port >= 0 && port <= 65535, `port ${port}`);
    ok(port >= previous, `sorted at ${port}`);
    ok(flags >= 1 && flags <= 3, `flags at ${port}`);
    ok(name.length > 0, `name at ${port}`);
    previous = port;
  }
});

Deno.test("portClass boundaries", () => {
  equal(portClass(0), "well-known");
  equal(portClass(1023), "well-known");
  equal(portClass(1024), "registered");
  equal(portClass(49151), "registered");
  equal(portClass(49152), "dynamic");
  equal(portClass(65535), "dynamic");
});

function checkRanking(protocol: Protocol, head: readonly number[]): void {
  const top = topPorts(1000, protocol);
  equal(top.length, 1000);
  equal(new Set(top).size, 1000);
  for (const port of top) ok(Number.isInteger(port) && port >= 1 && port <= 65535, `${port}`);
  const seedPorts = new Set(
    SEED_SERVICES.filter((s) => s.protocols.includes(protocol)).map((s) => s.port),
  );
  deepStrictEqual(new Set(top.slice(0, seedPorts.size)), seedPorts);
  deepStrictEqual(top.slice(0, head.length), [...head]);
  deepStrictEqual(topPorts(100, protocol), top.slice(0, 100));
}

Deno.test("top TCP ports: seed first, 1000 unique valid ports", () => {
  checkRanking("tcp", TCP_RANKING_HEAD);
  deepStrictEqual(topPorts(3, "tcp"), [80, 443, 22]);
});

Deno.test("top UDP ports: seed first, 1000 unique valid ports", () => {
  checkRanking("udp", UDP_RANKING_HEAD);
});

Deno.test("editorial heads have no duplicates", () => {
  equal(new Set(TCP_RANKING_HEAD).size, TCP_RANKING_HEAD.length);
  equal(new Set(UDP_RANKING_HEAD).size, UDP_RANKING_HEAD.length);
});

Deno.test("topPorts beyond the ranking covers every port once", () => {
  for (const protocol of ["tcp", "udp"] as const) {
    const all = topPorts(65536, protocol);
    equal(all.length, 65536);
    equal(new Set(all).size, 65536);
    equal(all[all.length - 1], 0);
    deepStrictEqual(topPorts(100_000, protocol), all);
  }
  deepStrictEqual(topPorts(0, "tcp"), []);
  deepStrictEqual(topPorts(-5, "tcp"), []);
  equal(topPorts(2.7, "tcp").length, 2);
});

Deno.test("portsByName: exact, case-insensitive, glob, unknown", () => {
  deepStrictEqual(portsByName("http", "tcp"), [80]);
  deepStrictEqual(portsByName("HTTPS", "tcp"), [443]);
  deepStrictEqual(portsByName("elasticsearch", "tcp"), [9200]);
  // The IANA name a curated entry replaced stays searchable.
  deepStrictEqual(portsByName("wap-wsp", "tcp"), [9200]);
  deepStrictEqual(portsByName("x11", "tcp").length, 64);
  const globbed = portsByName("http*", "tcp");
  for (const port of [80, 443, 8080, 8443]) ok(globbed.includes(port), `${port} in http*`);
  deepStrictEqual(globbed, [...globbed].sort((a, b) => a - b));
  for (const port of globbed) ok(/^http/.test(lookupService(port, "tcp")?.name ?? ""));
  const single = portsByName("ss?", "tcp");
  ok(single.includes(22));
  for (const port of single) ok(/^ss.$/.test(lookupService(port, "tcp")?.name ?? ""), `${port}`);
  deepStrictEqual(portsByName("no-such-service", "tcp"), []);
  deepStrictEqual(portsByName("no-such-*", "udp"), []);
  // Regex metacharacters in a name are literal.
  deepStrictEqual(portsByName("h.tp", "tcp"), []);
});
