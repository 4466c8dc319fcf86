import { equal } from "node:assert/strict";
import { formatTracerouteNormal, formatTracerouteXml } from "./format.ts";
import type { TraceResult } from "./traceroute.ts";

const TCP: TraceResult = {
  address: "198.18.10.10",
  protocol: "tcp",
  port: 80,
  reached: true,
  hops: [
    { ttl: 1, address: "198.18.10.1", rttMs: 0.046 },
    { ttl: 2 },
    { ttl: 3 },
    { ttl: 4 },
    { ttl: 5, address: "198.18.10.6", rttMs: 12.3456, hostname: "r2.lab.test" },
    { ttl: 6 },
    { ttl: 7, address: "198.18.10.10", rttMs: 1 },
  ],
};

Deno.test("normal output: nmap's columns, silent runs collapsed, names before addresses", () => {
  equal(
    formatTracerouteNormal(TCP),
    [
      "TRACEROUTE (using port 80/tcp)",
      "HOP RTT      ADDRESS",
      "1   0.05 ms  198.18.10.1",
      "2   ... 4",
      "5   12.35 ms r2.lab.test (198.18.10.6)",
      "6   ...",
      "7   1.00 ms  198.18.10.10",
    ].join("\n"),
  );
});

Deno.test("normal output names ICMP by protocol number, per family", () => {
  const hops = [{ ttl: 1, address: "127.0.0.1", rttMs: 0.01 }];
  equal(
    formatTracerouteNormal({ address: "127.0.0.1", protocol: "icmp", hops, reached: true }),
    "TRACEROUTE (using proto 1/icmp)\nHOP RTT     ADDRESS\n1   0.01 ms 127.0.0.1",
  );
  const v6 = formatTracerouteNormal({
    address: "::1",
    protocol: "icmp",
    hops: [{ ttl: 1, address: "::1", rttMs: 0.01 }],
    reached: true,
  });
  equal(v6.split("\n")[0], "TRACEROUTE (using proto 58/ipv6-icmp)");
  const udp = formatTracerouteNormal({ ...TCP, protocol: "udp", port: 53 });
  equal(udp.split("\n")[0], "TRACEROUTE (using port 53/udp)");
});

Deno.test("XML: nmap's trace element, answered hops only, attributes escaped", () => {
  equal(
    formatTracerouteXml({
      ...TCP,
      hops: [...TCP.hops.slice(0, 5), { ttl: 6, address: "198.18.10.9", hostname: 'a"<b>&' }],
    }),
    [
      '<trace port="80" proto="tcp">',
      '<hop ttl="1" ipaddr="198.18.10.1" rtt="0.05"/>',
      '<hop ttl="5" ipaddr="198.18.10.6" rtt="12.35" host="r2.lab.test"/>',
      '<hop ttl="6" ipaddr="198.18.10.9" host="a&quot;&lt;b&gt;&amp;"/>',
      "</trace>",
    ].join("\n"),
  );
  equal(
    formatTracerouteXml({ address: "127.0.0.1", protocol: "icmp", hops: [], reached: false }),
    '<trace proto="icmp">\n</trace>',
  );
});
