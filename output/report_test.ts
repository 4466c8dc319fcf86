import assert from "node:assert/strict";
import { foldEvents, ReportBuilder } from "./report.ts";
import type { ScanEvent } from "../engine/events.ts";
import { lookupService } from "../registry/services.ts";
import {
  basicEvents,
  meta,
  mixedPartialEvents,
  multiHostEvents,
  STUB_SERVICES,
  T0,
} from "../tests/golden/fixtures.ts";

Deno.test("foldEvents: totals, timing and scan type come from start and end events", () => {
  const r = foldEvents(basicEvents(), meta(["-sT", "-p", "20-30", "127.0.0.1"], "syn"), {
    serviceName: STUB_SERVICES,
  });
  assert.equal(r.version, "0.1.0");
  assert.deepEqual(r.args, ["-sT", "-p", "20-30", "127.0.0.1"]);
  // The start event records the technique actually used, after any fallback.
  assert.equal(r.scanType, "connect");
  assert.equal(r.startedAt, T0);
  assert.equal(r.endedAt, T0 + 60);
  assert.equal(r.elapsedMs, 60);
  assert.equal(r.partial, false);
  assert.equal(r.hostsTotal, 1);
  assert.equal(r.hostsUp, 1);
  assert.equal(r.hostsDown, 0);
  assert.deepEqual(r.portsPerHost, { tcp: 11, udp: 0 });
  assert.deepEqual(r.warnings, []);
});

Deno.test("foldEvents: ports sorted by protocol then number, with services from the namer", () => {
  const r = foldEvents(mixedPartialEvents(), meta([]), { serviceName: STUB_SERVICES });
  const ports = r.hosts[0].ports;
  assert.equal(ports.length, 140);
  assert.deepEqual(ports.slice(0, 2).map((p) => `${p.port}/${p.protocol}`), ["1/tcp", "2/tcp"]);
  assert.equal(ports[39].protocol, "tcp");
  assert.equal(ports[40].protocol, "udp");
  assert.equal(ports[40].port, 50);
  assert.deepEqual(ports.find((p) => p.port === 53 && p.protocol === "udp"), {
    protocol: "udp",
    port: 53,
    state: "open",
    reason: "udp-response",
    reasonTtl: 64,
    service: "domain",
  });
  // No service key at all when the namer does not know the port.
  assert.equal("service" in ports[0], false);
});

Deno.test("foldEvents: hosts keep first-seen order; down hosts counted", () => {
  const r = foldEvents(multiHostEvents(), meta([]), { serviceName: STUB_SERVICES });
  assert.deepEqual(r.hosts.map((h) => [h.address, h.status]), [
    ["127.0.0.3", "down"],
    ["127.0.0.1", "up"],
    ["127.0.0.2", "up"],
  ]);
  assert.equal(r.hostsUp, 2);
  assert.equal(r.hostsDown, 1);
  assert.equal(r.hostsTotal, 3);
  assert.equal(r.hosts[1].hostname, "localhost");
  assert.equal(r.hosts[1].latencyMs, 0.16);
  assert.equal("hostname" in r.hosts[2], false);
});

Deno.test("foldEvents: partial scan, timed-out host, warnings deduplicated in order", () => {
  const r = foldEvents(mixedPartialEvents(), meta([]), { serviceName: STUB_SERVICES });
  assert.equal(r.partial, true);
  assert.equal(r.hosts[0].timedOut, true);
  assert.deepEqual(r.warnings, [
    "--max-rate 10 is low; the scan will take a while",
    "interrupted by user",
  ]);
});

Deno.test("foldEvents: the serviceName option decides the service field", () => {
  const events: ScanEvent[] = [
    { type: "port", address: "127.0.0.1", protocol: "tcp", port: 22, state: "open", reason: "x" },
  ];
  const withStub = foldEvents(events, meta([]), { serviceName: () => "stubbed" });
  assert.equal(withStub.hosts[0].ports[0].service, "stubbed");
  const withNone = foldEvents(events, meta([]), { serviceName: () => undefined });
  assert.equal(withNone.hosts[0].ports[0].service, undefined);
});

