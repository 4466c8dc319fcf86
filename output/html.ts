/**
 * The HTML report (`-oH`): one self-contained page meant to be looked at rather than read
 * through. A summary header, then a card per host that is up with a port-state map, the ports
 * worth listing, service and TLS details, and audit findings when a future `--audit` attaches
 * them. Down hosts are listed compactly at the end.
 *
 * The page loads nothing: CSS and a little JavaScript are inline, and a Content-Security-Policy
 * allows only those two blocks (by hash), so even a string that escaped escaping could neither
 * run script nor fetch anything. Every string that may come from the network (banners, names,
 * certificate fields) is escaped anyway.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { PortState, Protocol, TlsInfo } from "../engine/events.ts";
import type { HostReport, PortResult, ScanReport, ScriptRecord } from "./report.ts";
import { compressPorts, partitionIgnored } from "./xml.ts";

/** Options for {@link formatHtml}. */
export interface HtmlOptions {
  /**
   * The ports scanned per protocol. The report only keeps results, so without this the map
   * covers the union of ports that have a result on some host.
   */
  scannedPorts?: { tcp: number[]; udp: number[] };
  /** Time printed as "generated"; defaults to the scan's end so output is reproducible. */
  now?: Date;
}

/** Fields a later phase may attach to a port; read defensively because none exists yet. */
interface AuditFinding {
  risk: string;
  recommendation: string;
  title?: string;
}

/** What the writer reads from an optional OS guess, whatever its exact shape turns out to be. */
interface OsLine {
  text: string;
  /** Where the line came from ("active", "passive, 2 hops", "service banners"). */
  source: string;
  confidence?: number;
}

type MapState = PortState | "none";

/** Open first: a bucket is coloured by the most interesting state it holds. */
const STATE_PRIORITY: readonly MapState[] = [
  "open",
  "open|filtered",
  "unfiltered",
  "filtered",
  "closed|filtered",
  "closed",
  "none",
];

const STATE_CLASS: Record<MapState, string> = {
  "open": "st-open",
  "open|filtered": "st-openfilt",
  "unfiltered": "st-unfilt",
  "filtered": "st-filt",
  "closed|filtered": "st-closedfilt",
  "closed": "st-closed",
  "none": "st-none",
};

const STATE_LABEL: Record<MapState, string> = {
  "open": "open",
  "open|filtered": "open|filtered",
  "unfiltered": "unfiltered",
  "filtered": "filtered",
  "closed|filtered": "closed|filtered",
  "closed": "closed",
  "none": "no result",
};

const RISK_ORDER = ["critical", "high", "medium", "low", "info"] as const;

/** Above this many ports a protocol's map groups consecutive ports into one cell. */
const MAX_CELLS = 1024;
const MAP_COLUMNS = 64;
const CELL = 12;
/** Cell side for maps of at most one row: a handful of ports deserves bigger squares. */
const BIG_CELL = 18;
const GAP = 2;
const LABEL_WIDTH = 40;

/** C0 controls (but tab, newline, CR), DEL and lone surrogates: not text a page should carry. */
const UNSAFE_CHARS =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Escapes text for HTML element content and quoted attribute values. Control characters and
 * lone surrogates become U+FFFD, so a hostile banner cannot corrupt the page.
 *
 * @example
 * ```ts
 * escapeHtml(`<script>alert("x")</script>`); // "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(UNSAFE_CHARS, "\uFFFD").replace(/[&<>"']/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return "&#39;";
    }
  });
}

const h = escapeHtml;

function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function plural(n: number, one: string, many: string): string {
  return `${grouped(n)} ${n === 1 ? one : many}`;
}

function isoUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** "60 ms", "1.23 s", "1 min 35.5 s", "2 h 03 min". */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(2)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${(s % 60).toFixed(1)} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** Milliseconds with two significant digits below 10 ms ("0.12 ms", "2.2 ms", "35 ms"). */
function formatMs(ms: number): string {
  if (!(ms > 0)) return "0 ms";
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${Number(ms.toPrecision(2))} ms`;
}

function hasHostname(host: HostReport): boolean {
  return host.hostname !== undefined && host.hostname !== "" && host.hostname !== host.address;
}

function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A port's audit findings: `audit` may be one finding or a list; anything malformed is skipped. */
function auditFindings(port: PortResult): AuditFinding[] {
  const raw = (port as PortResult & { audit?: unknown }).audit;
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  const out: AuditFinding[] = [];
  for (const item of list) {
    if (typeof item !== "object" || item === null) continue;
    const record = item as Record<string, unknown>;
    const risk = textOf(record.risk);
    const recommendation = textOf(record.recommendation) ?? "";
    if (risk === undefined && recommendation === "") continue;
    const finding: AuditFinding = { risk: risk ?? "unknown", recommendation };
    const title = textOf(record.title) ?? textOf(record.id);
    if (title !== undefined) finding.title = title;
    out.push(finding);
  }
  return out;
}

/** A known severity name for CSS and sorting, or "unknown"; numbers follow CVSS bands. */
function riskLevel(risk: string): (typeof RISK_ORDER)[number] | "unknown" {
  const word = risk.trim().toLowerCase();
  for (const level of RISK_ORDER) if (word === level) return level;
  if (word === "informational" || word === "none") return "info";
  const score = Number(word);
  if (word !== "" && Number.isFinite(score)) {
    if (score >= 9) return "critical";
    if (score >= 7) return "high";
    if (score >= 4) return "medium";
    if (score > 0) return "low";
    return "info";
  }
  return "unknown";
}

function riskRank(risk: string): number {
  const level = riskLevel(risk);
  return level === "unknown" ? RISK_ORDER.length : RISK_ORDER.indexOf(level);
}

