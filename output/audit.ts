/**
 * `--audit`: "how to secure open ports" applied to a finished report. For every open port, a
 * risk level and a concrete recommendation (probes/audit has the rules), raised by what
 * vulnerability scripts proved; per host, a summary. Pure: report in, audited report out.
 *
 * @module
 */
import { auditHost } from "../probes/audit/mod.ts";
import type { AuditPort, AuditScript } from "../probes/audit/mod.ts";
import type { HostReport, ScanReport } from "./report.ts";

function auditOne(host: HostReport): HostReport {
  const ports: AuditPort[] = host.ports.map((p) => ({
    port: p.port,
    protocol: p.protocol,
    state: p.state,
    service: p.serviceInfo
      ? {
        name: p.serviceInfo.name,
        product: p.serviceInfo.product,
        version: p.serviceInfo.version,
        tunnel: p.serviceInfo.tunnel,
      }
      : p.service === undefined
      ? undefined
      : { name: p.service },
  }));
  const scripts: AuditScript[] = [];
  for (const p of host.ports) {
    for (const s of p.scripts ?? []) {
      scripts.push({ id: s.id, port: p.port, protocol: p.protocol, vulnerable: s.vulnerable });
    }
  }
  for (const s of host.hostScripts ?? []) scripts.push({ id: s.id, vulnerable: s.vulnerable });
  const audit = auditHost(ports, scripts);
  const byPort = new Map(audit.ports.map((a) => [`${a.protocol}/${a.port}`, a]));
  return {
    ...host,
    ports: host.ports.map((p) => {
      const a = byPort.get(`${p.protocol}/${p.port}`);
      return a
        ? { ...p, audit: { risk: a.risk, findings: a.findings, recommendation: a.recommendation } }
        : p;
    }),
    audit: audit.summary,
  };
}

/** The report with every up host's open ports audited. */
export function auditReport(report: ScanReport): ScanReport {
  return { ...report, hosts: report.hosts.map((h) => (h.status === "up" ? auditOne(h) : h)) };
}
