/** The renderer must survive any shape in `audit`, so tests put arbitrary values there. */
function setAudit(port: unknown, value: unknown): void {
  (port as { audit?: unknown }).audit = value;
}

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { escapeHtml, formatHtml } from "./html.ts";
import { foldEvents, type PortResult, type ScanReport } from "./report.ts";
import type { ScanEvent } from "../engine/events.ts";
import {
  basicEvents,
  meta,
  mixedPartialEvents,
  multiHostEvents,
  portRange,
  STUB_SERVICES,
  synEvents,
  T0,
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

function report(events: ScanEvent[], args: string[] = ["-sT", "127.0.0.1"]): ScanReport {
  return foldEvents(events, meta(args), { serviceName: STUB_SERVICES });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** `-sV -p 20-30,443` on one host: SSH and a TLS web server with a certificate. */
function serviceEvents(): ScanEvent[] {
  const ports = portRange("127.0.0.1", { protocol: "tcp", from: 20, to: 30 }, {
    state: "closed",
    reason: "conn-refused",
  }, { 22: { state: "open", reason: "syn-ack" } });
  return [
    { type: "start", time: T0, scanType: "connect", ports: { tcp: 12, udp: 0 }, hosts: 1 },
    {
      type: "host",
      address: "127.0.0.1",
      hostname: "localhost",
      status: "up",
      reason: "localhost-response",
      latencyMs: 0.08,
    },
    ...ports,
    {
      type: "port",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 443,
      state: "open",
      reason: "syn-ack",
    },
    {
      type: "service",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 22,
      name: "ssh",
      product: "OpenSSH",
      version: "9.2p1 Debian 2+deb12u3",
      extraInfo: "protocol 2.0",
      osHint: "Linux",
      cpe: ["cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"],
      method: "probed",
      confidence: 10,
      evidence: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\\r\\n",
    },
    {
      type: "service",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 443,
      name: "ssl/http",
      product: "nginx",
      version: "1.22.1",
      tunnel: "ssl",
      cpe: [],
      method: "probed",
      confidence: 8,
      tls: {
        protocol: "TLSv1.3",
        cipher: "TLS_AES_256_GCM_SHA384",
        subject: "CN=localhost",
        issuer: "CN=localhost",
        sans: ["DNS:localhost", "IP Address:127.0.0.1"],
        notBefore: "2026-01-01T00:00:00Z",
        notAfter: "2026-12-10T00:00:00Z",
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      },
    },
    { type: "host-done", address: "127.0.0.1", timedOut: false },
    { type: "end", time: T0 + 3_200, partial: false },
  ];
}

/** The service report with audit findings attached the way a future `--audit` might. */
function auditedReport(): ScanReport {
  const r = report(serviceEvents(), ["-sV", "-p", "20-30,443", "127.0.0.1"]);
  const ports = r.hosts[0].ports as Array<PortResult & { audit?: unknown }>;
  setAudit(ports.find((p) => p.port === 22)!, {
    risk: "low",
    recommendation: "Disable password logins.",
  });
  setAudit(ports.find((p) => p.port === 443)!, [
    { risk: "medium", recommendation: "Replace the self-signed certificate." },
    { risk: 9.8, recommendation: "Upgrade nginx.", title: "CVE-2026-0001" },
  ]);
  return r;
}

Deno.test("golden: basic connect scan", async () => {
  const html = formatHtml(report(basicEvents(), ["-sT", "-p", "20-30", "127.0.0.1"]), {
    scannedPorts: { tcp: range(20, 30), udp: [] },
  });
  await assertGolden("report_basic.html", html);
});

Deno.test("golden: SYN scan of 1000 ports", async () => {
  const html = formatHtml(report(synEvents(), ["-sS", "-p", "1-1000", "127.0.0.1"]), {
    scannedPorts: { tcp: range(1, 1000), udp: [] },
  });
  await assertGolden("report_syn.html", html);
});

Deno.test("golden: three hosts, one down", async () => {
  const html = formatHtml(report(multiHostEvents(), ["-p", "20-22,40022", "127.0.0.1-3"]));
  await assertGolden("report_multi_host.html", html);
});

Deno.test("golden: interrupted TCP+UDP scan with warnings and a timed-out host", async () => {
  const html = formatHtml(report(mixedPartialEvents(), ["-sS", "-sU", "::1"]), {
    scannedPorts: { tcp: range(1, 40), udp: range(50, 149) },
  });
  await assertGolden("report_partial.html", html);
});

Deno.test("golden: services with TLS and audit findings", async () => {
  const html = formatHtml(auditedReport(), {
    scannedPorts: { tcp: [...range(20, 30), 443], udp: [] },
  });
  await assertGolden("report_services.html", html);
});

Deno.test("summary header: command, start, duration, hosts and ports", () => {
  const html = formatHtml(report(multiHostEvents(), ["-p", "20-22,40022", "127.0.0.1-3"]));
  assert.ok(html.includes("<code>portolan -p 20-22,40022 127.0.0.1-3</code>"));
  assert.ok(
    html.includes(
      `<time datetime="2026-11-26T03:00:00.000Z">2026-11-26 <span class="muted">03:00:00 UTC</span>`,
    ),
  );
  assert.ok(html.includes("<dt>Duration</dt><dd>2.41 s</dd>"));
  assert.ok(html.includes(`<dt>Hosts up</dt><dd>2 <span class="muted">of 3</span>`));
  assert.ok(html.includes("<dt>Hosts down</dt><dd>1</dd>"));
  assert.ok(html.includes("<dt>Ports per host</dt><dd>4 TCP</dd>"));
  assert.ok(html.includes("<dt>Open ports</dt><dd>2</dd>"));
  // Two up hosts get cards, the down one goes to the compact list.
  assert.equal(count(html, `<article class="host"`), 2);
  assert.ok(/<section class="down"[^]*127\.0\.0\.3[^]*no-response/.test(html));
  // The overview links each live host to its card and names its open ports.
  assert.ok(
    html.includes(`<tr data-host="host-2"><td><a class="mono" href="#host-2">127.0.0.2</a>`),
  );
  assert.ok(html.includes(`<span class="chip">22/tcp ssh</span>`));
  assert.ok(html.includes(`<span class="chip">40022/tcp</span>`));
  // Filtering only makes sense with more than one card.
  assert.ok(html.includes(`id="controls" hidden`));
  const single = formatHtml(report(basicEvents()));
  assert.ok(!single.includes(`id="controls"`));
  assert.ok(!single.includes(`class="overview"`));
});

Deno.test("open ports table lists open ports, counts closed ones instead", () => {
  const html = formatHtml(report(synEvents()), { scannedPorts: { tcp: range(1, 1000), udp: [] } });
  const table = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"));
  assert.equal(count(table, "<tr"), 3);
  assert.ok(
    table.includes(">22/tcp<") && table.includes(">80/tcp<") && table.includes(">443/tcp<"),
  );
  assert.ok(table.includes('syn-ack <span class="muted">ttl 64</span>'));
  assert.ok(html.includes("Not listed: 997 closed tcp ports (reset)"));
});

Deno.test("port map: one square per port for small scans, with state classes and tooltips", () => {
  const html = formatHtml(report(basicEvents()), { scannedPorts: { tcp: range(20, 30), udp: [] } });
  const rects = html.match(/<rect [^>]*>/g) ?? [];
  assert.equal(rects.length, 11);
  assert.equal(rects.filter((r) => r.includes(`class="st-open"`)).length, 1);
  assert.ok(html.includes(`<rect class="st-open" x="80" y="0" width="18"`));
  assert.ok(html.includes("<title>22/tcp open (ssh)</title>"));
  assert.ok(html.includes("<title>23/tcp closed</title>"));
});

Deno.test("port map: large maps merge plain runs within a row", () => {
  const html = formatHtml(report(synEvents()), { scannedPorts: { tcp: range(1, 1000), udp: [] } });
  const rects = html.match(/<rect [^>]*>/g) ?? [];
  // 16 rows of 64; rows 1, 2 and 7 are split by 22, 80 and 443 into three pieces.
  assert.equal(rects.length, 16 + 3 * 2);
  assert.ok(html.includes("<title>1–21/tcp: 21 closed</title>"));
  assert.ok(html.includes("<title>443/tcp filtered (https)</title>"));
  assert.ok(html.includes("<title>961–1000/tcp: 40 closed</title>"));
});

Deno.test("port map: ports scanned without a result show as 'no result'", () => {
  const html = formatHtml(report(basicEvents()), { scannedPorts: { tcp: range(20, 40), udp: [] } });
  assert.equal((html.match(/<rect class="st-none"/g) ?? []).length, 10);
  assert.ok(html.includes("<title>31/tcp no result</title>"));
  assert.ok(html.includes(`st-none" aria-hidden="true"></span>no result <b>10</b>`));
});

Deno.test("port map: a full -p- scan is bucketed and stays small", () => {
  const all = range(1, 65535);
  const open = new Set([22, 80, 443, 8080, 65000]);
  const events: ScanEvent[] = [
    { type: "start", time: T0, scanType: "syn", ports: { tcp: all.length, udp: 0 }, hosts: 1 },
    { type: "host", address: "127.0.0.1", status: "up", reason: "user-set" },
    ...all.map((port): ScanEvent => ({
      type: "port",
      address: "127.0.0.1",
      protocol: "tcp",
      port,
      state: open.has(port) ? "open" : port >= 30000 && port < 30100 ? "filtered" : "closed",
      reason: open.has(port) ? "syn-ack" : "reset",
    })),
    { type: "end", time: T0 + 5000, partial: false },
  ];
  const r = report(events, ["-p-", "127.0.0.1"]);
  const started = performance.now();
  const html = formatHtml(r, { scannedPorts: { tcp: all, udp: [] } });
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 2000, `took ${elapsed} ms`);
  assert.ok(html.includes("each cell covers 64 ports"));
  const rects = html.match(/<rect /g) ?? [];
  // 16 rows of closed runs, broken by the open and filtered buckets: far below one per bucket.
  assert.ok(rects.length < 60, `${rects.length} rects`);
  assert.ok(html.length < 60_000, `${html.length} bytes`);
  // The bucket holding port 22 is coloured open and says what it holds.
  assert.ok(html.includes("<title>1–64/tcp: 1 open, 63 closed</title>"));
  assert.ok(html.includes("<title>64961–65024/tcp: 1 open, 63 closed</title>"));
  // The whole range is covered: the last bucket ends at 65535.
  assert.ok(
    /<title>65473–65535\/tcp: 63 closed<\/title>|–65535\/tcp: [\d,]+ closed<\/title>/.test(html),
  );
  // Filtered ports get their own colour in the legend with their count.
  assert.ok(html.includes(`st-filt" aria-hidden="true"></span>filtered <b>100</b>`));
  assert.ok(html.includes(`st-closed" aria-hidden="true"></span>closed <b>65,430</b>`));
});

Deno.test("services: TLS details, badges, CPE and banner", () => {
  const html = formatHtml(report(serviceEvents()));
  assert.ok(html.includes('TLSv1.3 <span class="muted">TLS_AES_256_GCM_SHA384</span>'));
  assert.ok(html.includes(`<span class="chip">DNS:localhost</span>`));
  assert.ok(html.includes(`<span class="tag warn">self-signed</span>`));
  // notAfter is 2026-12-10, the scan ran 2026-11-26: 13 days and some hours left.
  assert.ok(html.includes(`<span class="tag warn">expires in 13 days</span>`));
  assert.ok(html.includes("cpe:2.3:a:openbsd:openssh:9.2p1"));
  assert.ok(html.includes("<pre>SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\\r\\n</pre>"));
  assert.ok(html.includes("OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)"));
  assert.ok(html.includes(`<dt>OS</dt><dd>Linux <span class="muted">(service banners)</span>`));
});

Deno.test("risk: rendered when port.audit exists, sorted by severity", () => {
  const html = formatHtml(auditedReport());
  const section = html.slice(html.indexOf(`<section class="risks"`));
  const order = ["risk-critical", "risk-medium", "risk-low"].map((c) => section.indexOf(c));
  assert.ok(order.every((i) => i >= 0), "all three findings rendered");
  assert.deepEqual([...order].sort((a, b) => a - b), order);
  assert.ok(section.includes("<b>CVE-2026-0001</b><p>Upgrade nginx.</p>"));
  assert.ok(html.includes(`<span class="risk risk-critical">1 critical</span>`));
  // Without the field, no section and no summary tile.
  const plain = formatHtml(report(serviceEvents()));
  assert.ok(!plain.includes(`class="risks"`) && !plain.includes("<dt>Findings</dt>"));
});

Deno.test("OS: active matches, passive hint and service hints", () => {
  const r = report(serviceEvents());
  r.hosts[0].os = {
    passive: {
      family: "Linux",
      versionRange: "3.x-6.x",
      cpe: [],
      confidence: 82,
      reasons: ["ttl 64 fits", "window 65483 fits"],
      distance: 0,
      signature: "linux-modern",
    },
    active: {
      fingerprint: "SCAN(V=0.1.0)SEQ(SP=101)",
      matches: [
        { name: "Linux 6.1", accuracy: 96, cpe: [] },
        { name: "Linux 5.15", accuracy: 91, cpe: [] },
      ],
      exact: false,
    },
  };
  const html = formatHtml(r);
  const os = html.slice(
    html.indexOf("<dt>OS</dt>"),
    html.indexOf("</dd>", html.indexOf("<dt>OS</dt>")),
  );
  const lines = os.split("<br>");
  assert.deepEqual(lines.map((l) => l.replace(/<[^>]+>/g, "").replace(/^OS/, "")), [
    "Linux 6.1 (96%, active)",
    "Linux 5.15 (91%, active)",
    "Linux 3.x-6.x (82%, passive, 0 hops)",
    "Linux (service banners)",
  ]);
  assert.ok(html.includes("<li>window 65483 fits</li>"));
  assert.ok(html.includes("<pre>SCAN(V=0.1.0)SEQ(SP=101)</pre>"));
});

Deno.test("optional fields of the wrong shape are ignored, not fatal", () => {
  const r = report(serviceEvents());
  const host = r.hosts[0] as unknown as {
    os?: unknown;
    ports: Array<PortResult & { audit?: unknown }>;
  };
  setAudit(host.ports[0], "high");
  setAudit(host.ports[1], null);
  setAudit(host.ports[2], [42, { foo: 1 }, { risk: { nested: true } }]);
  host.os = { active: { matches: [null, 7, { accuracy: "x" }] }, passive: { reasons: "no" } };
  const html = formatHtml(r);
  assert.ok(!html.includes(`class="risks"`));
  assert.ok(
    html.includes('<dt>OS</dt><dd>Linux <span class="muted">(service banners)</span></dd>'),
  );
});

Deno.test("XSS: strings from the network are escaped everywhere", () => {
  const evil = `<script>alert(1)</script>`;
  const attr = `" onmouseover="alert(2)`;
  const img = `<img src=x onerror=alert(3)>`;
  const events = serviceEvents().map((e): ScanEvent => {
    if (e.type === "host") return { ...e, hostname: `${evil}${attr}` };
    if (e.type === "service" && e.port === 22) {
      return { ...e, product: evil, evidence: `${img}${evil}`, hostname: attr, cpe: [evil] };
    }
    if (e.type === "service" && e.tls) {
      return {
        ...e,
        name: `ssl/${evil}`,
        tls: { ...e.tls, subject: evil, issuer: img, sans: [attr], sha256: evil },
      };
    }
    return e;
  });
  events.push({ type: "warning", message: evil });
  const r = foldEvents(events, meta(["-sV", evil, "127.0.0.1"]), { serviceName: STUB_SERVICES });
  const ports = r.hosts[0].ports as Array<PortResult & { audit?: unknown }>;
  setAudit(ports[0], { risk: evil, recommendation: img, title: attr });
  r.hosts[0].os = {
    active: { fingerprint: evil, matches: [{ name: evil, accuracy: 90, cpe: [] }], exact: true },
  };
  const html = formatHtml(r);
  // The page's own script is the only script element.
  assert.equal(count(html.toLowerCase(), "<script"), 1);
  assert.equal(count(html.toLowerCase(), "<img"), 0);
  assert.ok(!html.includes(`" onmouseover`));
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(html.includes("&quot; onmouseover=&quot;alert(2)"));
  // Hostile risk names never become class names.
  assert.ok(html.includes(`class="risk risk-unknown">&lt;script&gt;`));
});

Deno.test("escapeHtml: markup, quotes, controls and lone surrogates", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
  assert.equal(escapeHtml("a\u0000b\u001bc\u007fd"), "a\uFFFDb\uFFFDc\uFFFDd");
  assert.equal(escapeHtml("tab\tline\nend\r"), "tab\tline\nend\r");
  assert.equal(escapeHtml("x\ud800y\udc00z"), "x\uFFFDy\uFFFDz");
  assert.equal(escapeHtml("emoji \u{1F30D}"), "emoji \u{1F30D}");
});

