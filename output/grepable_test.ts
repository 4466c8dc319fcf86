import assert from "node:assert/strict";
import { formatGrepable, type GrepableOptions } from "./grepable.ts";
import { foldEvents, type ScanReport } from "./report.ts";
import type { PortEvent, PortState, ScanEvent } from "../engine/events.ts";
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

const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";
const CI = Deno.env.get("CI") === "true";

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

const goldens: Array<[string, () => ScanEvent[], string[], GrepableOptions]> = [
  ["grepable_basic.gnmap", basicEvents, ["-sT", "-p", "20-30", "127.0.0.1"], {}],
  ["grepable_syn.gnmap", synEvents, ["-sS", "-p", "1-1000", "127.0.0.1"], {}],
  ["grepable_multi_host.gnmap", multiHostEvents, ["-v", "-p", "20-22,40022", "127.0.0.1-3"], {
    verbosity: 1,
  }],
  ["grepable_all_closed.gnmap", allClosedEvents, ["-sT", "127.0.0.1"], {}],
  ["grepable_partial.gnmap", mixedPartialEvents, ["-sS", "-sU", "::1"], {}],
];

for (const [name, events, args, options] of goldens) {
  Deno.test(`formatGrepable matches golden ${name}`, async () => {
    await assertGolden(name, formatGrepable(report(events(), args), options));
  });
}

Deno.test("formatGrepable writes nmap's host line layout", () => {
  const text = formatGrepable(report(basicEvents(), ["-sT", "-p", "20-30", "127.0.0.1"]));
  const lines = text.trimEnd().split("\n");
  assert.equal(
    lines[0],
    "# Portolan 0.1.0 scan initiated Thu Nov 26 03:00:00 2026 as: portolan -sT -p 20-30 127.0.0.1",
  );
  assert.equal(lines[1], "Host: 127.0.0.1 (localhost)\tStatus: Up");
  assert.ok(lines[2].startsWith("Host: 127.0.0.1 (localhost)\tPorts: 20/closed/tcp/////, "));
  assert.ok(lines[2].includes(", 22/open/tcp//ssh///, "));
  assert.equal(lines[2].split(", ").length, 11);
  assert.equal(
    lines[3],
    "# Portolan done at Thu Nov 26 03:00:00 2026 -- 1 IP address (1 host up) scanned in 0.06 seconds",
  );
});

Deno.test("formatGrepable hides down hosts unless verbose, then lists ports scanned", () => {
  const quiet = formatGrepable(report(multiHostEvents(), []));
  assert.ok(!quiet.includes("127.0.0.3"));
  const verbose = formatGrepable(report(multiHostEvents(), []), { verbosity: 1 });
  assert.ok(verbose.includes("Host: 127.0.0.3 ()\tStatus: Down\n"));
  assert.ok(
    verbose.includes("# Ports scanned: TCP(4;20-22,40022) UDP(0;) SCTP(0;) PROTOCOLS(0;)\n"),
  );
});

Deno.test("formatGrepable keeps names from splitting fields", () => {
  const events: ScanEvent[] = [
    { type: "start", time: T0, scanType: "connect", ports: { tcp: 1, udp: 0 }, hosts: 1 },
    { type: "host", address: "127.0.0.1", hostname: "a\tb\nc", status: "up", reason: "r" },
    { type: "port", address: "127.0.0.1", protocol: "tcp", port: 9, state: "open", reason: "x" },
    { type: "end", time: T0, partial: false },
  ];
  const r = foldEvents(events, meta(["x\ny"]), { serviceName: () => "a/b,c" });
  const lines = formatGrepable(r).trimEnd().split("\n");
  assert.equal(lines.length, 4);
  assert.equal(lines[2], "Host: 127.0.0.1 (a b c)\tPorts: 9/open/tcp//a|b|c///");
});

Deno.test("formatGrepable marks an interrupted scan", () => {
  const text = formatGrepable(report(mixedPartialEvents(), []));
  assert.ok(text.includes("\tIgnored State: open|filtered (98)"));
  assert.ok(text.includes("# Scan interrupted; these results are incomplete\n"));
  assert.ok(text.includes("2 IP addresses (1 host up) scanned in 95.50 seconds"));
});

// ---- oracle: nmap's own -oG on loopback, rebuilt from its results, must match line for line.

function onPath(tool: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(":").some((dir) => {
    try {
      return Deno.statSync(`${dir}/${tool}`).isFile;
    } catch {
      return false;
    }
  });
}

