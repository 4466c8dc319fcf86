/**
 * The JSON report: one document per scan, described field by field in docs/json-schema.md.
 *
 * @module
 */
import type { HostReport, PortResult, ScanReport } from "./report.ts";
import { OPEN_STATES, shownWithOpen } from "./hidden.ts";

/** The value of the document's "schema" field; bumped only on incompatible changes. */
export const JSON_SCHEMA_ID = "portolan/report/1";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Adds `key` only when the value is present, so absent facts are absent, not null. */
function optional(target: { [key: string]: Json }, key: string, value: Json | undefined): void {
  if (value !== undefined) target[key] = value;
}

// Objects are built field by field so the key order is the documented one, whatever order the
// report's own fields happen to have been assigned in.
function portJson(port: PortResult): { [key: string]: Json } {
  const out: { [key: string]: Json } = {
    protocol: port.protocol,
    port: port.port,
    state: port.state,
    reason: port.reason,
  };
  optional(out, "reasonTtl", port.reasonTtl);
  optional(out, "rttMs", port.rttMs);
  optional(out, "service", port.service);
  if (port.serviceInfo !== undefined) {
    // Key order follows the ServiceEvent type; absent optional fields are left out.
    out.serviceInfo = JSON.parse(JSON.stringify(port.serviceInfo)) as Json;
  }
  if (port.audit !== undefined) out.audit = JSON.parse(JSON.stringify(port.audit)) as Json;
  if (port.scripts !== undefined) out.scripts = JSON.parse(JSON.stringify(port.scripts)) as Json;
  return out;
}

/** A host's fields after its port list, in the documented order. */
function hostTail(host: HostReport): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (host.os?.passive) out.osPassive = JSON.parse(JSON.stringify(host.os.passive)) as Json;
  if (host.os?.active) out.os = JSON.parse(JSON.stringify(host.os.active)) as Json;
  if (host.audit) out.audit = JSON.parse(JSON.stringify(host.audit)) as Json;
  if (host.trace) out.trace = JSON.parse(JSON.stringify(host.trace)) as Json;
  if (host.hostScripts) out.hostScripts = JSON.parse(JSON.stringify(host.hostScripts)) as Json;
  return out;
}

/** `value` pretty-printed with two-space steps, starting at column `indent`. */
function pretty(value: Json, indent: string): string {
  return JSON.stringify(value, null, 2).replaceAll("\n", `\n${indent}`);
}

/** The members of a pretty-printed object, without its braces: `"a": 1,\n  "b": 2`. */
function members(value: { [key: string]: Json }, indent: string): string {
  const text = pretty(value, indent);
  // "{\n<indent>  ...\n<indent>}" -> "<indent>  ..."
  return text.slice(2, text.length - indent.length - 2);
}

const PORT_INDENT = "        ";

/** Ports serialised per `JSON.stringify` call: a -p- report's text is made a slice at a time. */
const PORTS_PER_PART = 4096;

/**
 * A host's ports, one compact JSON object per line, in parts of at most
 * {@link PORTS_PER_PART} ports. Ports with nested details (version detection, scripts, audit)
 * are written one by one; plain ports, the bulk of a `-p-` scan, in one `JSON.stringify` call
 * per part, split at each port's opening brace. That split is safe: outside a string
 * `},{"protocol":` only occurs between two ports (plain ports have no nested objects), and
 * inside a JSON string a quote is always escaped.
 */
function* portLines(ports: readonly PortResult[]): Generator<string> {
  if (ports.length === 0) {
    yield "[]";
    return;
  }
  const nested = hasDetails(ports);
  for (let from = 0; from < ports.length; from += PORTS_PER_PART) {
    yield `${from === 0 ? "[" : ","}\n${PORT_INDENT}${
      portBody(ports.slice(from, from + PORTS_PER_PART), nested)
    }`;
  }
  yield "\n      ]";
}