Deno.test("self-contained: no external references, CSP hashes match the inline blocks", () => {
  const html = formatHtml(auditedReport());
  assert.ok(!/\b(?:src|href)="(?!data:)/.test(html), "no src/href other than data:");
  assert.ok(!/https?:\/\/(?!www\.w3\.org\/2000\/svg")/.test(html), "no URLs but the SVG namespace");
  const hash = (text: string) => createHash("sha256").update(text).digest("base64");
  const style = html.match(/<style>([^]*?)<\/style>/)![1];
  const script = html.match(/<script>([^]*?)<\/script>/)![1];
  const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]*)"/)![1];
  assert.ok(csp.includes(`default-src 'none'`));
  assert.ok(csp.includes(`style-src 'sha256-${hash(style)}'`));
  assert.ok(csp.includes(`script-src 'sha256-${hash(script)}'`));
  assert.ok(!html.includes(' style="'), "inline style attributes would be blocked by the CSP");
});

Deno.test("deterministic: 'generated' defaults to the scan's end, 'now' overrides it", () => {
  const r = report(basicEvents());
  assert.equal(formatHtml(r), formatHtml(r));
  assert.ok(formatHtml(r).includes("generated 2026-11-26 03:00:00 UTC"));
  const later = formatHtml(r, { now: new Date(Date.UTC(2027, 0, 2, 3, 4, 5)) });
  assert.ok(later.includes("generated 2027-01-02 03:04:05 UTC"));
});

Deno.test("empty report and a report of only down hosts render", () => {
  const empty = formatHtml(foldEvents([], meta([]), { now: T0 }));
  assert.ok(empty.includes("No hosts were found."));
  const downOnly = formatHtml(report([
    { type: "start", time: T0, scanType: "connect", ports: { tcp: 1, udp: 0 }, hosts: 1 },
    { type: "host", address: "127.0.0.9", status: "down", reason: "no-response" },
    { type: "end", time: T0 + 10, partial: false },
  ]));
  assert.equal(count(downOnly, `<article class="host"`), 0);
  assert.ok(downOnly.includes("1 host down"));
});
