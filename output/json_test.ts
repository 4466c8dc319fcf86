import assert from "node:assert/strict";
import { formatJson, JSON_SCHEMA_ID } from "./json.ts";
import { foldEvents, type ScanReport } from "./report.ts";
import type { ScanEvent } from "../engine/events.ts";
import {
  basicEvents,
  meta,
  mixedPartialEvents,
  multiHostEvents,
  STUB_SERVICES,
} from "../tests/golden/fixtures.ts";

const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";

/** Compares `actual` with tests/golden/`name`; with UPDATE_GOLDEN=1 rewrites the file instead. */
async function assertGolden(name: string, actual: string): Promise<void> {
  const url = new URL(`../tests/golden/${name}`, import.meta.url);
  if (UPDATE) {
    await Deno.writeTextFile(url, actual);
    return;
  }
  assert.equal(actual, await Deno.readTextFile(url));
}

function report(events: ScanEvent[], args: string[]): ScanReport {
  return foldEvents(events, meta(args), { serviceName: STUB_SERVICES });
}

Deno.test("formatJson matches golden report_basic.json", async () => {
  await assertGolden(
    "report_basic.json",
    formatJson(report(basicEvents(), ["-sT", "-p", "20-30", "127.0.0.1"])),
  );
});

Deno.test("formatJson matches golden report_multi_host.json", async () => {
  await assertGolden(
    "report_multi_host.json",
    formatJson(report(multiHostEvents(), ["-p", "20-22,40022", "127.0.0.1-3"])),
  );
});

Deno.test("formatJson: schema first, documented key order, absent facts omitted", () => {
  const doc = JSON.parse(formatJson(report(mixedPartialEvents(), [])));
  assert.deepEqual(Object.keys(doc), [
    "schema",
    "version",
    "args",
    "scanType",
    "startedAt",
    "endedAt",
    "elapsedMs",
    "partial",
    "hostsTotal",
    "hostsUp",
    "hostsDown",
    "portsPerHost",
    "warnings",
    "hosts",
  ]);
  assert.equal(doc.schema, JSON_SCHEMA_ID);
  assert.equal(doc.startedAt, "2026-11-26T03:00:00.000Z");
  assert.equal(doc.elapsedMs, 95_500);
  assert.equal(doc.partial, true);
  const host = doc.hosts[0];
  assert.deepEqual(Object.keys(host), [
    "address",
    "hostname",
    "status",
    "reason",
    "timedOut",
    "ports",
  ]);
  assert.deepEqual(Object.keys(host.ports[0]), ["protocol", "port", "state", "reason"]);
  const smtp = host.ports.find((p: { port: number }) => p.port === 25);
  assert.deepEqual(Object.keys(smtp), [
    "protocol",
    "port",
    "state",
    "reason",
    "reasonTtl",
    "service",
  ]);
});

Deno.test("formatJson: key order does not depend on the report's property order", () => {
  const r = report(basicEvents(), []);
  const shuffled = Object.fromEntries(Object.entries(r).reverse()) as unknown as ScanReport;
  assert.equal(formatJson(shuffled), formatJson(r));
});

Deno.test("formatJson: one port per line, every other field pretty-printed", () => {
  const text = formatJson(report(multiHostEvents(), []));
  const portLines = text.split("\n").filter((line) => line.includes('"protocol":'));
  assert.equal(portLines.length, 8);
  for (const line of portLines) {
    const body = line.trim().replace(/,$/, "");
    const port = JSON.parse(body);
    assert.equal(typeof port.port, "number");
    assert.ok(line.startsWith('        {"protocol":"tcp"'), line);
  }
});

Deno.test("formatJson: ports with details and hostile strings keep their data", () => {
  const r = report(mixedPartialEvents(), []);
  const host = r.hosts[0];
  // A script whose output looks like the separator between two ports, and a plain host.
  host.ports[0] = {
    ...host.ports[0],
    scripts: [{ id: "x", output: '},{"protocol":"tcp"}\n"quoted" \\ back', elapsedMs: 1 }],
    serviceInfo: { name: "x},{", method: "probed", confidence: 10 } as never,
  };
  const plain = { ...host, address: "192.0.2.9", ports: host.ports.map((p) => ({ ...p })) };
  for (const p of plain.ports) {
    delete p.scripts;
    delete p.serviceInfo;
    p.reason = '},{"protocol":"udp"';
  }
  const withHosts = { ...r, hosts: [host, plain] };
  const text = formatJson(withHosts);
  const doc = JSON.parse(text);
  assert.equal(doc.hosts[0].ports[0].scripts[0].output, '},{"protocol":"tcp"}\n"quoted" \\ back');
  assert.equal(doc.hosts[0].ports[0].serviceInfo.name, "x},{");
  assert.equal(doc.hosts[1].ports.length, host.ports.length);
  assert.ok(
    doc.hosts[1].ports.every((p: { reason: string }) => p.reason === '},{"protocol":"udp"'),
  );
  assert.deepEqual(
    doc.hosts[1].ports.map((p: { port: number }) => p.port),
    plain.ports.map((p) => p.port),
  );
});

Deno.test("formatJson: a report without hosts, and a host with an OS hint after its ports", () => {
  const empty = report([], []);
  assert.deepEqual(JSON.parse(formatJson(empty)).hosts, []);
  const r = report(mixedPartialEvents(), []);
  r.hosts[0].os = {
    passive: {
      family: "Linux",
      confidence: 80,
      distance: 0,
      cpe: ["cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"],
      reasons: ["ttl 64"],
    } as never,
  };
  const doc = JSON.parse(formatJson(r));
  assert.deepEqual(Object.keys(doc.hosts[0]).slice(-2), ["ports", "osPassive"]);
  assert.equal(doc.hosts[0].osPassive.family, "Linux");
});

Deno.test("formatJson: host fields one per line, hostile names and MACs kept", () => {
  const r = report(multiHostEvents(), []);
  r.hosts[1] = { ...r.hosts[1], hostname: 'a"b\\c\u00e9\n', mac: "02:00:00:00:00:01" };
  const text = formatJson(r);
  const doc = JSON.parse(text);
  assert.equal(doc.hosts[1].hostname, 'a"b\\c\u00e9\n');
  assert.equal(doc.hosts[1].mac, "02:00:00:00:00:01");
  assert.deepEqual(Object.keys(doc.hosts[1]), [
    "address",
    "hostname",
    "status",
    "reason",
    "latencyMs",
    "mac",
    "timedOut",
    "ports",
  ]);
  assert.ok(text.includes('\n      "mac": "02:00:00:00:00:01",\n'));
});
