/**
 * The JSON report: one document per scan, described field by field in docs/json-schema.md.
 *
 * @module
 */
import type { HostReport, PortResult, ScanReport } from "./report.ts";

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

function hostJson(host: HostReport): { [key: string]: Json } {
  const out: { [key: string]: Json } = { address: host.address };
  optional(out, "hostname", host.hostname);
  out.status = host.status;
  out.reason = host.reason;
  optional(out, "latencyMs", host.latencyMs);
  optional(out, "mac", host.mac);
  out.timedOut = host.timedOut;
  out.ports = host.ports.map(portJson);
  if (host.os?.passive) out.osPassive = JSON.parse(JSON.stringify(host.os.passive)) as Json;
  if (host.os?.active) out.os = JSON.parse(JSON.stringify(host.os.active)) as Json;
  if (host.audit) out.audit = JSON.parse(JSON.stringify(host.audit)) as Json;
  if (host.trace) out.trace = JSON.parse(JSON.stringify(host.trace)) as Json;
  if (host.hostScripts) out.hostScripts = JSON.parse(JSON.stringify(host.hostScripts)) as Json;
  return out;
}

/**
 * The report as one pretty-printed JSON document (two-space indent, trailing newline) with a
 * stable key order.
 *
 * @example
 * ```ts
 * await Deno.writeTextFile("scan.json", formatJson(report));
 * ```
 */
export function formatJson(report: ScanReport): string {
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
    hosts: report.hosts.map(hostJson),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
