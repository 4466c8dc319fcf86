/**
 * The human-readable report, laid out like nmap's normal output so people and scripts used to
 * nmap read it without surprises.
 *
 * @module
 */
import { type IgnoredGroup, mayBeOpen, partitionIgnored } from "./hidden.ts";
import { formatTracerouteNormal } from "../probes/traceroute/format.ts";
import type { HostReport, PortResult, ScanReport, ScriptRecord } from "./report.ts";

/** Options for {@link formatNormal}. */
export interface NormalOptions {
  /** `--reason`: add a REASON column and say why each host is up. */
  reason?: boolean;
  /** `--open`: show only open and open|filtered ports, and only hosts that have some. */
  openOnly?: boolean;
  /** `-v` count: 1 lists down hosts and shows more ports; 2 also implies `reason`. */
  verbosity?: number;
  /** Time for the "Starting" line; defaults to the report's start time. */
  now?: Date;
  /** Print the "Starting" line (default true); false when the caller printed it at scan start. */
  header?: boolean;
}

/**
 * The "Starting Portolan 0.1.0 at 2026-11-26 03:00 UTC" line, without a newline.
 * Always in UTC so output does not depend on the machine's time zone.
 */
export function formatStartLine(version: string, time: Date): string {
  const iso = time.toISOString(); // 2026-11-26T03:00:00.000Z
  return `Starting Portolan ${version} at ${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * Seconds with two significant digits, keeping trailing zeros ("0.00012", "0.0010", "1.2", "12"),
 * the precision nmap uses for latency.
 */
export function formatLatency(ms: number): string {
  const seconds = ms / 1000;
  if (!(seconds > 0)) return "0.0";
  // Round first so that 0.000996 becomes 0.0010, not 0.00100.
  const rounded = Number(seconds.toPrecision(2));
  const decimals = Math.max(0, 1 - Math.floor(Math.log10(rounded)));
  return rounded.toFixed(decimals);
}

/** "997 closed tcp ports (conn-refused)" or, with mixed reasons, "(990 no-response, 3 host-unreach)". */
function describeGroup(group: IgnoredGroup): string {
  // Most common reason first; equal counts keep first-seen order.
  const reasons = [...group.reasons.entries()].map(([r, ports]) => [r, ports.length] as const)
    .sort((a, b) => b[1] - a[1]);
  const why = reasons.length === 1
    ? reasons[0][0]
    : reasons.map(([reason, n]) => `${n} ${reason}`).join(", ");
  const count = group.ports.length;
  const noun = count === 1 ? "port" : "ports";
  return `${count} ${group.state} ${group.protocol} ${noun} (${why})`;
}

function reasonText(port: PortResult): string {
  return port.reasonTtl === undefined ? port.reason : `${port.reason} ttl ${port.reasonTtl}`;
}

/** Columns separated by one space, each as wide as its widest cell; the last is not padded. */
function formatTable(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join(" ")
      .trimEnd()
  );
}

function hostLabel(host: HostReport): string {
  return host.hostname !== undefined && host.hostname !== "" && host.hostname !== host.address
    ? `${host.hostname} (${host.address})`
    : host.address;
}

function formatHost(
  host: HostReport,
  options: {
    reason: boolean;
    openOnly: boolean;
    verbosity: number;
    portScan: boolean;
    versionScan: boolean;
  },
): string[] {
  // nmap drops hosts with nothing to show under --open, even with -v (checked first: a sweep
  // with --open has tens of thousands of such hosts).
  if (options.openOnly && options.portScan && !mayBeOpen(host.ports)) return [];
  const label = hostLabel(host);
  const { shown, ignored: hidden } = partitionIgnored(host.ports, options);
  if (host.status === "down") {
    const why = options.reason && host.reason !== "" ? `, received ${host.reason}` : "";
    return [`Portolan scan report for ${label} [host down${why}]`];
  }
  const lines = [`Portolan scan report for ${label}`];
  const received = options.reason && host.reason !== "" && host.reason !== "unknown"
    ? `, received ${host.reason}`
    : "";
  const latency = host.latencyMs === undefined
    ? ""
    : ` (${formatLatency(host.latencyMs)}s latency)`;
  lines.push(`Host is up${received}${latency}.`);
  if (host.timedOut) lines.push("Host timed out: its port results are incomplete.");
  // nmap prints the vendor from its OUI table; Portolan has none yet.
  const mac = host.mac === undefined ? [] : [`MAC Address: ${host.mac.toUpperCase()} (Unknown)`];
  if (!options.portScan && host.ports.length === 0) return [...lines, ...mac];

  const notShown = hidden.length > 0 ? `Not shown: ${hidden.map(describeGroup).join(", ")}` : "";
  if (shown.length === 0) {
    lines.push(`All ${host.ports.length} scanned ports on ${label} are in ignored states.`);
    if (notShown !== "") lines.push(notShown);
  } else {
    // nmap puts the summary where the blank line before the table would otherwise be.
    lines.push(notShown);
    const header = ["PORT", "STATE", "SERVICE"];
    if (options.reason) header.push("REASON");
    if (options.versionScan) header.push("VERSION");
    const rows = [header];
    for (const p of shown) {
      const row = [`${p.port}/${p.protocol}`, p.state, p.service ?? "unknown"];
      if (options.reason) row.push(reasonText(p));
      if (options.versionScan) row.push(versionText(p));
      rows.push(row);
    }
    const table = formatTable(rows);
    lines.push(table[0]);
    shown.forEach((p, i) => {
      lines.push(table[i + 1]);
      for (const script of p.scripts ?? []) lines.push(...scriptLines(script));
    });
    const info = serviceInfoLine(shown);
    if (info !== "") lines.push(info);
  }
  lines.push(...mac);
  lines.push(...osLines(host, options.verbosity));
  if (host.hostScripts?.length) {
    lines.push("", "Host script results:");
    for (const script of host.hostScripts) lines.push(...scriptLines(script));
  }
  if (host.audit) lines.push(...auditLines(host));
  if (host.trace) {
    lines.push(
      "",
      ...formatTracerouteNormal({ address: host.address, ...host.trace }).trimEnd().split("\n"),
    );
  }
  lines.push("");
  return lines;
}

/** nmap's script block: "|_id: one line", or "| id: " then "|   lines" ending with "|_  last". */
function scriptLines(script: ScriptRecord): string[] {
  const text = script.output ?? (script.error ? `ERROR: ${script.error}` : "");
  const body = text.replace(/\r/g, "").split("\n").filter((line, i, all) =>
    line !== "" || (i > 0 && i < all.length - 1)
  );
  if (body.length <= 1) return [`|_${script.id}: ${body[0] ?? ""}`.trimEnd()];
  return [
    `| ${script.id}: `.trimEnd(),
    ...body.map((line, i) => `${i === body.length - 1 ? "|_" : "| "}  ${line}`.trimEnd()),
  ];
}

/** `--audit`: the headline, then one line per open port, riskiest first. */
function auditLines(host: HostReport): string[] {
  const order = ["critical", "high", "medium", "low", "info"];
  const audited = host.ports.filter((p) => p.audit !== undefined)
    .sort((a, b) => order.indexOf(a.audit!.risk) - order.indexOf(b.audit!.risk));
  const lines = ["", `AUDIT: ${host.audit!.headline}`];
  for (const p of audited) {
    const a = p.audit!;
    lines.push(
      `${a.risk.toUpperCase().padEnd(8)} ${p.port}/${p.protocol} ${p.service ?? "unknown"}`,
    );
    // Findings name their port already; strip that prefix so each reads as one fact.
    const prefix = new RegExp(`^${p.port}/${p.protocol}( [^:]*)?: `);
    for (const finding of a.findings) lines.push(`         - ${finding.replace(prefix, "")}`);
    lines.push(`         -> ${a.recommendation}`);
  }
  return lines;
}

/** OS lines: active detection as nmap prints it, then the passive hint. */
function osLines(host: HostReport, verbosity: number): string[] {
  const lines: string[] = [];
  const active = host.os?.active;
  if (active) {
    const best = active.matches[0];
    if (active.note) lines.push(`OS detection note: ${active.note}`);
    if (best && active.exact) {
      lines.push(
        `OS details: ${
          active.matches.filter((m) => m.accuracy === 100).map((m) => m.name).join(", ")
        }`,
      );
    } else if (active.matches.length > 0) {
      lines.push(
        `Aggressive OS guesses: ${
          active.matches.slice(0, 8).map((m) => `${m.name} (${m.accuracy}%)`).join(", ")
        }`,
      );
      lines.push("No exact OS matches for host.");
    } else if (!active.note) {
      lines.push("No OS matches for host.");
    }
    const cpes = [...new Set(active.matches.slice(0, 4).flatMap((m) => m.cpe))];
    if (cpes.length > 0) lines.push(`OS CPE: ${cpes.join(" ")}`);
    if (verbosity > 0 || !active.exact) {
      lines.push("TCP/IP fingerprint:", active.fingerprint);
    }
  }
  const passive = host.os?.passive;
  // A hint from one or two RSTs is mostly a TTL: below half confidence it is noise unless asked.
  if (passive && (passive.confidence >= 50 || verbosity > 0)) {
    const name = passive.versionRange
      ? `${passive.family} ${passive.versionRange}`
      : passive.family;
    const hops = passive.distance > 0
      ? `, ${passive.distance} hop${passive.distance === 1 ? "" : "s"}`
      : "";
    lines.push(`OS hint: ${name} (passive, ${passive.confidence}%${hops})`);
    if (verbosity > 0) { for (const reason of passive.reasons) lines.push(`  ${reason}`); }
  }
  return lines;
}

/** nmap's VERSION column: "product version (extra info)". */
function versionText(port: PortResult): string {
  const info = port.serviceInfo;
  if (info === undefined) return "";
  const words = [info.product, info.version].filter((w) => w !== undefined && w !== "");
  if (info.extraInfo) words.push(`(${info.extraInfo})`);
  return words.join(" ");
}

/** "Service Info: Host: x; OS: Linux; Device: router" gathered from a host's services. */
function serviceInfoLine(ports: PortResult[]): string {
  if (!ports.some((p) => p.serviceInfo !== undefined)) return "";
  const collect = (pick: (p: PortResult) => string | undefined) => [
    ...new Set(ports.map(pick).filter((v): v is string => v !== undefined && v !== "")),
  ];
  const parts: string[] = [];
  const hosts = collect((p) => p.serviceInfo?.hostname);
  const oses = collect((p) => p.serviceInfo?.osHint);
  const devices = collect((p) => p.serviceInfo?.deviceType);
  if (hosts.length) parts.push(`Host${hosts.length > 1 ? "s" : ""}: ${hosts.join(", ")}`);
  if (oses.length) parts.push(`OS${oses.length > 1 ? "s" : ""}: ${oses.join(", ")}`);
  if (devices.length) parts.push(`Device${devices.length > 1 ? "s" : ""}: ${devices.join(", ")}`);
  return parts.length ? `Service Info: ${parts.join("; ")}` : "";
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Formats a report as nmap-style normal output, ending with a newline. Deterministic: the same
 * report and options always give the same text.
 *
 * @example
 * ```ts
 * console.log(formatNormal(report, { reason: true, now: new Date(report.startedAt) }));
 * ```
 */
export function formatNormal(report: ScanReport, options: NormalOptions = {}): string {
  const verbosity = options.verbosity ?? 0;
  const view = {
    reason: (options.reason ?? false) || verbosity >= 2,
    openOnly: options.openOnly ?? false,
    verbosity,
    portScan: report.portsPerHost.tcp + report.portsPerHost.udp > 0,
    versionScan: report.hosts.some((h) => h.ports.some((p) => p.serviceInfo !== undefined)),
  };
  const lines: string[] = [];
  if (options.header ?? true) {
    lines.push(formatStartLine(report.version, options.now ?? new Date(report.startedAt)));
  }
  for (const warning of report.warnings) lines.push(`Warning: ${warning}`);
  for (const host of report.hosts) {
    if (host.status === "down" && verbosity < 1) continue;
    lines.push(...formatHost(host, view));
  }
  if (report.hosts.some((h) => h.os?.active)) {
    lines.push(
      "OS detection performed. Please report any incorrect results to the Portolan project.",
    );
  }
  if (view.versionScan) {
    lines.push(
      "Service detection performed. Please report any incorrect results to the Portolan project.",
    );
  }
  if (report.partial) {
    lines.push("Scan interrupted before it finished: these results are incomplete.");
  }
  const addresses = plural(report.hostsTotal, "IP address", "IP addresses");
  const up = plural(report.hostsUp, "host", "hosts");
  const seconds = (report.elapsedMs / 1000).toFixed(2);
  lines.push(`Portolan done: ${addresses} (${up} up) scanned in ${seconds} seconds`);
  return lines.join("\n") + "\n";
}