/** Turns nmap's grepable host lines back into events, services included, ignored ports too. */
function eventsFromNmap(lines: string[], range: { from: number; to: number }): {
  events: ScanEvent[];
  services: Map<number, string>;
} {
  const events: ScanEvent[] = [];
  const services = new Map<number, string>();
  for (const line of lines) {
    const m = line.match(/^Host: (\S+) \(([^)]*)\)\t(.*)$/);
    if (m === null) continue;
    const [, address, name, rest] = m;
    if (rest.startsWith("Status: ")) {
      events.push({
        type: "host",
        address,
        hostname: name || undefined,
        status: "up",
        reason: "r",
      });
      continue;
    }
    const fields = Object.fromEntries(
      rest.split("\t").map((f) => {
        const i = f.indexOf(": ");
        return [f.slice(0, i), f.slice(i + 2)];
      }),
    );
    const listed = new Set<number>();
    for (const entry of (fields["Ports"] ?? "").split(", ").filter((e: string) => e !== "")) {
      const [port, state, protocol, , service] = entry.split("/");
      listed.add(Number(port));
      if (service !== "") services.set(Number(port), service);
      const ev: PortEvent = {
        type: "port",
        address,
        protocol: protocol as "tcp",
        port: Number(port),
        state: state as PortState,
        reason: "x",
      };
      events.push(ev);
    }
    const ignored = (fields["Ignored State"] ?? "").match(/^(\S+) \((\d+)\)$/);
    for (let port = range.from; port <= range.to && ignored !== null; port++) {
      if (listed.has(port)) continue;
      events.push({
        type: "port",
        address,
        protocol: "tcp",
        port,
        state: ignored[1] as PortState,
        reason: "x",
      });
    }
  }
  return { events, services };
}

async function nmapGrepable(ports: string): Promise<string[]> {
  const out = await new Deno.Command("nmap", {
    args: ["-n", "-sT", "-Pn", "-p", ports, "-oG", "-", "127.0.0.1"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).trimEnd().split("\n");
}

const nmapMissing = onPath("nmap") ? undefined : "nmap is not installed";
if (nmapMissing !== undefined && !CI) console.warn(`skipping grepable oracle: ${nmapMissing}`);

Deno.test({
  name: "formatGrepable reproduces nmap's -oG host lines for the same results",
  ignore: nmapMissing !== undefined && !CI,
  async fn() {
    assert.equal(nmapMissing, undefined, nmapMissing);
    // An open port among closed ones, and a range large enough for "Ignored State".
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const open = (listener.addr as Deno.NetAddr).port;
    try {
      for (const range of [{ from: 20, to: 30 }, { from: 1, to: 60 }]) {
        const spec = `${range.from}-${range.to},${open}`;
        const theirs = await nmapGrepable(spec);
        const { events, services } = eventsFromNmap(theirs, range);
        assert.ok(events.some((e) => e.type === "port" && e.port === open && e.state === "open"));
        const total = range.to - range.from + 2;
        const ours = formatGrepable(
          foldEvents(
            [
              {
                type: "start",
                time: T0,
                scanType: "connect",
                ports: { tcp: total, udp: 0 },
                hosts: 1,
              },
              ...events,
              { type: "end", time: T0, partial: false },
            ],
            meta([]),
            { serviceName: (port) => services.get(port) },
          ),
        ).trimEnd().split("\n");
        const hostLines = (lines: string[]) => lines.filter((l) => l.startsWith("Host: "));
        assert.deepEqual(hostLines(ours), hostLines(theirs));
        // Header and footer differ only in the program's name, version, time and duration.
        const shape = (l: string) =>
          l.replace(/^# \w+ [\d.]+ scan initiated .* as: .*$/, "# HEAD")
            .replace(/^# \w+ done at .* -- (.*) scanned in [\d.]+ seconds$/, "# DONE $1");
        assert.deepEqual(ours.map(shape).filter((l) => l.startsWith("#")), [
          "# HEAD",
          "# DONE 1 IP address (1 host up)",
        ]);
        assert.deepEqual(theirs.map(shape).filter((l) => l.startsWith("#")), [
          "# HEAD",
          "# DONE 1 IP address (1 host up)",
        ]);
      }
    } finally {
      listener.close();
    }
  },
});

Deno.test("formatGrepable adds nmap's OS field from -O's best matches", () => {
  const events: ScanEvent[] = [
    { type: "start", time: T0, scanType: "syn", ports: { tcp: 1, udp: 0 }, hosts: 1 },
    { type: "host", address: "127.0.0.1", status: "up", reason: "r" },
    { type: "port", address: "127.0.0.1", protocol: "tcp", port: 22, state: "open", reason: "x" },
    {
      type: "os",
      address: "127.0.0.1",
      active: {
        fingerprint: "SCAN()",
        exact: false,
        matches: [
          { name: "Linux 5.4 - 6.x", accuracy: 96, cpe: [] },
          { name: "Android 10", accuracy: 96, cpe: [] },
          { name: "FreeBSD 13", accuracy: 88, cpe: [] },
        ],
      },
    },
    { type: "end", time: T0, partial: false },
  ];
  const lines = formatGrepable(foldEvents(events, meta([]), { serviceName: () => "ssh" })).split(
    "\n",
  );
  assert.equal(
    lines[2],
    "Host: 127.0.0.1 ()\tPorts: 22/open/tcp//ssh///\tOS: Linux 5.4 - 6.x | Android 10",
  );
});