Deno.test("foldEvents: without serviceName, names agree with the registry", () => {
  // The registry's data changes under us, so compare with it rather than with fixed names.
  const events: ScanEvent[] = [];
  for (const protocol of ["tcp", "udp"] as const) {
    for (let port = 1; port <= 1024; port++) {
      events.push({ type: "port", address: "::1", protocol, port, state: "open", reason: "x" });
    }
  }
  const r = foldEvents(events, meta([]));
  for (const p of r.hosts[0].ports) {
    assert.equal(p.service, lookupService(p.port, p.protocol)?.name, `${p.port}/${p.protocol}`);
  }
});

Deno.test("ReportBuilder: a later port event replaces an earlier one; port implies host up", () => {
  const b = new ReportBuilder(meta([]), { serviceName: STUB_SERVICES });
  b.add({
    type: "port",
    address: "127.0.0.9",
    protocol: "tcp",
    port: 80,
    state: "filtered",
    reason: "no-response",
  });
  b.add({
    type: "port",
    address: "127.0.0.9",
    protocol: "tcp",
    port: 80,
    state: "open",
    reason: "syn-ack",
    rttMs: 1.5,
  });
  const r = b.build({ now: T0 + 5 });
  assert.equal(r.hosts.length, 1);
  assert.equal(r.hosts[0].status, "up");
  assert.deepEqual(r.hosts[0].ports, [
    { protocol: "tcp", port: 80, state: "open", reason: "syn-ack", rttMs: 1.5, service: "http" },
  ]);
  // No start or end event: the counts fall back to what was seen, and the report is partial.
  assert.equal(r.hostsTotal, 1);
  assert.deepEqual(r.portsPerHost, { tcp: 1, udp: 0 });
  assert.equal(r.partial, true);
});

Deno.test("ReportBuilder: build mid-scan, then keep adding", () => {
  const events = basicEvents();
  const b = new ReportBuilder({ ...meta([]), startedAt: T0 - 1000 }, {
    serviceName: STUB_SERVICES,
  });
  for (const e of events.slice(0, 5)) b.add(e);
  const mid = b.build({ now: T0 + 30 });
  assert.equal(mid.partial, true);
  assert.equal(mid.startedAt, T0 - 1000);
  assert.equal(mid.endedAt, T0 + 30);
  assert.equal(mid.elapsedMs, 1030);
  assert.equal(mid.hosts[0].ports.length, 2);
  for (const e of events.slice(5)) b.add(e);
  const done = b.build();
  assert.equal(done.partial, false);
  assert.equal(done.hosts[0].ports.length, 11);
  // The earlier snapshot is not changed by later events.
  assert.equal(mid.hosts[0].ports.length, 2);
});

Deno.test("ReportBuilder: host-done without timeout does not clear an earlier timeout", () => {
  const b = new ReportBuilder(meta([]));
  b.add({ type: "host-done", address: "127.0.0.1", timedOut: true });
  b.add({ type: "host-done", address: "127.0.0.1", timedOut: false });
  assert.equal(b.build().hosts[0].timedOut, true);
});

Deno.test("ReportBuilder: a later host event updates status but keeps known hostname", () => {
  const b = new ReportBuilder(meta([]));
  b.add({ type: "host", address: "::1", hostname: "localhost", status: "up", reason: "a" });
  b.add({ type: "host", address: "::1", status: "down", reason: "b" });
  const h = b.build().hosts[0];
  assert.deepEqual([h.hostname, h.status, h.reason], ["localhost", "down", "b"]);
});

