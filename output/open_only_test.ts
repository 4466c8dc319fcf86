import assert from "node:assert/strict";
import { foldEvents } from "./report.ts";
import { formatXml } from "./xml.ts";
import { formatGrepable } from "./grepable.ts";
import { formatJson } from "./json.ts";
import { formatNormal } from "./normal.ts";
import type { ScanEvent } from "../engine/events.ts";
import { meta, STUB_SERVICES, T0 } from "../tests/golden/fixtures.ts";

/** 192.0.2.1: 80 open, 81-110 closed; 192.0.2.2: 80 filtered only (nothing that may be open). */
function events(): ScanEvent[] {
  const list: ScanEvent[] = [
    { type: "start", time: T0, scanType: "syn", ports: { tcp: 31, udp: 0 }, hosts: 2 },
    { type: "host", address: "192.0.2.1", status: "up", reason: "user-set" },
    { type: "host", address: "192.0.2.2", status: "up", reason: "user-set" },
    {
      type: "port",
      address: "192.0.2.1",
      protocol: "tcp",
      port: 80,
      state: "open",
      reason: "syn-ack",
    },
    {
      type: "port",
      address: "192.0.2.2",
      protocol: "tcp",
      port: 80,
      state: "filtered",
      reason: "no-response",
    },
  ];
  for (let port = 81; port <= 110; port++) {
    list.push({
      type: "port",
      address: "192.0.2.1",
      protocol: "tcp",
      port,
      state: "closed",
      reason: "reset",
    });
  }
  list.push({ type: "end", time: T0 + 100, partial: false });
  return list;
}

const report = () => foldEvents(events(), meta([]), { serviceName: STUB_SERVICES });

Deno.test("--open: XML leaves out hosts with nothing open; the rest go to extraports", () => {
  const xml = formatXml(report(), { openOnly: true });
  assert.ok(xml.includes('addr="192.0.2.1"'));
  assert.ok(!xml.includes('addr="192.0.2.2"'));
  assert.ok(xml.includes('<extraports state="closed" count="30">'), xml);
  assert.ok(xml.includes('<hosts up="2" down="0" total="2"/>'));
  // Without --open both hosts are written.
  assert.ok(formatXml(report()).includes('addr="192.0.2.2"'));
});

Deno.test("--open: grepable lists only hosts and ports that may be open", () => {
  const text = formatGrepable(report(), { openOnly: true });
  assert.ok(!text.includes("192.0.2.2"));
  const ports = text.split("\n").find((l) => l.includes("Ports:"))!;
  assert.ok(ports.includes("80/open/tcp"), ports);
  assert.ok(!ports.includes("closed/tcp"), ports);
  assert.ok(ports.includes("Ignored State: closed (30)"), ports);
});

Deno.test("--open: JSON keeps the totals, drops hosts with nothing open and non-open ports", () => {
  const doc = JSON.parse(formatJson(report(), { openOnly: true }));
  assert.equal(doc.hostsUp, 2);
  assert.deepEqual(doc.hosts.map((h: { address: string }) => h.address), ["192.0.2.1"]);
  assert.deepEqual(doc.hosts[0].ports.map((p: { port: number }) => p.port), [80]);
  const all = JSON.parse(formatJson(report()));
  assert.equal(all.hosts.length, 2);
  assert.equal(all.hosts[0].ports.length, 31);
});

Deno.test("--open: the normal report shows the same hosts", () => {
  const r = report();
  const normal = formatNormal(r, { openOnly: true });
  assert.ok(normal.includes("192.0.2.1") && !normal.includes("192.0.2.2"));
});
