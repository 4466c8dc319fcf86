import assert from "node:assert/strict";
import { compressPorts, escapeXml, formatCtime, formatXml, partitionIgnored } from "./xml.ts";
import { foldEvents, type PortResult, type ScanReport } from "./report.ts";
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

const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";
const CI = Deno.env.get("CI") === "true";
const DTD = "/usr/share/nmap/nmap.dtd";
const XSL = "/usr/share/nmap/nmap.xsl";

/** Compares `actual` with tests/golden/`name`; with UPDATE_GOLDEN=1 rewrites the file instead. */
async function assertGolden(name: string, actual: string): Promise<void> {
  const url = new URL(`../tests/golden/${name}`, import.meta.url);
  if (UPDATE) {
    await Deno.writeTextFile(url, actual);
    return;
  }
  assert.equal(actual, await Deno.readTextFile(url));
}

function report(events: ScanEvent[], args: string[] = ["-sT", "127.0.0.1"]): ScanReport {
  return foldEvents(events, meta(args), { serviceName: STUB_SERVICES });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function onPath(tool: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${tool}`).isFile) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Oracle tests need outside tools. Locally a missing tool skips the test with a message; under
 * CI=true the test runs and fails, so CI cannot silently lose its oracle.
 */
function missing(tools: string[], files: string[]): string | undefined {
  const gone = [...tools.filter((t) => !onPath(t)), ...files.filter((f) => !exists(f))];
  if (gone.length === 0) return undefined;
  const message = `missing ${gone.join(", ")} (apt-get install libxml2-utils ndiff xsltproc nmap)`;
  if (!CI) console.warn(`skipping XML oracle test: ${message}`);
  return message;
}

async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const result = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const decoder = new TextDecoder();
  return {
    code: result.code,
    out: decoder.decode(result.stdout) + decoder.decode(result.stderr),
  };
}

const goldens: Array<[string, () => ScanEvent[], Parameters<typeof formatXml>[1]]> = [
  ["xml_basic.xml", basicEvents, {}],
  ["xml_syn.xml", synEvents, { xslHref: `file://${XSL}` }],
  ["xml_multi_host.xml", multiHostEvents, { verbosity: 1 }],
  ["xml_partial.xml", mixedPartialEvents, {
    // Port 7 was scanned twice over (a duplicate in the list), 200 was scanned but not reported.
    scannedPorts: { tcp: [...range(1, 40), 7], udp: [...range(50, 149), 200] },
  }],
];

for (const [name, events, options] of goldens) {
  Deno.test(`formatXml matches golden ${name}`, async () => {
    await assertGolden(name, formatXml(report(events()), options));
  });
}

Deno.test("compressPorts collapses runs and drops duplicates", () => {
  assert.equal(compressPorts([5, 1, 3, 2, 2, 7, 8, 65535]), "1-3,5,7-8,65535");
  assert.equal(compressPorts([]), "");
  assert.equal(compressPorts([80]), "80");
});

Deno.test("escapeXml escapes markup, quotes and whitespace, and replaces invalid characters", () => {
  assert.equal(escapeXml(`a&b<c>"d'`), "a&amp;b&lt;c&gt;&quot;d&apos;");
  assert.equal(escapeXml("x\ty\nz"), "x&#9;y&#10;z");
  assert.equal(escapeXml("bell\x07\uD800end"), "bell\uFFFD\uFFFDend");
  assert.equal(escapeXml("caf\u00e9 \u{1F600}"), "caf\u00e9 \u{1F600}");
});

Deno.test("formatCtime pads the day with a space and uses UTC", () => {
  assert.equal(formatCtime(Date.UTC(2026, 0, 5, 7, 8, 9)), "Mon Jan  5 07:08:09 2026");
  assert.equal(formatCtime(T0), "Thu Nov 26 03:00:00 2026");
});

Deno.test("partitionIgnored summarises only large non-open groups, more kept with -v", () => {
  const ports: PortResult[] = [];
  for (let p = 1; p <= 30; p++) {
    ports.push({ protocol: "tcp", port: p, state: "closed", reason: "r" });
  }
  for (let p = 31; p <= 60; p++) {
    ports.push({ protocol: "tcp", port: p, state: "open", reason: "s" });
  }
  const quiet = partitionIgnored(ports);
  assert.equal(quiet.shown.length, 30);
  assert.deepEqual(quiet.ignored.map((g) => [g.state, g.ports.length]), [["closed", 30]]);
  assert.deepEqual(quiet.ignored[0].reasons.get("r"), quiet.ignored[0].ports);
  const verbose = partitionIgnored(ports, { verbosity: 1 });
  assert.equal(verbose.shown.length, 60);
  assert.equal(verbose.ignored.length, 0);
});

Deno.test("formatXml lists every port once: shown ports plus extraports counts", () => {
  const r = report(mixedPartialEvents());
  const xml = formatXml(r);
  const shown = xml.match(/<port protocol=/g)?.length ?? 0;
  const extra = [...xml.matchAll(/<extraports state="[^"]+" count="(\d+)"/g)]
    .reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(shown + extra, r.hosts[0].ports.length);
  assert.match(xml, /<host [^>]*timedout="true"/);
  assert.match(xml, /exit="error"/);
});

Deno.test("formatXml scanner attribute defaults to nmap and can name Portolan", () => {
  const r = report(basicEvents());
  assert.match(formatXml(r), /<nmaprun scanner="nmap" args="portolan -sT 127.0.0.1"/);
  assert.match(formatXml(r, { scanner: "portolan" }), /<nmaprun scanner="portolan"/);
});

Deno.test("formatXml keeps hostile names out of the markup", () => {
  const events: ScanEvent[] = [
    {
      type: "host",
      address: "127.0.0.1",
      hostname: `"><x a='--'>&\x01`,
      status: "up",
      reason: "r",
    },
    { type: "end", time: T0, partial: false },
  ];
  const xml = formatXml(report(events, ["--script", "<b>&"]));
  assert.ok(!xml.includes("<x "));
  assert.ok(!xml.includes("\x01"));
  // "--" inside a comment would end the document's well-formedness.
  const comment = xml.match(/<!--(.*)-->/)?.[1] ?? "";
  assert.ok(!comment.includes("--"), comment);
});

/** Reports that exercise every branch of the writer, for the DTD and the stylesheet. */
function oracleReports(): Array<[string, string]> {
  const hostile: ScanEvent[] = [
    { type: "start", time: T0, scanType: "window", ports: { tcp: 1, udp: 0 }, hosts: 1 },
    { type: "host", address: "127.0.0.1", hostname: `a"<&>'\t`, status: "up", reason: "user-set" },
    {
      type: "port",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 1,
      state: "closed|filtered",
      reason: "a&b",
    },
    { type: "end", time: T0 + 1, partial: false },
  ];
  const pingOnly: ScanEvent[] = [
    { type: "start", time: T0, scanType: "ping", ports: { tcp: 0, udp: 0 }, hosts: 3 },
    { type: "host", address: "127.0.0.1", status: "up", reason: "localhost-response" },
    { type: "host", address: "::1", status: "down", reason: "no-response" },
    {
      type: "host",
      address: "198.18.0.10",
      status: "up",
      reason: "arp-response",
      latencyMs: 0.2,
      mac: "02:50:54:00:00:0a",
    },
    { type: "end", time: T0 + 5, partial: false },
  ];
  return [
    ["basic", formatXml(report(basicEvents()))],
    ["syn", formatXml(report(synEvents()), { xslHref: `file://${XSL}`, verbosity: 2 })],
    ["multi", formatXml(report(multiHostEvents()))],
    ["closed", formatXml(report(allClosedEvents()))],
    ["partial", formatXml(report(mixedPartialEvents(), ["-sS", "-sU", "--max-rate", "10"]))],
    ["hostile", formatXml(report(hostile, ["-sW", "--reason", "<&>"]))],
    ["ping-only", formatXml(report(pingOnly, ["-sn", "127.0.0.1", "::1", "198.18.0.10"]))],
    ["empty", formatXml(report([]))],
  ];
}

const dtdMissing = missing(["xmllint"], [DTD]);
Deno.test({
  name: "formatXml output validates against nmap's DTD",
  ignore: dtdMissing !== undefined && !CI,
  async fn() {
    assert.equal(dtdMissing, undefined, dtdMissing);
    const dir = await Deno.makeTempDir();
    try {
      for (const [name, xml] of oracleReports()) {
        const path = `${dir}/${name}.xml`;
        await Deno.writeTextFile(path, xml);
        const { code, out } = await run("xmllint", ["--noout", "--dtdvalid", DTD, path]);
        assert.equal(code, 0, `${name}: ${out}`);
      }
      // The check must be able to fail: the DTD rejects an unknown scanner name.
      const bad = `${dir}/bad.xml`;
      await Deno.writeTextFile(bad, formatXml(report(basicEvents()), { scanner: "portolan" }));
      assert.notEqual((await run("xmllint", ["--noout", "--dtdvalid", DTD, bad])).code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const ndiffMissing = missing(["ndiff"], []);
Deno.test({
  name: "ndiff reads Portolan XML and reports a changed port",
  ignore: ndiffMissing !== undefined && !CI,
  async fn() {
    assert.equal(ndiffMissing, undefined, ndiffMissing);
    const before = multiHostEvents();
    const after = before.map((e): ScanEvent =>
      e.type === "port" && e.address === "127.0.0.2" && e.port === 40022
        ? { ...e, state: "closed", reason: "conn-refused" }
        : e
    );
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/a.xml`, formatXml(report(before)));
      await Deno.writeTextFile(`${dir}/b.xml`, formatXml(report(after)));
      const same = await run("ndiff", [`${dir}/a.xml`, `${dir}/a.xml`]);
      assert.equal(same.code, 0, same.out);
      const diff = await run("ndiff", [`${dir}/a.xml`, `${dir}/b.xml`]);
      // ndiff exits 1 when the scans differ, 2 on errors.
      assert.equal(diff.code, 1, diff.out);
      assert.match(diff.out, /127\.0\.0\.2/);
      assert.match(diff.out, /^-40022\/tcp\s+open/m);
      assert.match(diff.out, /^\+40022\/tcp\s+closed/m);
      // Only that port changed: no other port line is marked.
      assert.equal(diff.out.split("\n").filter((l) => /^[-+]\d+\//.test(l)).length, 2);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const xsltMissing = missing(["xsltproc"], [XSL]);
Deno.test({
  name: "nmap.xsl renders Portolan XML to HTML",
  ignore: xsltMissing !== undefined && !CI,
  async fn() {
    assert.equal(xsltMissing, undefined, xsltMissing);
    const dir = await Deno.makeTempDir();
    try {
      const xml = formatXml(report(multiHostEvents()), { xslHref: `file://${XSL}` });
      assert.ok(xml.includes(`<?xml-stylesheet href="file://${XSL}" type="text/xsl"?>`));
      await Deno.writeTextFile(`${dir}/scan.xml`, xml);
      const { code, out } = await run("xsltproc", [
        "-o",
        `${dir}/scan.html`,
        XSL,
        `${dir}/scan.xml`,
      ]);
      assert.equal(code, 0, out);
      assert.equal(out.trim(), "", "xsltproc printed warnings");
      const html = await Deno.readTextFile(`${dir}/scan.html`);
      assert.match(html, /<html/i);
      for (const address of ["127.0.0.1", "127.0.0.2", "127.0.0.3"]) {
        assert.ok(html.includes(address));
      }
      assert.ok(html.includes("40022"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
