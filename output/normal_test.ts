import assert from "node:assert/strict";
import { formatLatency, formatNormal, formatStartLine, type NormalOptions } from "./normal.ts";
import { foldEvents, type ScanReport } from "./report.ts";
import type { ScanEvent } from "../engine/events.ts";
import {
  allClosedEvents,
  basicEvents,
  meta,
  mixedPartialEvents,
  multiHostEvents,
  STUB_SERVICES,
  synEvents,
  T0,
} from "../tests/golden/fixtures.ts";

function assertEquals<T>(actual: T, expected: T): void {
  assert.deepStrictEqual(actual, expected);
}

function assertStringIncludes(actual: string, expected: string): void {
  assert.ok(actual.includes(expected), `expected to find:\n${expected}\nin:\n${actual}`);
}

const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";

/** Compares `actual` with tests/golden/`name`; with UPDATE_GOLDEN=1 rewrites the file instead. */
async function assertGolden(name: string, actual: string): Promise<void> {
  const url = new URL(`../tests/golden/${name}`, import.meta.url);
  if (UPDATE) {
    await Deno.writeTextFile(url, actual);
    return;
  }
  assertEquals(actual, await Deno.readTextFile(url));
}

function report(events: ScanEvent[], args: string[] = []): ScanReport {
  return foldEvents(events, meta(args), { serviceName: STUB_SERVICES });
}

const goldens: Array<[string, () => ScanEvent[], NormalOptions]> = [
  ["normal_basic.txt", basicEvents, {}],
  ["normal_reason.txt", synEvents, { reason: true }],
  ["normal_open.txt", synEvents, { openOnly: true }],
  ["normal_multi_host.txt", multiHostEvents, {}],
  ["normal_multi_host_verbose.txt", multiHostEvents, { verbosity: 1, reason: true }],
  ["normal_multi_host_open.txt", multiHostEvents, { openOnly: true }],
  ["normal_all_ignored.txt", allClosedEvents, {}],
  ["normal_partial.txt", mixedPartialEvents, { reason: true }],
];

for (const [name, events, options] of goldens) {
  Deno.test(`formatNormal matches golden ${name}`, async () => {
    await assertGolden(name, formatNormal(report(events()), options));
  });
}

Deno.test("formatStartLine uses UTC minutes", () => {
  assertEquals(
    formatStartLine("0.1.0", new Date(T0 + 59_999)),
    "Starting Portolan 0.1.0 at 2026-11-26 03:00 UTC",
  );
});

Deno.test("formatLatency keeps two significant digits like nmap", () => {
  assertEquals(formatLatency(0.12), "0.00012");
  assertEquals(formatLatency(1), "0.0010");
  assertEquals(formatLatency(0.0996), "0.00010");
  assertEquals(formatLatency(130), "0.13");
  assertEquals(formatLatency(1234), "1.2");
  assertEquals(formatLatency(12_345), "12");
});

Deno.test("formatNormal: now overrides the start time and header can be left out", () => {
  const r = report(basicEvents());
  const text = formatNormal(r, { now: new Date(Date.UTC(2030, 0, 2, 4, 5)) });
  assertEquals(text.split("\n")[0], "Starting Portolan 0.1.0 at 2030-01-02 04:05 UTC");
  const bare = formatNormal(r, { header: false });
  assertEquals(bare.split("\n")[0], "Portolan scan report for localhost (127.0.0.1)");
});

Deno.test("formatNormal: hiding threshold is 25 ports per state, times verbosity + 1", () => {
  const events = (closed: number): ScanEvent[] => [
    { type: "start", time: T0, scanType: "connect", ports: { tcp: closed + 1, udp: 0 }, hosts: 1 },
    { type: "host", address: "127.0.0.1", status: "up", reason: "user-set" },
    ...Array.from({ length: closed + 1 }, (_, i): ScanEvent => ({
      type: "port",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 1000 + i,
      state: i === 0 ? "open" : "closed",
      reason: i === 0 ? "syn-ack" : "conn-refused",
    })),
    { type: "end", time: T0 + 10, partial: false },
  ];
  const hidden = (closed: number, verbosity: number) =>
    formatNormal(report(events(closed)), { verbosity }).includes("Not shown:");
  assertEquals(hidden(25, 0), false);
  assertEquals(hidden(26, 0), true);
  assertEquals(hidden(50, 1), false);
  assertEquals(hidden(51, 1), true);
  assertStringIncludes(
    formatNormal(report(events(26))),
    "Not shown: 26 closed tcp ports (conn-refused)\nPORT     STATE SERVICE\n1000/tcp open  unknown\n",
  );
});

Deno.test("formatNormal: -vv implies the REASON column", () => {
  const text = formatNormal(report(basicEvents()), { verbosity: 2 });
  assertStringIncludes(text, "Host is up, received localhost-response (0.00012s latency).");
  assertStringIncludes(text, "PORT   STATE  SERVICE REASON\n20/tcp closed unknown conn-refused\n");
});

Deno.test("formatNormal: -sn on a LAN prints latency, reason and MAC like nmap", () => {
  const r = report([
    { type: "start", time: T0, scanType: "ping", ports: { tcp: 0, udp: 0 }, hosts: 2 },
    {
      type: "host",
      address: "198.18.0.10",
      status: "up",
      reason: "arp-response",
      latencyMs: 0.1,
      mac: "02:50:54:00:00:0a",
    },
    { type: "host", address: "198.18.0.50", status: "down", reason: "no-response" },
    { type: "end", time: T0 + 10, partial: false },
  ]);
  assertEquals(
    formatNormal(r, { header: false, reason: true }),
    "Portolan scan report for 198.18.0.10\n" +
      "Host is up, received arp-response (0.00010s latency).\n" +
      "MAC Address: 02:50:54:00:00:0A (Unknown)\n" +
      "Portolan done: 2 IP addresses (1 host up) scanned in 0.01 seconds\n",
  );
});

Deno.test("formatNormal: ping-scan reports have no port section", () => {
  const r = report([
    { type: "start", time: T0, scanType: "ping", ports: { tcp: 0, udp: 0 }, hosts: 2 },
    { type: "host", address: "127.0.0.1", status: "up", reason: "localhost-response" },
    { type: "host", address: "127.0.0.2", status: "up", reason: "localhost-response" },
    { type: "end", time: T0 + 10, partial: false },
  ]);
  assertEquals(
    formatNormal(r, { header: false }),
    "Portolan scan report for 127.0.0.1\nHost is up.\n" +
      "Portolan scan report for 127.0.0.2\nHost is up.\n" +
      "Portolan done: 2 IP addresses (2 hosts up) scanned in 0.01 seconds\n",
  );
});
