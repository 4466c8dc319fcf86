/**
 * Grepable output (`-oG`): nmap's one-line-per-host layout, so `grep`, `awk` and `cut` recipes
 * written for nmap work on Portolan's results.
 *
 * Lines starting with "#" are comments. Every other line is `Host: <addr> (<name>)` followed by
 * tab-separated `Key: value` fields. A port is seven "/"-separated fields:
 * `port/state/protocol/owner/service/rpc info/version/`, ports separated by ", ".
 *
 * @module
 */
import type { PortState } from "../engine/events.ts";
import type { HostReport, PortResult, ScanReport } from "./report.ts";
import { compressPorts, formatCtime, partitionIgnored } from "./xml.ts";
import { shownWithOpen } from "./hidden.ts";

/** Options for {@link formatGrepable}. */
export interface GrepableOptions {
  /** `-v` count: 1 adds the "# Ports scanned" line, lists down hosts, and shows more ports. */
  verbosity?: number;
  /** The ports scanned per protocol, for "# Ports scanned"; else the ports seen in results. */
  scannedPorts?: { tcp: number[]; udp: number[] };
  /**
   * `--open`: as nmap, hosts without an open (or possibly open) port are left out, and a
   * shown host lists only such ports.
   */
  openOnly?: boolean;
}

// Tabs, newlines, "/" and "," delimit fields; a name containing them would split a record.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1F\x7F]/g;

function clean(text: string): string {
  return text.replace(CONTROL, " ");
}

function field(text: string): string {
  return clean(text).replace(/[/,]/g, "|");
}

function hostPrefix(host: HostReport): string {
  const name = host.hostname !== undefined && host.hostname !== host.address ? host.hostname : "";
  return `Host: ${clean(host.address)} (${clean(name)})`;
}

function portField(port: PortResult): string {
  const service = port.service === undefined ? "" : field(port.service);
  // nmap's version field: "product version (extra)", slashes replaced so fields stay split.
  const info = port.serviceInfo;
  const version = info === undefined ? "" : field(
    [info.product, info.version, info.extraInfo ? `(${info.extraInfo})` : undefined]
      .filter((w) => w !== undefined && w !== "").join(" "),
  );
  return `${port.port}/${port.state}/${port.protocol}//${service}//${version}/`;
}

/** The most common ignored state and its port count, across protocols, as nmap names one. */
function ignoredState(
  groups: Array<{ state: PortState; ports: number[] }>,
): { state: PortState; count: number } | undefined {
  const counts = new Map<PortState, number>();
  for (const g of groups) counts.set(g.state, (counts.get(g.state) ?? 0) + g.ports.length);
  let best: { state: PortState; count: number } | undefined;
  for (const [state, count] of counts) {
    if (best === undefined || count > best.count) best = { state, count };
  }
  return best;
}

function portsScannedLine(report: ScanReport, options: GrepableOptions): string {
  const seen = { tcp: new Set<number>(), udp: new Set<number>() };
  for (const host of report.hosts) for (const p of host.ports) seen[p.protocol].add(p.port);
  const part = (protocol: "tcp" | "udp"): string => {
    const list = options.scannedPorts?.[protocol] ?? [...seen[protocol]];
    const count = options.scannedPorts
      ? new Set(list).size
      : Math.max(report.portsPerHost[protocol], list.length);
    return `${count};${compressPorts(list)}`;
  };
  return `# Ports scanned: TCP(${part("tcp")}) UDP(${part("udp")}) SCTP(0;) PROTOCOLS(0;)`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Formats a report as nmap-style grepable output, ending with a newline. Times are in UTC.
 * Ports in large non-open groups are left out and the largest such state is named in
 * "Ignored State", by the same rule as the normal output.
 *
 * @example
 * ```ts
 * await Deno.writeTextFile("scan.gnmap", formatGrepable(report));
 * // grep '/open/' scan.gnmap | cut -d' ' -f2
 * ```
 */
export function formatGrepable(report: ScanReport, options: GrepableOptions = {}): string {
  const verbosity = options.verbosity ?? 0;
  const portScan = report.portsPerHost.tcp + report.portsPerHost.udp > 0;
  const command = clean(["portolan", ...report.args].join(" "));
  const lines = [
    `# Portolan ${report.version} scan initiated ${formatCtime(report.startedAt)} as: ${command}`,
  ];
  if (verbosity >= 1) lines.push(portsScannedLine(report, options));
  for (const host of report.hosts) {
    if (options.openOnly && !shownWithOpen(host, report)) continue;
    const prefix = hostPrefix(host);
    if (host.status === "down") {
      if (verbosity >= 1) lines.push(`${prefix}\tStatus: Down`);
      continue;
    }
    lines.push(`${prefix}\tStatus: Up`);
    if (!portScan || host.ports.length === 0) continue;
    const { shown, ignored } = partitionIgnored(host.ports, {
      verbosity,
      openOnly: options.openOnly,
    });
    let line = `${prefix}\tPorts: ${shown.map(portField).join(", ")}`;
    const most = ignoredState(ignored);
    if (most !== undefined) line += `\tIgnored State: ${most.state} (${most.count})`;
    // nmap's OS field: the active matches, "|"-joined, with field separators replaced.
    const os = host.os?.active?.matches.filter((m, _, all) => m.accuracy === all[0].accuracy);
    if (os && os.length > 0) {
      line += `\tOS: ${os.map((m) => clean(m.name).replace(/\t/g, " ")).join(" | ")}`;
    }
    lines.push(line);
    if (host.timedOut) {
      lines.push(`# Host ${clean(host.address)} timed out; its ports are incomplete`);
    }
  }
  if (report.partial) lines.push("# Scan interrupted; these results are incomplete");
  const addresses = plural(report.hostsTotal, "IP address", "IP addresses");
  const up = plural(report.hostsUp, "host", "hosts");
  const elapsed = (report.elapsedMs / 1000).toFixed(2);
  lines.push(
    `# Portolan done at ${
      formatCtime(report.endedAt)
    } -- ${addresses} (${up} up) scanned in ${elapsed} seconds`,
  );
  return lines.join("\n") + "\n";
}