/**
 * OS lines for the host's facts: active detection's best guesses, the passive hint, then what
 * services said. Read defensively: a report parsed back from JSON may lack any field.
 */
function osLines(host: HostReport): OsLine[] {
  const out: OsLine[] = [];
  const active = host.os?.active;
  const matches = Array.isArray(active?.matches) ? active.matches : [];
  for (const match of matches.slice(0, 3)) {
    const name = textOf(match?.name);
    if (name === undefined) continue;
    const line: OsLine = { text: name, source: active?.exact ? "exact match" : "active" };
    if (typeof match.accuracy === "number") line.confidence = match.accuracy;
    out.push(line);
  }
  const note = textOf(active?.note);
  if (note !== undefined) out.push({ text: note, source: "note" });
  const passive = host.os?.passive;
  const family = textOf(passive?.family);
  if (passive !== undefined && family !== undefined) {
    const version = textOf(passive.versionRange);
    const line: OsLine = { text: version ? `${family} ${version}` : family, source: "passive" };
    if (typeof passive.confidence === "number") line.confidence = passive.confidence;
    if (typeof passive.distance === "number") {
      line.source += `, ${plural(passive.distance, "hop", "hops")}`;
    }
    out.push(line);
  }
  const hints = new Set<string>();
  for (const p of host.ports) {
    const hint = p.serviceInfo?.osHint;
    if (hint !== undefined && hint !== "") hints.add(hint);
  }
  for (const hint of hints) out.push({ text: hint, source: "service banners" });
  return out;
}

/** The evidence behind the OS lines, folded: passive reasons and the active fingerprint. */
function osDetails(host: HostReport): string[] {
  const reasons = Array.isArray(host.os?.passive?.reasons)
    ? host.os.passive.reasons.filter((r) => typeof r === "string")
    : [];
  const fingerprint = textOf(host.os?.active?.fingerprint);
  if (reasons.length === 0 && fingerprint === undefined) return [];
  const out = [`<details class="banner os-details"><summary>OS evidence</summary>`];
  if (reasons.length > 0) {
    out.push(`<ul class="reasons">${reasons.map((r) => `<li>${h(r)}</li>`).join("")}</ul>`);
  }
  if (fingerprint !== undefined) out.push(`<pre>${h(fingerprint)}</pre>`);
  out.push(`</details>`);
  return out;
}

/** The sorted, de-duplicated port list a protocol's map covers. */
function mapPorts(report: ScanReport, options: HtmlOptions, protocol: Protocol): number[] {
  const given = options.scannedPorts?.[protocol];
  const set = new Set<number>(given ?? []);
  if (given === undefined) {
    for (const host of report.hosts) {
      for (const p of host.ports) if (p.protocol === protocol) set.add(p.port);
    }
  }
  return [...set].sort((a, b) => a - b);
}

interface Cell {
  first: number;
  last: number;
  counts: Map<MapState, number>;
  top: MapState;
  /** The single port's result, when the cell holds one port. */
  only?: PortResult;
}

