/**
 * nmap-compatible XML (`-oX`): the document layout of nmap's `xmloutputversion` 1.05, so that
 * tools built for nmap's XML (ndiff, nmap.xsl, parsers) read Portolan's reports.
 *
 * The root says `scanner="nmap"` by default. nmap's DTD enumerates the attribute as `(nmap)`, so
 * `scanner="portolan"` makes the document invalid for every validating consumer (ndiff and
 * nmap.xsl accept it, xmllint against nmap.dtd does not). Where the report came from stays
 * visible: `args` starts with `portolan`, `version` is Portolan's, and the leading comment and
 * the run summary name Portolan. `{ scanner: "portolan" }` opts into the honest name.
 *
 * @module
 */
import type { PortState } from "../engine/events.ts";
import { formatTracerouteXml } from "../probes/traceroute/format.ts";
import type { HostReport, PortResult, ScanReport, ScriptRecord, ServiceInfo } from "./report.ts";

/** Options for {@link formatXml}. */
export interface XmlOptions {
  /** Adds an `xml-stylesheet` instruction, e.g. `file:///usr/share/nmap/nmap.xsl`. */
  xslHref?: string;
  /**
   * The ports scanned per protocol, for `<scaninfo services>`. The report only keeps results,
   * so without this the list is the union of ports that have a result on some host.
   */
  scannedPorts?: { tcp: number[]; udp: number[] };
  /** `-v` count: written as `<verbose level>` and raises the threshold for `<extraports>`. */
  verbosity?: number;
  /** `-d` count, written as `<debugging level>`. */
  debugging?: number;
  /**
   * `--open`: as nmap, hosts without an open (or possibly open) port are left out and the
   * other states of a shown host go to `<extraports>`.
   */
  openOnly?: boolean;
  /** Value of the root's `scanner` attribute; see the module notes for why "nmap" is default. */
  scanner?: "nmap" | "portolan";
}

export { type IgnoredGroup, partitionIgnored } from "./hidden.ts";
import { type IgnoredGroup, partitionIgnored, shownWithOpen } from "./hidden.ts";

/**
 * Port numbers as nmap writes them: sorted, duplicates dropped, runs collapsed ("1-3,5").
 *
 * @example
 * ```ts
 * compressPorts([5, 1, 2, 3]); // "1-3,5"
 * ```
 */
