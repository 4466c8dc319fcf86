/**
 * Renders the HTML report (`-oH`) in real headless Chromium: the page must lay out, its script
 * must run under its own Content-Security-Policy without console errors, hostile strings must stay
 * text, and the host cards and open ports must be in the rendered DOM.
 *
 * Needs the Debian package `chromium`. Without it the tests are skipped with a message; under
 * CI=true they run and fail, so CI cannot silently lose them. Set HTML_SCREENSHOT_DIR to keep the
 * screenshots for a look.
 *
 * @module
 */
import assert from "node:assert/strict";
import { formatHtml } from "../output/html.ts";
import { foldEvents, type PortResult, type ScanReport } from "../output/report.ts";
import type { ScanEvent } from "../engine/events.ts";
import { meta, multiHostEvents, portRange, STUB_SERVICES, T0 } from "./golden/fixtures.ts";

const CI = Deno.env.get("CI") === "true";

function findChromium(): string | undefined {
  const override = Deno.env.get("CHROMIUM");
  const names = override ? [override] : ["chromium", "chromium-browser"];
  for (const name of names) {
    if (name.includes("/")) {
      if (isFile(name)) return name;
      continue;
    }
    for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
      if (dir !== "" && isFile(`${dir}/${name}`)) return `${dir}/${name}`;
    }
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const CHROMIUM = findChromium();
if (CHROMIUM === undefined && !CI) {
  console.warn(
    "html_browser_test: chromium not found (apt-get install chromium); browser tests skipped",
  );
}
const ignore = CHROMIUM === undefined && !CI;

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

/** One headless Chromium run with a fresh profile; nothing is fetched from any network. */
async function chromium(args: string[]): Promise<Run> {
  if (CHROMIUM === undefined) throw new Error("chromium not found: apt-get install -y chromium");
  const profile = await Deno.makeTempDir({ prefix: "portolan_chromium_" });
  try {
    const command = new Deno.Command(CHROMIUM, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        `--user-data-dir=${profile}`,
        "--enable-logging=stderr",
        "--v=0",
        ...args,
      ],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    });
    const out = await command.output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { stdout: decode(out.stdout), stderr: decode(out.stderr), code: out.code };
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}

/** Console lines Chromium logged for the page: errors, CSP refusals, uncaught exceptions. */
function pageProblems(stderr: string): string[] {
  return stderr.split("\n").filter((line) =>
    /Uncaught|Refused to|Content Security Policy|CONSOLE\(\d+\)\].*[Ee]rror/.test(line)
  );
}

const EVIL = `<script>document.title="pwned"</script>`;
const EVIL_IMG = `<img src=x onerror="document.title='pwned'">`;

/** Three hosts: one with services, TLS and a hostile banner, one plain, one down. */
function richReport(): ScanReport {
  const events: ScanEvent[] = [
    ...multiHostEvents().filter((e) => e.type !== "end" && e.type !== "start"),
    ...portRange("127.0.0.1", { protocol: "tcp", from: 440, to: 450 }, {
      state: "closed",
      reason: "conn-refused",
    }, { 443: { state: "open", reason: "syn-ack" } }),
    {
      type: "service",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 22,
      name: "ssh",
      product: EVIL,
      version: "9.2p1",
      cpe: [],
      method: "probed",
      confidence: 10,
      evidence: `${EVIL_IMG}${EVIL}`,
    },
    {
      type: "service",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 443,
      name: "ssl/http",
      product: "nginx",
      cpe: [],
      tunnel: "ssl",
      method: "probed",
      confidence: 8,
      tls: {
        protocol: "TLSv1.3",
        cipher: "TLS_AES_128_GCM_SHA256",
        subject: `CN=${EVIL}`,
        issuer: "CN=Test CA",
        sans: ["DNS:localhost"],
        notBefore: "2025-01-01T00:00:00Z",
        notAfter: "2026-01-01T00:00:00Z",
        sha256: "ab".repeat(32),
      },
    },
  ];
  const r = foldEvents(
    [
      { type: "start", time: T0, scanType: "connect", ports: { tcp: 15, udp: 0 }, hosts: 3 },
      ...events,
      { type: "end", time: T0 + 2410, partial: false },
    ],
    meta(["-sV", "-p", "20-22,440-450,40022", "127.0.0.1-3"]),
    { serviceName: STUB_SERVICES },
  );
  const ports = r.hosts.find((h) => h.address === "127.0.0.1")!.ports as Array<
    PortResult & { audit?: unknown }
  >;
  ports.find((p) => p.port === 443)!.audit = {
    risk: "high",
    findings: [],
    recommendation: EVIL_IMG,
  };
  return r;
}