/** Text that JSON writes as is between quotes: printable ASCII without `"` and `\\`. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `text` as a JSON string. */
function str(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

/**
 * A port without nested details as one compact JSON line, written directly: a sweep's hosts
 * have a port each, and a `JSON.stringify` call per port costs more than the text.
 */
function plainPortLine(p: PortResult): string {
  let line = `{"protocol":"${p.protocol}","port":${p.port},"state":"${p.state}","reason":${
    str(p.reason)
  }`;
  if (p.reasonTtl !== undefined) line += `,"reasonTtl":${p.reasonTtl}`;
  if (p.rttMs !== undefined) line += `,"rttMs":${JSON.stringify(p.rttMs)}`;
  if (p.service !== undefined) line += `,"service":${str(p.service)}`;
  return `${line}}`;
}

/** Whether any port carries nested details (version detection, scripts, audit). */
function hasDetails(ports: readonly PortResult[]): boolean {
  return ports.some((p) => p.serviceInfo || p.scripts || p.audit);
}

/** Ports as compact JSON lines joined by `,\n` and the port indent (see {@link portLines}). */
function portBody(ports: readonly PortResult[], nested: boolean): string {
  if (nested) return ports.map((p) => JSON.stringify(portJson(p))).join(`,\n${PORT_INDENT}`);
  if (ports.length < 8) return ports.map(plainPortLine).join(`,\n${PORT_INDENT}`);
  return JSON.stringify(ports.map(portJson)).slice(1, -1).replaceAll(
    '},{"protocol":',
    `},\n${PORT_INDENT}{"protocol":`,
  );
}

/** A JSON member line of a host (six-space indent), value as compact JSON. */
function field(key: string, value: string | number | boolean): string {
  return `      "${key}": ${typeof value === "string" ? str(value) : JSON.stringify(value)}`;
}

/**
 * A host's fields before its port list, in the documented order, one per line: written field
 * by field, without a pretty-printer call per host of a sweep.
 */
function headText(host: HostReport): string {
  const lines = [field("address", host.address)];
  if (host.hostname !== undefined) lines.push(field("hostname", host.hostname));
  lines.push(field("status", host.status), field("reason", host.reason));
  if (host.latencyMs !== undefined) lines.push(field("latencyMs", host.latencyMs));
  if (host.mac !== undefined) lines.push(field("mac", host.mac));
  lines.push(field("timedOut", host.timedOut));
  return lines.join(",\n");
}

function* hostParts(host: HostReport, ports: readonly PortResult[]): Generator<string> {
  const indent = "    ";
  yield `${indent}{\n${headText(host)},\n${indent}  "ports": `;
  yield* portLines(ports);
  yield hostEnd(host);
}

/** A host with few ports as one string: most hosts of a sweep, without generator steps. */
function hostText(host: HostReport, ports: readonly PortResult[]): string {
  const list = ports.length === 0
    ? "[]"
    : `[\n${PORT_INDENT}${portBody(ports, hasDetails(ports))}\n      ]`;
  return `    {\n${headText(host)},\n      "ports": ${list}${hostEnd(host)}`;
}

/** What follows a host's port list: its later fields, and its closing brace. */
function hostEnd(host: HostReport): string {
  const indent = "    ";
  if (!host.os && !host.audit && !host.trace && !host.hostScripts) return `\n${indent}}`;
  return `,\n${members(hostTail(host), indent)}\n${indent}}`;
}

/** Options of {@link jsonParts} and {@link formatJson}. */
export interface JsonOptions {
  /**
   * `--open`: as in nmap's outputs, hosts without an open (or possibly open) port are left
   * out (the totals still count them) and a host lists only such ports.
   */
  openOnly?: boolean;
}

/** Strings joined by {@link jsonParts} into one part until it is about this long. */
const PART_CHARS = 1 << 20;

/**
 * The JSON report ({@link formatJson}) as consecutive pieces of text of about a megabyte,
 * so a writer never holds a whole `-p-` or sweep report in memory at once.
 */
export function* jsonParts(report: ScanReport, options: JsonOptions = {}): Generator<string> {
  const doc: { [key: string]: Json } = {
    schema: JSON_SCHEMA_ID,
    version: report.version,
    args: [...report.args],
    scanType: report.scanType,
    startedAt: new Date(report.startedAt).toISOString(),
    endedAt: new Date(report.endedAt).toISOString(),
    elapsedMs: report.elapsedMs,
    partial: report.partial,
    hostsTotal: report.hostsTotal,
    hostsUp: report.hostsUp,
    hostsDown: report.hostsDown,
    portsPerHost: { tcp: report.portsPerHost.tcp, udp: report.portsPerHost.udp },
    warnings: [...report.warnings],
  };
  const head = `{\n${members(doc, "")},\n  "hosts": `;
  const openOnly = options.openOnly ?? false;
  const hosts = openOnly ? report.hosts.filter((h) => shownWithOpen(h, report)) : report.hosts;
  if (hosts.length === 0) {
    yield `${head}[]\n}\n`;
    return;
  }
  let pending: string[] = [head, "["];
  let size = 0;
  for (let i = 0; i < hosts.length; i++) {
    const host = hosts[i];
    pending.push(i === 0 ? "\n" : ",\n");
    const ports = openOnly ? host.ports.filter((p) => OPEN_STATES.has(p.state)) : host.ports;
    const parts = ports.length <= PORTS_PER_PART ? [hostText(host, ports)] : hostParts(host, ports);
    for (const part of parts) {
      pending.push(part);
      size += part.length;
      if (size >= PART_CHARS) {
        yield pending.join("");
        pending = [];
        size = 0;
      }
    }
  }
  pending.push("\n  ]\n}\n");
  yield pending.join("");
}

/**
 * The report as one JSON document with a stable key order, ending in a newline. The scan's
 * fields and each host's fields are pretty-printed (two-space indent); each port is one line
 * of compact JSON, so a `-p-` report stays small, is quick to write, and greps one port per
 * line.
 *
 * @example
 * ```ts
 * await Deno.writeTextFile("scan.json", formatJson(report));
 * ```
 */
export function formatJson(report: ScanReport, options: JsonOptions = {}): string {
  return [...jsonParts(report, options)].join("");
}