Deno.test("ReportBuilder: many ports on a host: replaced in place, same port on tcp and udp apart, services attach", () => {
  const b = new ReportBuilder(meta([]), { serviceName: STUB_SERVICES });
  const port = (protocol: "tcp" | "udp", n: number, state: "open" | "closed"): ScanEvent => ({
    type: "port",
    address: "127.0.0.9",
    protocol,
    port: n,
    state,
    reason: state === "open" ? "syn-ack" : "reset",
  });
  // More ports than a host keeps without an index, in scrambled order, both protocols.
  const numbers = [53, 7, 900, 22, 80, 1, 443, 65535, 3306, 25, 110, 8080];
  for (const n of numbers) b.add(port("tcp", n, "closed"));
  for (const n of numbers) b.add(port("udp", n, "closed"));
  b.add(port("tcp", 22, "open"));
  b.add(port("udp", 53, "open"));
  b.add({
    type: "service",
    address: "127.0.0.9",
    protocol: "udp",
    port: 53,
    name: "domain",
    cpe: [],
    method: "probed",
    confidence: 10,
  });
  const r = b.build({ now: T0 });
  const ports = r.hosts[0].ports;
  assert.equal(ports.length, 2 * numbers.length);
  const sorted = [...numbers].sort((a, c) => a - c);
  assert.deepEqual(ports.map((p) => `${p.protocol}/${p.port}`), [
    ...sorted.map((n) => `tcp/${n}`),
    ...sorted.map((n) => `udp/${n}`),
  ]);
  assert.equal(ports.find((p) => p.protocol === "tcp" && p.port === 22)?.state, "open");
  assert.equal(ports.find((p) => p.protocol === "udp" && p.port === 22)?.state, "closed");
  const dns = ports.find((p) => p.protocol === "udp" && p.port === 53)!;
  assert.equal(dns.state, "open");
  assert.equal(dns.service, "domain");
  assert.equal(ports.find((p) => p.protocol === "tcp" && p.port === 53)?.serviceInfo, undefined);
});

Deno.test("ReportBuilder: a built report keeps its ports when version detection and scripts follow", () => {
  const b = new ReportBuilder(meta([]), { serviceName: STUB_SERVICES });
  b.add({
    type: "port",
    address: "127.0.0.1",
    protocol: "tcp",
    port: 22,
    state: "open",
    reason: "syn-ack",
  });
  const before = b.build({ now: T0 });
  b.add({
    type: "service",
    address: "127.0.0.1",
    protocol: "tcp",
    port: 22,
    name: "ssh",
    product: "OpenSSH",
    method: "probed",
    confidence: 10,
  } as ScanEvent);
  b.add(
    {
      type: "script",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 22,
      id: "banner",
      output: "SSH-2.0",
    } as ScanEvent,
  );
  b.add(
    {
      type: "script",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 22,
      id: "x",
      output: "y",
    } as ScanEvent,
  );
  const after = b.build({ now: T0 });
  assert.equal(before.hosts[0].ports[0].serviceInfo, undefined);
  assert.equal(before.hosts[0].ports[0].scripts, undefined);
  assert.equal(after.hosts[0].ports[0].service, "ssh");
  assert.equal(after.hosts[0].ports[0].serviceInfo?.product, "OpenSSH");
  assert.deepEqual(after.hosts[0].ports[0].scripts?.map((s) => s.id), ["banner", "x"]);
});

Deno.test("ReportBuilder: build with openOnly keeps hosts that may have an open port, counts all", () => {
  const b = new ReportBuilder(meta([]), { serviceName: STUB_SERVICES });
  b.add({ type: "start", time: T0, scanType: "syn", ports: { tcp: 1, udp: 0 }, hosts: 3 });
  for (const [address, state] of [["192.0.2.1", "filtered"], ["192.0.2.2", "open"]] as const) {
    b.add({ type: "host", address, status: "up", reason: "user-set" });
    b.add({ type: "port", address, protocol: "tcp", port: 80, state, reason: "x" });
  }
  b.add({ type: "host", address: "192.0.2.3", status: "down", reason: "no-response" });
  const r = b.build({ now: T0, openOnly: true });
  assert.deepEqual(r.hosts.map((h) => h.address), ["192.0.2.2"]);
  assert.equal(r.hostsUp, 2);
  assert.equal(r.hostsDown, 1);
  assert.equal(b.build({ now: T0 }).hosts.length, 3);
});