function buildCells(ports: number[], results: Map<number, PortResult>): Cell[] {
  const size = Math.max(1, Math.ceil(ports.length / MAX_CELLS));
  const cells: Cell[] = [];
  for (let i = 0; i < ports.length; i += size) {
    const slice = ports.slice(i, i + size);
    const counts = new Map<MapState, number>();
    for (const port of slice) {
      const state: MapState = results.get(port)?.state ?? "none";
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
    const top = STATE_PRIORITY.find((s) => counts.has(s)) ?? "none";
    const cell: Cell = { first: slice[0], last: slice[slice.length - 1], counts, top };
    if (slice.length === 1) {
      const only = results.get(slice[0]);
      if (only !== undefined) cell.only = only;
    }
    cells.push(cell);
  }
  return cells;
}

function countsText(counts: Map<MapState, number>): string {
  return STATE_PRIORITY.filter((s) => counts.has(s))
    .map((s) => `${grouped(counts.get(s) ?? 0)} ${STATE_LABEL[s]}`).join(", ");
}

function cellTitle(cell: Cell, protocol: Protocol): string {
  if (cell.first === cell.last) {
    const service = cell.only?.service;
    return `${cell.first}/${protocol} ${STATE_LABEL[cell.top]}${service ? ` (${service})` : ""}`;
  }
  return `${cell.first}–${cell.last}/${protocol}: ${countsText(cell.counts)}`;
}

/** A cell that can merge with neighbours: one state, nothing to say beyond it. */
function isPlain(cell: Cell): boolean {
  return cell.counts.size === 1 && cell.top !== "open";
}

/** Below this many cells every port keeps its own square; merging only pays on big maps. */
const MERGE_ABOVE = 256;

/**
 * The port map as inline SVG: one cell per port, or per run of consecutive scanned ports when
 * there are more than {@link MAX_CELLS}. Plain neighbours in a row share one rectangle, which
 * keeps a 65,535-port map of a quiet host down to a few dozen elements.
 */
function portMapSvg(
  protocol: Protocol,
  ports: number[],
  results: Map<number, PortResult>,
  label: string,
): string {
  const cells = buildCells(ports, results);
  const columns = Math.min(MAP_COLUMNS, cells.length);
  const rows = Math.ceil(cells.length / columns);
  const cell = cells.length <= MAP_COLUMNS ? BIG_CELL : CELL;
  const pitch = cell + GAP;
  const width = LABEL_WIDTH + columns * pitch - GAP;
  const height = rows * pitch - GAP;
  const out = [
    `<svg class="portmap" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${h(label)}</title>`,
  ];
  for (let row = 0; row < rows; row++) {
    const y = row * pitch;
    const rowCells = cells.slice(row * columns, (row + 1) * columns);
    out.push(
      `<text class="axis" x="${LABEL_WIDTH - 6}" y="${y + cell - 3}" text-anchor="end">${
        rowCells[0].first
      }</text>`,
    );
    let i = 0;
    while (i < rowCells.length) {
      let j = i;
      if (cells.length > MERGE_ABOVE && isPlain(rowCells[i])) {
        while (
          j + 1 < rowCells.length && isPlain(rowCells[j + 1]) &&
          rowCells[j + 1].top === rowCells[i].top
        ) j++;
      }
      const x = LABEL_WIDTH + i * pitch;
      const w = (j - i + 1) * pitch - GAP;
      let title: string;
      if (i === j) title = cellTitle(rowCells[i], protocol);
      else {
        let total = 0;
        for (let k = i; k <= j; k++) total += rowCells[k].counts.get(rowCells[k].top) ?? 0;
        title = `${rowCells[i].first}–${rowCells[j].last}/${protocol}: ${grouped(total)} ${
          STATE_LABEL[rowCells[i].top]
        }`;
      }
      out.push(
        `<rect class="${
          STATE_CLASS[rowCells[i].top]
        }" x="${x}" y="${y}" width="${w}" height="${cell}" rx="2"><title>${
          h(title)
        }</title></rect>`,
      );
      i = j + 1;
    }
  }
  out.push("</svg>");
  return out.join("\n");
}

function legend(counts: Map<MapState, number>): string {
  const items = STATE_PRIORITY.filter((s) => counts.has(s)).map((s) =>
    `<li><span class="swatch ${STATE_CLASS[s]}" aria-hidden="true"></span>${h(STATE_LABEL[s])} <b>${
      grouped(counts.get(s) ?? 0)
    }</b></li>`
  );
  return `<ul class="legend">${items.join("")}</ul>`;
}

function portMaps(host: HostReport, report: ScanReport, options: HtmlOptions): string[] {
  const out: string[] = [];
  for (const protocol of ["tcp", "udp"] as const) {
    const ports = mapPorts(report, options, protocol);
    if (ports.length === 0) continue;
    const results = new Map<number, PortResult>();
    for (const p of host.ports) if (p.protocol === protocol) results.set(p.port, p);
    const counts = new Map<MapState, number>();
    for (const port of ports) {
      const state: MapState = results.get(port)?.state ?? "none";
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
    const perCell = Math.ceil(ports.length / MAX_CELLS);
    const note = perCell > 1 ? ` · each cell covers ${perCell} ports` : "";
    const proto = protocol.toUpperCase();
    out.push(
      `<figure class="map">`,
      `<figcaption><span class="proto">${proto}</span> ${
        plural(ports.length, "port", "ports")
      }${note}</figcaption>`,
      legend(counts),
      portMapSvg(
        protocol,
        ports,
        results,
        `${proto} port map of ${host.address}: ${countsText(counts)}`,
      ),
      `</figure>`,
    );
  }
  return out;
}

function versionText(port: PortResult): string {
  const info = port.serviceInfo;
  if (info === undefined) return "";
  const words = [info.product, info.version].filter((w) => w !== undefined && w !== "");
  if (info.extraInfo) words.push(`(${info.extraInfo})`);
  return words.join(" ");
}

function stateBadge(state: PortState): string {
  return `<span class="state ${STATE_CLASS[state]}">${h(state)}</span>`;
}

function serviceCell(port: PortResult): string {
  const name = port.service ?? "unknown";
  const info = port.serviceInfo;
  const guess = info?.method === "table"
    ? ` <abbr class="guess" title="nothing answered; the usual service for this port">?</abbr>`
    : "";
  const tls = info?.tunnel === "ssl" || info?.tls !== undefined
    ? ` <span class="tag">TLS</span>`
    : "";
  return `${h(name)}${guess}${tls}`;
}

function reasonCell(port: PortResult): string {
  const ttl = port.reasonTtl === undefined
    ? ""
    : ` <span class="muted">ttl ${port.reasonTtl}</span>`;
  return `${h(port.reason)}${ttl}`;
}

function describeIgnored(
  groups: ReturnType<typeof partitionIgnored>["ignored"],
  closedShown: PortResult[],
): string[] {
  const parts: string[] = [];
  for (const g of groups) {
    const reasons = [...g.reasons.entries()].sort((a, b) => b[1].length - a[1].length);
    const why = reasons.length === 1
      ? reasons[0][0]
      : reasons.map(([r, list]) => `${grouped(list.length)} ${r}`).join(", ");
    parts.push(
      `${
        plural(g.ports.length, `${g.state} ${g.protocol} port`, `${g.state} ${g.protocol} ports`)
      } (${why})`,
    );
  }
  // Closed ports are never worth a row; they are counted here instead.
  for (const protocol of ["tcp", "udp"] as const) {
    const list = closedShown.filter((p) => p.protocol === protocol);
    if (list.length === 0) continue;
    const reasons = new Map<string, number>();
    for (const p of list) reasons.set(p.reason, (reasons.get(p.reason) ?? 0) + 1);
    const entries = [...reasons.entries()].sort((a, b) => b[1] - a[1]);
    const why = entries.length === 1
      ? entries[0][0]
      : entries.map(([r, n]) => `${grouped(n)} ${r}`).join(", ");
    parts.push(
      `${plural(list.length, `closed ${protocol} port`, `closed ${protocol} ports`)} (${why})`,
    );
  }
  return parts;
}

function portsTable(host: HostReport, index: number): string[] {
  const { shown, ignored } = partitionIgnored(host.ports);
  const rows = shown.filter((p) => p.state !== "closed");
  const notListed = describeIgnored(ignored, shown.filter((p) => p.state === "closed"));
  const out = [`<section class="ports" aria-labelledby="h${index}-ports">`];
  out.push(`<h3 id="h${index}-ports">Ports</h3>`);
  if (rows.length === 0) {
    out.push(`<p class="empty">No open ports found.</p>`);
  } else {
    // Without version detection the column would only be empty space.
    const withVersion = rows.some((p) => versionText(p) !== "");
    const heads = ["Port", "State", "Service", ...(withVersion ? ["Version"] : []), "Reason"];
    out.push(
      `<div class="scroll"><table>`,
      `<caption class="sr-only">Open and notable ports on ${h(host.address)}</caption>`,
      `<thead><tr>${heads.map((t) => `<th scope="col">${t}</th>`).join("")}</tr></thead>`,
      `<tbody>`,
    );
    for (const p of rows) {
      const cells = [
        `<td class="mono">${p.port}/${p.protocol}</td>`,
        `<td>${stateBadge(p.state)}</td>`,
        `<td>${serviceCell(p)}</td>`,
        ...(withVersion ? [`<td>${h(versionText(p))}</td>`] : []),
        `<td>${reasonCell(p)}</td>`,
      ];
      out.push(`<tr${p.state === "open" ? ` class="is-open"` : ""}>${cells.join("")}</tr>`);
    }
    out.push(`</tbody>`, `</table></div>`);
  }
  if (notListed.length > 0) {
    out.push(`<p class="muted not-listed">Not listed: ${h(notListed.join(", "))}</p>`);
  }
  out.push(`</section>`);
  return out;
}

function tlsBadges(tls: TlsInfo, scanTime: number): string[] {
  const badges: string[] = [];
  const notAfter = Date.parse(tls.notAfter);
  const notBefore = Date.parse(tls.notBefore);
  const day = 86_400_000;
  if (Number.isFinite(notAfter) && notAfter < scanTime) {
    badges.push(`<span class="tag bad">expired</span>`);
  } else if (Number.isFinite(notAfter) && notAfter - scanTime < 30 * day) {
    const days = Math.max(0, Math.floor((notAfter - scanTime) / day));
    badges.push(`<span class="tag warn">expires in ${plural(days, "day", "days")}</span>`);
  }
  if (Number.isFinite(notBefore) && notBefore > scanTime) {
    badges.push(`<span class="tag bad">not yet valid</span>`);
  }
  if (tls.subject !== "" && tls.subject === tls.issuer) {
    badges.push(`<span class="tag warn">self-signed</span>`);
  }
  return badges;
}

function dlRow(term: string, value: string): string {
  return `<div><dt>${h(term)}</dt><dd>${value}</dd></div>`;
}

function tlsBlock(tls: TlsInfo, scanTime: number): string[] {
  const badges = tlsBadges(tls, scanTime);
  const rows = [
    dlRow("Protocol", `${h(tls.protocol)} <span class="muted">${h(tls.cipher)}</span>`),
    dlRow("Subject", h(tls.subject)),
    dlRow("Issuer", h(tls.issuer)),
  ];
  if (tls.sans.length > 0) {
    rows.push(dlRow("Names", tls.sans.map((s) => `<span class="chip">${h(s)}</span>`).join(" ")));
  }
  rows.push(
    dlRow(
      "Valid",
      `${h(tls.notBefore)} → ${h(tls.notAfter)}${badges.length ? " " : ""}${badges.join(" ")}`,
    ),
    dlRow("SHA-256", `<code class="wrap">${h(tls.sha256)}</code>`),
  );
  return [`<dl class="kv tls">`, ...rows, `</dl>`];
}

/** Ports with more to say than the table row: TLS, CPE, announced names, banners. */
function servicesSection(host: HostReport, index: number, scanTime: number): string[] {
  const detailed = host.ports.filter((p) => {
    const i = p.serviceInfo;
    return i !== undefined &&
      (i.tls !== undefined || i.cpe.length > 0 || !!i.evidence || !!i.hostname || !!i.deviceType);
  });
  if (detailed.length === 0) return [];
  const out = [
    `<section class="services" aria-labelledby="h${index}-svc">`,
    `<h3 id="h${index}-svc">Services</h3>`,
  ];
  for (const p of detailed) {
    const info = p.serviceInfo!;
    const version = versionText(p);
    out.push(
      `<div class="svc">`,
      `<h4><span class="mono">${p.port}/${p.protocol}</span> ${h(p.service ?? info.name)}${
        version ? ` <span class="muted">${h(version)}</span>` : ""
      }</h4>`,
    );
    const rows: string[] = [];
    if (info.hostname) rows.push(dlRow("Announced name", h(info.hostname)));
    if (info.deviceType) rows.push(dlRow("Device", h(info.deviceType)));
    if (info.cpe.length > 0) {
      rows.push(dlRow("CPE", info.cpe.map((c) => `<code class="chip">${h(c)}</code>`).join(" ")));
    }
    rows.push(
      dlRow(
        "Detection",
        `${info.method === "probed" ? "probe matched" : "port table"}, confidence ${
          h(String(info.confidence))
        }/10`,
      ),
    );
    out.push(`<dl class="kv">`, ...rows, `</dl>`);
    if (info.tls !== undefined) out.push(...tlsBlock(info.tls, scanTime));
    if (info.evidence) {
      out.push(
        `<details class="banner"><summary>Banner</summary><pre>${h(info.evidence)}</pre></details>`,
      );
    }
    out.push(`</div>`);
  }
  out.push(`</section>`);
  return out;
}

/** Script results: per port, then the host scripts; vulnerability verdicts stand out. */
function scriptsSection(host: HostReport, index: number): string[] {
  const entries: Array<{ where: string; script: ScriptRecord }> = [];
  for (const p of host.ports) {
    for (const script of p.scripts ?? []) {
      entries.push({ where: `${p.port}/${p.protocol}`, script });
    }
  }
  for (const script of host.hostScripts ?? []) entries.push({ where: "host", script });
  if (entries.length === 0) return [];
  const out = [
    `<section class="scripts" aria-labelledby="h${index}-scripts">`,
    `<h3 id="h${index}-scripts">Scripts</h3>`,
  ];
  for (const { where, script } of entries) {
    const v = script.vulnerable;
    const verdict = v
      ? ` <span class="risk risk-${
        v.state === "NOT VULNERABLE" ? "info" : riskLevel(v.risk ?? "high")
      }">${h(v.state)}</span>`
      : "";
    const text = script.output ?? (script.error ? `ERROR: ${script.error}` : "");
    out.push(
      `<div class="svc"><h4><span class="mono">${h(where)}</span> ${h(script.id)}${verdict}</h4>`,
      `<pre>${h(text)}</pre></div>`,
    );
  }
  out.push(`</section>`);
  return out;
}

function riskBadge(risk: string): string {
  const level = riskLevel(risk);
  // A bare score reads better with its band beside it ("critical 9.8").
  const text = level !== "unknown" && risk.trim().toLowerCase() !== level
    ? `${level} ${risk}`
    : risk;
  return `<span class="risk risk-${level}">${h(text)}</span>`;
}

function riskSection(host: HostReport, index: number): string[] {
  const findings: Array<{ port: PortResult; finding: AuditFinding }> = [];
  for (const port of host.ports) {
    for (const finding of auditFindings(port)) findings.push({ port, finding });
  }
  if (findings.length === 0) return [];
  // Stable sort: equal risks keep port order.
  findings.sort((a, b) => riskRank(a.finding.risk) - riskRank(b.finding.risk));
  const out = [
    `<section class="risks" aria-labelledby="h${index}-risk">`,
    `<h3 id="h${index}-risk">Risk</h3>`,
    `<ul class="findings">`,
  ];
  for (const { port, finding } of findings) {
    const title = finding.title ? ` <b>${h(finding.title)}</b>` : "";
    out.push(
      `<li class="finding-${riskLevel(finding.risk)}">${
        riskBadge(finding.risk)
      } <span class="mono">${port.port}/${port.protocol}</span> ${h(port.service ?? "")}${title}${
        finding.recommendation ? `<p>${h(finding.recommendation)}</p>` : ""
      }</li>`,
    );
  }
  out.push(`</ul>`, `</section>`);
  return out;
}

function openCount(host: HostReport): number {
  return host.ports.filter((p) => p.state === "open").length;
}

function hostCard(
  host: HostReport,
  index: number,
  context: { report: ScanReport; options: HtmlOptions },
): string[] {
  const { report, options } = context;
  const open = openCount(host);
  const search = [
    host.address,
    host.hostname ?? "",
    ...host.ports.filter((p) => p.state === "open")
      .flatMap((p) => [`${p.port}/${p.protocol}`, p.service ?? "", versionText(p)]),
  ]
    .join(" ").toLowerCase();
  const name = hasHostname(host)
    ? `<span class="hostname">${h(host.hostname!)}</span> <span class="addr mono">${
      h(host.address)
    }</span>`
    : `<span class="addr mono">${h(host.address)}</span>`;
  const out = [
    `<article class="host" id="host-${index}" data-open="${open}" data-search="${
      h(search)
    }" aria-labelledby="h${index}">`,
    `<header class="host-head">`,
    `<h2 id="h${index}">${name}</h2>`,
    `<span class="status up">up</span>`,
    `<span class="open-count${open > 0 ? " has-open" : ""}">${
      plural(open, "open port", "open ports")
    }</span>`,
    `</header>`,
  ];
  const facts: string[] = [];
  facts.push(dlRow("Status", `up <span class="muted">(${h(host.reason)})</span>`));
  if (host.latencyMs !== undefined) facts.push(dlRow("Latency", h(formatMs(host.latencyMs))));
  const os = osLines(host);
  if (os.length > 0) {
    facts.push(dlRow(
      "OS",
      os.map((o) => {
        const confidence = o.confidence === undefined ? "" : `${o.confidence}%, `;
        return `${h(o.text)} <span class="muted">(${h(confidence + o.source)})</span>`;
      }).join("<br>"),
    ));
  }
  out.push(`<dl class="facts">`, ...facts, `</dl>`, ...osDetails(host));
  if (host.timedOut) {
    out.push(
      `<p class="notice warn" role="note">Host timed out: its port results are incomplete.</p>`,
    );
  }
  const maps = portMaps(host, report, options);
  if (maps.length > 0) {
    out.push(
      `<section class="maps" aria-labelledby="h${index}-map">`,
      `<h3 id="h${index}-map">Port map</h3>`,
      ...maps,
      `</section>`,
    );
  }
  if (host.ports.length > 0) out.push(...portsTable(host, index));
  out.push(...servicesSection(host, index, report.startedAt));
  out.push(...scriptsSection(host, index));
  out.push(...riskSection(host, index));
  out.push(`</article>`);
  return out;
}

/** How many open ports the overview names before it says "+N more". */
const OVERVIEW_PORTS = 12;

/** The index of live hosts, one row each, linking to the cards below. */
function overview(up: HostReport[]): string[] {
  const out = [
    `<nav class="overview" aria-labelledby="overview-h">`,
    `<h2 id="overview-h" class="sr-only">Hosts</h2>`,
    `<div class="scroll"><table>`,
    `<thead><tr><th scope="col">Host</th><th scope="col">Open</th><th scope="col">Open ports</th></tr></thead>`,
    `<tbody>`,
  ];
  up.forEach((host, i) => {
    const open = host.ports.filter((p) => p.state === "open");
    const listed = open.slice(0, OVERVIEW_PORTS).map((p) =>
      `<span class="chip">${p.port}/${p.protocol}${p.service ? ` ${h(p.service)}` : ""}</span>`
    );
    if (open.length > OVERVIEW_PORTS) {
      listed.push(`<span class="muted">+${grouped(open.length - OVERVIEW_PORTS)} more</span>`);
    }
    const name = hasHostname(host) ? ` <span class="muted">${h(host.hostname!)}</span>` : "";
    out.push(
      `<tr data-host="host-${i + 1}"><td><a class="mono" href="#host-${i + 1}">${
        h(host.address)
      }</a>${name}</td><td>${grouped(open.length)}</td><td>${listed.join(" ")}</td></tr>`,
    );
  });
  out.push(`</tbody>`, `</table></div>`, `</nav>`);
  return out;
}

function downHosts(hosts: HostReport[]): string[] {
  if (hosts.length === 0) return [];
  const items = hosts.map((host) =>
    `<li><span class="mono">${h(host.address)}</span>${
      hasHostname(host) ? ` ${h(host.hostname!)}` : ""
    } <span class="muted">${h(host.reason)}</span></li>`
  );
  // A long list of silent addresses would bury the live hosts; it starts folded.
  const open = hosts.length <= 20 ? " open" : "";
  return [
    `<section class="down" aria-labelledby="down-h">`,
    `<details${open}><summary><h2 id="down-h">${
      plural(hosts.length, "host", "hosts")
    } down</h2></summary>`,
    `<ul class="down-list">${items.join("")}</ul>`,
    `</details>`,
    `</section>`,
  ];
}

function portsScanned(report: ScanReport, options: HtmlOptions): string {
  const parts: string[] = [];
  for (const protocol of ["tcp", "udp"] as const) {
    const list = options.scannedPorts?.[protocol];
    const count = list !== undefined ? new Set(list).size : report.portsPerHost[protocol];
    if (count === 0) continue;
    let text = `${grouped(count)} ${protocol.toUpperCase()}`;
    if (list !== undefined) {
      const ranges = compressPorts(list);
      if (ranges.length <= 40) text += `<br><span class="muted">${h(ranges)}</span>`;
    }
    parts.push(text);
  }
  return parts.length > 0 ? parts.join("<br>") : "none";
}

function riskSummary(report: ScanReport): string {
  const counts = new Map<string, number>();
  for (const host of report.hosts) {
    for (const port of host.ports) {
      for (const f of auditFindings(port)) {
        const level = riskLevel(f.risk);
        counts.set(level, (counts.get(level) ?? 0) + 1);
      }
    }
  }
  if (counts.size === 0) return "";
  const order = [...RISK_ORDER, "unknown"];
  const badges = order.filter((l) => counts.has(l)).map((l) =>
    `<span class="risk risk-${l}">${grouped(counts.get(l) ?? 0)} ${l}</span>`
  );
  return dlRow("Findings", badges.join(" "));
}

const CSS = `
:root{color-scheme:light dark;--bg:#f4f6f9;--card:#fff;--fg:#1a1f26;--muted:#5d6776;--line:#dfe3e9;--accent:#0a66c2;--head:#0d2a4a;--headfg:#f3f7fc;
--open:#1a9c52;--openfilt:#4fb8ad;--unfilt:#3b82f6;--filt:#e2a21b;--closedfilt:#a18ad8;--closed:#c6ccd5;--none:#eceff3;
--crit:#a3161b;--high:#d9381e;--med:#d88a00;--low:#2f6fd6;--info:#6b7685;--warnbg:#fff6df;--warnfg:#6b4a00}
@media (prefers-color-scheme:dark){:root{--bg:#0e1217;--card:#161b22;--fg:#e4e8ee;--muted:#98a3b3;--line:#2a313b;--accent:#58a6ff;--head:#0b1f36;--headfg:#e9f1fb;
--open:#2fbf6b;--openfilt:#3fa59a;--unfilt:#5b9bff;--filt:#e8b13a;--closedfilt:#b39ce8;--closed:#3a424e;--none:#1e242c;--warnbg:#3a2f12;--warnfg:#f5d48a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.mono,code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace}
code,pre{font-size:.9em}
.muted{color:var(--muted)}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.top{background:var(--head);color:var(--headfg);padding:24px max(24px,calc((100% - 1180px)/2)) 20px}
.brand{font-size:13px;letter-spacing:.12em;text-transform:uppercase;opacity:.75}
.top h1{margin:2px 0 10px;font-size:26px;font-weight:650}
.cmd{margin:0 0 16px;padding:8px 12px;border-radius:6px;background:rgba(255,255,255,.08);overflow-wrap:anywhere}
.cmd code{color:inherit}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin:0}
.stats>div{background:rgba(255,255,255,.07);border-radius:8px;padding:8px 12px}
.stats dt{font-size:12px;text-transform:uppercase;letter-spacing:.06em;opacity:.75}
.stats dd{margin:2px 0 0;font-size:18px;font-weight:600}
.stats dd .muted{color:inherit;opacity:.7;font-size:13px;font-weight:400}
main{max-width:1228px;margin:0 auto;padding:20px 24px 40px}
.notice{border-radius:8px;padding:8px 12px;margin:0 0 12px;background:var(--warnbg);color:var(--warnfg)}
.notice ul{margin:0;padding-left:20px}
.controls{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:0 0 16px}
.controls input[type=search]{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg);min-width:340px}
.host{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px 20px;margin:0 0 18px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.host-head{display:flex;flex-wrap:wrap;align-items:center;gap:10px}
.host-head h2{margin:0;font-size:20px;font-weight:650;overflow-wrap:anywhere}
.host-head .hostname+.addr{font-size:15px;color:var(--muted);font-weight:500}
.status,.open-count,.tag,.state,.risk{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;line-height:1.6;white-space:nowrap}
.status.up{background:var(--open);color:#fff}
.open-count{border:1px solid var(--line);color:var(--muted)}
.open-count.has-open{border-color:var(--open);color:var(--open)}
.facts{display:flex;flex-wrap:wrap;gap:4px 28px;margin:10px 0 4px}
.facts dt{display:inline;color:var(--muted);margin-right:6px}
.facts dd{display:inline;margin:0}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.07em;color:var(--muted);margin:18px 0 8px;font-weight:650}
.map{margin:0 0 12px}
.map figcaption{font-size:13px;color:var(--muted);margin-bottom:4px}
.proto{font-weight:700;color:var(--fg)}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 16px;margin:0 0 6px;padding:0;font-size:13px}
.legend b{font-weight:600}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px;print-color-adjust:exact;-webkit-print-color-adjust:exact}
.portmap{display:block;max-width:100%;height:auto}
.portmap .axis{font:9px ui-monospace,Menlo,Consolas,monospace;fill:var(--muted)}
rect.st-open,.swatch.st-open{fill:var(--open);background:var(--open)}
rect.st-openfilt,.swatch.st-openfilt{fill:var(--openfilt);background:var(--openfilt)}
rect.st-unfilt,.swatch.st-unfilt{fill:var(--unfilt);background:var(--unfilt)}
rect.st-filt,.swatch.st-filt{fill:var(--filt);background:var(--filt)}
rect.st-closedfilt,.swatch.st-closedfilt{fill:var(--closedfilt);background:var(--closedfilt)}
rect.st-closed,.swatch.st-closed{fill:var(--closed);background:var(--closed)}
rect.st-none,.swatch.st-none{fill:var(--none);background:var(--none);stroke:var(--line);stroke-width:1}
.state{border:1px solid currentColor}
.state.st-open{color:var(--open)}.state.st-openfilt{color:var(--openfilt)}.state.st-unfilt{color:var(--unfilt)}
.state.st-filt{color:var(--filt)}.state.st-closedfilt{color:var(--closedfilt)}.state.st-closed{color:var(--muted)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th{text-align:left;font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);padding:6px 10px}
td{border-bottom:1px solid var(--line);padding:6px 10px;vertical-align:top;overflow-wrap:anywhere}
tr.is-open td:first-child{box-shadow:inset 3px 0 0 var(--open)}
.guess{text-decoration:none;color:var(--muted);cursor:help}
.tag{background:var(--line);color:var(--fg);font-size:11px;padding:0 7px}
.tag.warn{background:var(--warnbg);color:var(--warnfg)}
.tag.bad{background:var(--high);color:#fff}
.empty,.not-listed{margin:6px 0;font-size:14px}
.svc{border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:0 0 10px}
.svc h4{margin:0 0 6px;font-size:15px}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 6px;font-size:14px}
.kv>div{display:contents}
.kv dt{color:var(--muted)}
.kv dd{margin:0;overflow-wrap:anywhere}
.kv.tls{border-top:1px dashed var(--line);padding-top:6px}
.chip{display:inline-block;background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:0 6px;margin:1px 0;font-size:12px}
.wrap{overflow-wrap:anywhere;word-break:break-all}
.banner summary{cursor:pointer;color:var(--accent);font-size:14px}
.banner pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:8px 10px;white-space:pre-wrap;overflow-wrap:anywhere;margin:6px 0 0;max-height:16em;overflow:auto}
.reasons{margin:4px 0 0;padding-left:20px;font-size:14px}
.findings{list-style:none;margin:0;padding:0}
.findings li{border-left:3px solid var(--line);padding:4px 10px;margin:0 0 8px}
.findings p{margin:2px 0 0;font-size:14px}
.risk{color:#fff;background:var(--info);text-transform:uppercase;font-size:11px;letter-spacing:.04em}
.finding-critical{border-left-color:var(--crit)!important}.finding-high{border-left-color:var(--high)!important}
.finding-medium{border-left-color:var(--med)!important}.finding-low{border-left-color:var(--low)!important}
.risk-critical{background:var(--crit)}.risk-high{background:var(--high)}.risk-medium{background:var(--med)}.risk-low{background:var(--low)}
.down{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:12px 20px;margin:0 0 18px}
.down summary{cursor:pointer}.down summary h2{display:inline;font-size:17px;margin:0}
.down-list{columns:18em;margin:8px 0 0;padding-left:18px;font-size:14px}
.overview{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:8px 20px;margin:0 0 18px}
.overview a{color:var(--accent);text-decoration:none}.overview a:hover{text-decoration:underline}
.overview td:nth-child(2){font-weight:600}
.empty-report{text-align:center;color:var(--muted);padding:40px 0}
footer{max-width:1228px;margin:0 auto;padding:0 24px 32px;font-size:13px;color:var(--muted)}
@media print{
:root{--bg:#fff;--card:#fff;--fg:#000;--muted:#444;--line:#bbb;--head:#fff;--headfg:#000;--closed:#d4d8de;--none:#f2f2f2}
body{font-size:11pt}
.top{padding:0 0 8px;border-bottom:2px solid #000}
.cmd,.stats>div{background:none;border:1px solid #bbb}
.controls{display:none!important}
main{padding:12px 0;max-width:none}
.host,.down{box-shadow:none;break-inside:avoid-page;border-color:#999}
.svc,tr,.map{break-inside:avoid}
.status,.risk,.tag.bad,rect{print-color-adjust:exact;-webkit-print-color-adjust:exact}
.banner pre{max-height:none;overflow:visible}
a{color:inherit}
}
@media (max-width:640px){.top,main{padding-left:12px;padding-right:12px}.host{padding:12px}.controls input[type=search]{min-width:0;width:100%}}
`.trim();

// Progressive enhancement only: without script the page is complete, the controls stay hidden.
const SCRIPT = `
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.setAttribute("data-js", "ready");
  var controls = doc.getElementById("controls");
  if (controls) {
    var query = doc.getElementById("filter");
    var only = doc.getElementById("only-open");
    var count = doc.getElementById("shown-count");
    var hosts = Array.prototype.slice.call(doc.querySelectorAll("article.host"));
    var apply = function () {
      var terms = query.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var shown = 0;
      hosts.forEach(function (host) {
        var text = host.getAttribute("data-search") || "";
        var ok = terms.every(function (t) { return text.indexOf(t) >= 0; }) &&
          (!only.checked || host.getAttribute("data-open") !== "0");
        host.hidden = !ok;
        var row = doc.querySelector('tr[data-host="' + host.id + '"]');
        if (row) row.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = shown + " of " + hosts.length + " hosts shown";
    };
    query.addEventListener("input", apply);
    only.addEventListener("change", apply);
    controls.hidden = false;
    apply();
  }
  var opened = [];
  window.addEventListener("beforeprint", function () {
    doc.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
`.trim();

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

// Hashes rather than 'unsafe-inline': only these exact blocks may run or style the page.
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${sha256(CSS)}'`,
  `script-src 'sha256-${sha256(SCRIPT)}'`,
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/**
 * Formats a report as one self-contained HTML page, ending with a newline. Deterministic: the
 * same report and options always give the same text. Optional fields that later phases may add
 * (`host.os`, `port.audit`) are rendered when present and ignored when absent or malformed.
 *
 * @example
 * ```ts
 * const html = formatHtml(report, { scannedPorts: { tcp: [22, 80, 443], udp: [] } });
 * await Deno.writeTextFile("scan.html", html);
 * ```
 */
export function formatHtml(report: ScanReport, options: HtmlOptions = {}): string {
  const command = ["portolan", ...report.args].join(" ");
  const generated = options.now ?? new Date(report.endedAt);
  const up = report.hosts.filter((host) => host.status === "up");
  const down = report.hosts.filter((host) => host.status === "down");
  const totalOpen = up.reduce((n, host) => n + openCount(host), 0);
  const context = { report, options };

  const stats = [
    dlRow(
      "Started",
      `<time datetime="${new Date(report.startedAt).toISOString()}">${
        isoUtc(report.startedAt).slice(0, 10)
      } <span class="muted">${isoUtc(report.startedAt).slice(11)}</span></time>`,
    ),
    dlRow("Duration", h(formatDuration(report.elapsedMs))),
    dlRow(
      "Hosts up",
      `${grouped(report.hostsUp)} <span class="muted">of ${grouped(report.hostsTotal)}</span>`,
    ),
    dlRow("Hosts down", grouped(report.hostsDown)),
    dlRow("Ports per host", portsScanned(report, options)),
    dlRow("Open ports", grouped(totalOpen)),
  ];
  const summary = riskSummary(report);
  if (summary !== "") stats.push(summary);

  const lines = [
    "<!DOCTYPE html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="color-scheme" content="light dark">`,
    `<meta name="generator" content="Portolan ${h(report.version)}">`,
    `<link rel="icon" href="data:,">`,
    `<title>Portolan report: ${h(command)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    `<header class="top">`,
    `<div class="brand">Portolan ${h(report.version)} · ${h(report.scanType)} scan</div>`,
    `<h1>Scan report</h1>`,
    `<p class="cmd"><code>${h(command)}</code></p>`,
    `<dl class="stats">`,
    ...stats,
    `</dl>`,
    `</header>`,
    `<main>`,
  ];
  if (report.partial) {
    lines.push(
      `<p class="notice warn" role="note"><strong>Scan interrupted before it finished:</strong> these results are incomplete.</p>`,
    );
  }
  if (report.warnings.length > 0) {
    lines.push(
      `<div class="notice warn" role="note"><ul>${
        report.warnings.map((w) => `<li>Warning: ${h(w)}</li>`).join("")
      }</ul></div>`,
    );
  }
  if (up.length > 1) {
    lines.push(
      `<div class="controls" id="controls" hidden>`,
      `<label><span class="sr-only">Filter hosts</span><input type="search" id="filter" placeholder="Filter by address, name, port or service" autocomplete="off"></label>`,
      `<label><input type="checkbox" id="only-open"> Only hosts with open ports</label>`,
      `<span class="muted" id="shown-count" aria-live="polite"></span>`,
      `</div>`,
    );
  }
  if (report.hosts.length === 0) {
    lines.push(`<p class="empty-report">No hosts were found.</p>`);
  }
  if (up.length > 1) lines.push(...overview(up));
  up.forEach((host, i) => lines.push(...hostCard(host, i + 1, context)));
  lines.push(...downHosts(down));
  lines.push(
    `</main>`,
    `<footer>`,
    `<p>Portolan ${h(report.version)} · ${
      plural(report.hostsTotal, "IP address", "IP addresses")
    } (${plural(report.hostsUp, "host", "hosts")} up) scanned in ${
      (report.elapsedMs / 1000).toFixed(2)
    } seconds · finished ${isoUtc(report.endedAt)} · generated ${isoUtc(generated.getTime())}</p>`,
    `</footer>`,
    `<script>${SCRIPT}</script>`,
    "</body>",
    "</html>",
  );
  return lines.join("\n") + "\n";
}