/** A -p- scan of one host: the bucketed map. */
function fullRangeReport(): ScanReport {
  const open = new Set([22, 80, 443, 5432, 8080]);
  const events: ScanEvent[] = [
    { type: "start", time: T0, scanType: "syn", ports: { tcp: 65535, udp: 0 }, hosts: 1 },
    { type: "host", address: "127.0.0.1", status: "up", reason: "user-set", latencyMs: 0.05 },
    ...portRange("127.0.0.1", { protocol: "tcp", from: 1, to: 65535 }, {
      state: "closed",
      reason: "reset",
    }),
    ...[...open].map((port): ScanEvent => ({
      type: "port",
      address: "127.0.0.1",
      protocol: "tcp",
      port,
      state: "open",
      reason: "syn-ack",
    })),
    { type: "end", time: T0 + 4000, partial: false },
  ];
  return foldEvents(events, meta(["-sS", "-p-", "127.0.0.1"], "syn"), {
    serviceName: STUB_SERVICES,
  });
}

async function writePage(dir: string, name: string, html: string): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, html);
  return `file://${path}`;
}

async function keepScreenshot(path: string, name: string): Promise<void> {
  const keep = Deno.env.get("HTML_SCREENSHOT_DIR");
  if (keep) await Deno.copyFile(path, `${keep}/${name}`);
}

function isPng(bytes: Uint8Array): boolean {
  return [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b);
}

Deno.test({
  name: "browser: console errors are detected at all (control page)",
  ignore,
  async fn() {
    // Without this control, a logging flag that stopped working would make the real check vacuous.
    const dir = await Deno.makeTempDir({ prefix: "portolan_html_" });
    try {
      const url = await writePage(
        dir,
        "control.html",
        `<!DOCTYPE html><title>control</title><script>null.boom();</script>`,
      );
      const run = await chromium(["--dump-dom", url]);
      assert.ok(pageProblems(run.stderr).some((l) => l.includes("Uncaught")), run.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "browser: the report renders host cards and open ports, script runs, no console errors",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "portolan_html_" });
    try {
      const url = await writePage(dir, "report.html", formatHtml(richReport()));
      const run = await chromium(["--dump-dom", url]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(pageProblems(run.stderr), []);
      const dom = run.stdout;
      // The inline script ran, so its CSP hash is right.
      assert.ok(dom.includes(`data-js="ready"`), "page script did not run");
      // With two hosts up the filter controls are revealed by script.
      assert.match(dom, /<div class="controls" id="controls">/);
      assert.ok(dom.includes("2 of 2 hosts shown"));
      const cards = dom.match(/<article class="host"[^>]*>/g) ?? [];
      assert.equal(cards.length, 2);
      assert.ok(dom.includes(`<h2 id="h1"><span class="hostname">localhost</span>`));
      for (const port of ["22/tcp", "443/tcp"]) {
        assert.match(dom, new RegExp(`<tr class="is-open"><td class="mono">${port}</td>`));
      }
      assert.match(dom, /<tr class="is-open"><td class="mono">40022\/tcp<\/td>/);
      assert.ok(dom.includes("127.0.0.3"), "down host listed");
      // Hostile strings stayed text: no extra element, nothing ran.
      assert.equal((dom.match(/<script/g) ?? []).length, 1);
      assert.equal((dom.match(/<img/g) ?? []).length, 0);
      assert.ok(!dom.includes("<title>pwned</title>"));
      assert.ok(dom.includes('&lt;script&gt;document.title="pwned"&lt;/script&gt;'));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "browser: screenshots of a services report and a bucketed -p- report",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "portolan_html_" });
    try {
      const pages: Array<[string, ScanReport]> = [
        ["report_rich", richReport()],
        ["report_full_range", fullRangeReport()],
      ];
      for (const [name, report] of pages) {
        const url = await writePage(dir, `${name}.html`, formatHtml(report));
        const png = `${dir}/${name}.png`;
        const run = await chromium([`--screenshot=${png}`, "--window-size=1280,2000", url]);
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(pageProblems(run.stderr), []);
        const bytes = await Deno.readFile(png);
        assert.ok(isPng(bytes), `${name}: not a PNG`);
        // A blank page compresses to a few kilobytes; a rendered report does not.
        assert.ok(bytes.length > 30_000, `${name}: screenshot only ${bytes.length} bytes`);
        await keepScreenshot(png, `${name}.png`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "browser: the report prints to PDF",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "portolan_html_" });
    try {
      const url = await writePage(dir, "report.html", formatHtml(richReport()));
      const pdf = `${dir}/report.pdf`;
      const run = await chromium([`--print-to-pdf=${pdf}`, "--no-pdf-header-footer", url]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(pageProblems(run.stderr), []);
      const bytes = await Deno.readFile(pdf);
      assert.equal(new TextDecoder().decode(bytes.subarray(0, 5)), "%PDF-");
      assert.ok(bytes.length > 10_000, `PDF only ${bytes.length} bytes`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