export function compressPorts(ports: Iterable<number>): string {
  const sorted = sortedUnique(ports);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * Port numbers ascending without repeats. Lists are usually sorted already (a -p- scan's
 * 65535 ports): checked in one pass; otherwise sorted natively as numbers.
 */
function sortedUnique(ports: Iterable<number>): number[] {
  const list = Array.isArray(ports) ? ports as number[] : [...ports];
  let ordered = true;
  for (let i = 1; i < list.length && ordered; i++) ordered = list[i - 1] < list[i];
  if (ordered) return list;
  const values = Float64Array.from(list).sort();
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (i === 0 || values[i] !== values[i - 1]) out.push(values[i]);
  }
  return out;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * A time in C `ctime` layout ("Thu Nov 26 03:00:00 2026"), as nmap's XML and grepable output
 * print it, but in UTC so that output does not depend on the machine's time zone.
 */
export function formatCtime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, "0");
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  const day = String(d.getUTCDate()).padStart(2, " ");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${time} ${d.getUTCFullYear()}`;
}

// XML 1.0 forbids most C0 controls even as character references, and lone surrogates cannot be
// encoded in UTF-8: both are replaced so that hostile service banners or names cannot break the
// document.
// deno-lint-ignore no-control-regex
const INVALID_XML = new RegExp(
  "[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]",
  "g",
);

/** Escapes text for an attribute value or element content. */
export function escapeXml(text: string): string {
  return text.replace(INVALID_XML, "\uFFFD").replace(/[&<>"'\t\n\r]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      default:
        // Attribute-value normalisation would turn raw tabs and newlines into spaces.
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

/** Comments may not contain "--"; nmap writes "-&#45;", which reads back recognisably. */
function commentText(text: string): string {
  return text.replace(INVALID_XML, "\uFFFD").replace(/--/g, "-&#45;");
}

function attrs(pairs: Array<[string, string | number]>): string {
  return pairs.map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join("");
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function commandLine(report: ScanReport): string {
  return ["portolan", ...report.args].join(" ");
}

const TCP_SCAN_TYPES = new Set([
  "syn",
  "ack",
  "connect",
  "null",
  "xmas",
  "window",
  "maimon",
  "fin",
]);

function scanInfo(report: ScanReport, options: XmlOptions): string[] {
  const lines: string[] = [];
  let seen: { tcp: Set<number>; udp: Set<number> } | undefined;
  if (!options.scannedPorts) {
    seen = { tcp: new Set<number>(), udp: new Set<number>() };
    for (const host of report.hosts) for (const p of host.ports) seen[p.protocol].add(p.port);
  }
  for (const protocol of ["tcp", "udp"] as const) {
    const listed = options.scannedPorts
      ? sortedUnique(options.scannedPorts[protocol])
      : [...seen![protocol]];
    const count = options.scannedPorts
      ? listed.length
      : Math.max(report.portsPerHost[protocol], listed.length);
    if (count === 0) continue;
    // The DTD only knows nmap's technique names; a TCP technique it lacks is closest to connect.
    const type = protocol === "udp"
      ? "udp"
      : TCP_SCAN_TYPES.has(report.scanType)
      ? report.scanType
      : "connect";
    lines.push(
      `<scaninfo${
        attrs([
          ["type", type],
          ["protocol", protocol],
          ["numservices", count],
          ["services", compressPorts(listed)],
        ])
      }/>`,
    );
  }
  return lines;
}

function extraPorts(ignored: IgnoredGroup[]): string[] {
  // nmap groups by state across protocols; extrareasons keep the protocol apart.
  const byState = new Map<PortState, IgnoredGroup[]>();
  for (const group of ignored) {
    byState.set(group.state, [...(byState.get(group.state) ?? []), group]);
  }
  const lines: string[] = [];
  for (const [state, groups] of byState) {
    const count = groups.reduce((n, g) => n + g.ports.length, 0);
    lines.push(`<extraports${attrs([["state", state], ["count", count]])}>`);
    for (const group of groups) {
      const reasons = [...group.reasons.entries()].sort((a, b) => b[1].length - a[1].length);
      for (const [reason, ports] of reasons) {
        lines.push(
          `<extrareasons${
            attrs([
              ["reason", reason],
              ["count", ports.length],
              ["proto", group.protocol],
              ["ports", compressPorts(ports)],
            ])
          }/>`,
        );
      }
    }
    lines.push("</extraports>");
  }
  return lines;
}

/** `<script id output>`: the human text; structured data stays in the JSON report. */
function scriptXml(script: ScriptRecord): string {
  const output = script.output ?? (script.error ? `ERROR: ${script.error}` : "");
  return `<script${attrs([["id", script.id], ["output", output]])}/>`;
}

/** `<os>`: active detection's ranked matches and fingerprint. */
function osXml(host: HostReport): string[] {
  const active = host.os?.active;
  if (!active) return [];
  const lines = ["<os>"];
  active.matches.forEach((match, line) => {
    lines.push(
      `<osmatch${attrs([["name", match.name], ["accuracy", match.accuracy], ["line", line + 1]])}>`,
    );
    const c = match.osClass;
    if (c) {
      const pairs: Array<[string, string | number]> = [["vendor", c.vendor], [
        "osfamily",
        c.family,
      ]];
      if (c.generation) pairs.push(["osgen", c.generation]);
      if (c.deviceType) pairs.push(["type", c.deviceType]);
      pairs.push(["accuracy", match.accuracy]);
      const cpes = match.cpe.map((cpe) => `<cpe>${escapeXml(cpe)}</cpe>`).join("");
      lines.push(`<osclass${attrs(pairs)}>${cpes}</osclass>`);
    }
    lines.push("</osmatch>");
  });
  lines.push(`<osfingerprint${attrs([["fingerprint", active.fingerprint]])}/>`, "</os>");
  return lines;
}

function portXml(port: PortResult): string {
  const state = `<state${
    attrs([["state", port.state], ["reason", port.reason], ["reason_ttl", port.reasonTtl ?? 0]])
  }/>`;
  const service = port.service === undefined ? "" : serviceXml(port.service, port.serviceInfo);
  const scripts = (port.scripts ?? []).map(scriptXml).join("");
  return `<port${
    attrs([["protocol", port.protocol], ["portid", port.port]])
  }>${state}${service}${scripts}</port>`;
}

/** `<service>`: the registry's guess (method table), or what version detection found. */
function serviceXml(name: string, info: ServiceInfo | undefined): string {
  if (info === undefined) {
    return `<service${attrs([["name", name], ["method", "table"], ["conf", 3]])}/>`;
  }
  // nmap writes "ssl/http" as name="http" tunnel="ssl".
  const bare = info.tunnel === "ssl" ? name.replace(/^ssl\//, "") : name;
  const pairs: Array<[string, string | number]> = [["name", bare]];
  const optional: Array<[string, string | undefined]> = [
    ["product", info.product],
    ["version", info.version],
    ["extrainfo", info.extraInfo],
    ["tunnel", info.tunnel],
    ["hostname", info.hostname],
    ["ostype", info.osHint],
    ["devicetype", info.deviceType],
  ];
  for (const [key, value] of optional) {
    if (value !== undefined && value !== "") pairs.push([key, value]);
  }
  pairs.push(["method", info.method], [
    "conf",
    Math.max(0, Math.min(10, Math.round(info.confidence))),
  ]);
  const cpes = info.cpe.map((cpe) => `<cpe>${escapeXml(cpe)}</cpe>`).join("");
  return cpes === "" ? `<service${attrs(pairs)}/>` : `<service${attrs(pairs)}>${cpes}</service>`;
}

/**
 * nmap's `<times>` in microseconds. Only one latency sample exists, so the estimators start as
 * RFC 6298 section 2.2 prescribes for a first measurement R: SRTT = R, RTTVAR = R/2,
 * RTO = SRTT + 4 * RTTVAR, here with nmap's default 100 ms floor.
 */
function timesXml(latencyMs: number): string {
  const srtt = Math.round(latencyMs * 1000);
  const rttvar = Math.round(srtt / 2);
  const to = Math.max(100_000, srtt + 4 * rttvar);
  return `<times${attrs([["srtt", srtt], ["rttvar", rttvar], ["to", to]])}/>`;
}

function hostXml(host: HostReport, report: ScanReport, options: XmlOptions): string[] {
  const hostAttrs: Array<[string, string | number]> = [
    ["starttime", seconds(report.startedAt)],
    ["endtime", seconds(report.endedAt)],
  ];
  if (host.timedOut) hostAttrs.push(["timedout", "true"]);
  const lines = [
    `<host${attrs(hostAttrs)}><status${
      attrs([["state", host.status], ["reason", host.reason], ["reason_ttl", 0]])
    }/>`,
    `<address${
      attrs([["addr", host.address], ["addrtype", host.address.includes(":") ? "ipv6" : "ipv4"]])
    }/>`,
  ];
  if (host.mac !== undefined) {
    lines.push(`<address${attrs([["addr", host.mac.toUpperCase()], ["addrtype", "mac"]])}/>`);
  }
  if (host.hostname !== undefined && host.hostname !== "" && host.hostname !== host.address) {
    lines.push(
      "<hostnames>",
      `<hostname${attrs([["name", host.hostname], ["type", "user"]])}/>`,
      "</hostnames>",
    );
  } else {
    lines.push("<hostnames>", "</hostnames>");
  }
  if (host.status === "up" && host.ports.length > 0) {
    const { shown, ignored } = partitionIgnored(host.ports, options);
    // nmap's shape: "<ports>" shares its line with the first child.
    const body = [...extraPorts(ignored), ...shown.map(portXml)];
    lines.push(`<ports>${body[0]}`, ...body.slice(1), "</ports>");
  }
  lines.push(...osXml(host));
  if (host.os?.passive) {
    const p = host.os.passive;
    // nmap's schema has no passive hint; a comment keeps it visible without breaking the DTD.
    const name = p.versionRange ? `${p.family} ${p.versionRange}` : p.family;
    lines.push(`<!-- ${commentText(`passive OS hint: ${name} (${p.confidence}%)`)} -->`);
  }
  if (host.trace) {
    lines.push(formatTracerouteXml({ address: host.address, ...host.trace }).trimEnd());
  }
  if (host.hostScripts?.length) {
    lines.push(`<hostscript>${host.hostScripts.map(scriptXml).join("")}</hostscript>`);
  }
  if (host.latencyMs !== undefined) lines.push(timesXml(host.latencyMs));
  lines.push("</host>");
  return lines;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The report as an nmap-style XML document (UTF-8, ending with a newline) that validates against
 * nmap's DTD. Every host is written, down hosts included; ports in large non-open groups are
 * summarised in `<extraports>` by the same rule as the normal output. Deterministic: the same
 * report and options always give the same text.
 *
 * @example
 * ```ts
 * const xml = formatXml(report, { xslHref: "file:///usr/share/nmap/nmap.xsl" });
 * await Deno.writeTextFile("scan.xml", xml);
 * ```
 */
export function formatXml(report: ScanReport, options: XmlOptions = {}): string {
  const startstr = formatCtime(report.startedAt);
  const endstr = formatCtime(report.endedAt);
  const cmd = commandLine(report);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<!DOCTYPE nmaprun>"];
  if (options.xslHref !== undefined) {
    lines.push(`<?xml-stylesheet href="${escapeXml(options.xslHref)}" type="text/xsl"?>`);
  }
  lines.push(
    `<!-- ${commentText(`Portolan ${report.version} scan initiated ${startstr} as: ${cmd}`)} -->`,
    `<nmaprun${
      attrs([
        ["scanner", options.scanner ?? "nmap"],
        ["args", cmd],
        ["start", seconds(report.startedAt)],
        ["startstr", startstr],
        ["version", report.version],
        ["xmloutputversion", "1.05"],
      ])
    }>`,
    ...scanInfo(report, options),
    `<verbose${attrs([["level", options.verbosity ?? 0]])}/>`,
    `<debugging${attrs([["level", options.debugging ?? 0]])}/>`,
  );
  for (const host of report.hosts) {
    if (options.openOnly && !shownWithOpen(host, report)) continue;
    lines.push(...hostXml(host, report, options));
  }
  const elapsed = (report.elapsedMs / 1000).toFixed(2);
  const summary = `Portolan done at ${endstr}; ${
    plural(report.hostsTotal, "IP address", "IP addresses")
  } (${plural(report.hostsUp, "host", "hosts")} up) scanned in ${elapsed} seconds`;
  const finished: Array<[string, string | number]> = [
    ["time", seconds(report.endedAt)],
    ["timestr", endstr],
    ["summary", summary],
    ["elapsed", elapsed],
    ["exit", report.partial ? "error" : "success"],
  ];
  if (report.partial) finished.push(["errormsg", "scan interrupted; results are incomplete"]);
  lines.push(
    `<runstats><finished${attrs(finished)}/><hosts${
      attrs([["up", report.hostsUp], ["down", report.hostsDown], ["total", report.hostsTotal]])
    }/>`,
    "</runstats>",
    "</nmaprun>",
  );
  return lines.join("\n") + "\n";
}
