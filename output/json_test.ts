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
