/**
 * `--audit`: turns a host's open ports (and any vulnerability script results) into a risk per
 * port, the findings behind it and a concrete recommendation, plus a summary.
 *
 * @module
 */
import { AUDIT_RULES, type AuditRule, DEFAULT_RULE, type Risk, RISKS } from "./rules.ts";

/** A port as the audit takes it (a subset of the scan's port and service events). */
export interface AuditPort {
  port: number;
  protocol: "tcp" | "udp" | "sctp";
  state: string;
  service?: { name: string; product?: string; version?: string; tunnel?: "ssl" | string };
}

/** A vulnerability verdict, as scripts report it. */
export interface AuditVerdict {
  state: "VULNERABLE" | "NOT VULNERABLE" | "LIKELY VULNERABLE";
  id?: string;
  title: string;
  evidence: string;
  risk?: "low" | "medium" | "high" | "critical";
}

/**
 * A script result as the audit takes it: either a runner `ScriptResult` (`script`,
 * `output.vulnerable`) or an engine `ScriptEvent` (`id`, `vulnerable`) passes as is.
 */
export interface AuditScript {
  script?: string;
  id?: string;
  port?: number;
  protocol?: string;
  vulnerable?: AuditVerdict;
  output?: string | { vulnerable?: AuditVerdict };
}

/** The audit of one port. */
export interface AuditedPort {
  port: number;
  protocol: string;
  service?: string;
  risk: Risk;
  findings: string[];
  recommendation: string;
}

/** The audit of one host. */
export interface AuditReport {
  ports: AuditedPort[];
  summary: { counts: Record<Risk, number>; headline: string };
}

function rank(r: Risk): number {
  return RISKS.indexOf(r);
}

function max(a: Risk, b: Risk): Risk {
  return rank(a) >= rank(b) ? a : b;
}

/** The rule that applies to a port: by service name first, then by port number. */
export function ruleFor(p: AuditPort): AuditRule {
  const raw = p.service?.name;
  const name = raw && raw !== "unknown" && raw !== "tcpwrapped" ? raw : undefined;
  if (name) {
    const tls = p.service?.tunnel === "ssl" || name.startsWith("ssl/");
    const bare = name.replace(/^ssl\//, "");
    if (tls && (bare === "http" || bare === "https")) {
      return AUDIT_RULES.find((r) => r.services.includes("https"))!;
    }
    const byName = AUDIT_RULES.find((r) => r.services.includes(bare));
    if (byName) {
      // Wrapped in TLS, a clear-text finding no longer holds (IMAP on 993, FTP over TLS...).
      if (tls && ["ftp", "pop3", "imap", "http", "smtp", "telnet"].includes(bare)) {
        return AUDIT_RULES.find((r) => r.services.includes("https"))!;
      }
      return byName;
    }
    return DEFAULT_RULE;
  }
  return AUDIT_RULES.find((r) => r.ports?.includes(p.port)) ?? DEFAULT_RULE;
}

function describe(p: AuditPort): string {
  const s = p.service;
  const what = [s?.name, s?.product, s?.version].filter(Boolean).join(" ");
  return `${p.port}/${p.protocol}${what ? ` ${what}` : ""}`;
}

/**
 * Audit one host. Only open (and open|filtered) ports are reported; closed and filtered ports
 * already do what the audit would recommend. A VULNERABLE script finding raises the port to at
 * least the script's risk (high when it gave none); LIKELY VULNERABLE to at least medium.
 *
 * @example
 * auditHost([{ port: 23, protocol: "tcp", state: "open", service: { name: "telnet" } }]).ports[0].risk
 * // "high"
 */
export function auditHost(ports: AuditPort[], scripts: AuditScript[] = []): AuditReport {
  const out: AuditedPort[] = [];
  for (const p of ports) {
    if (p.state !== "open" && p.state !== "open|filtered") continue;
    const rule = ruleFor(p);
    let risk: Risk = rule.risk;
    const findings = [`${describe(p)}: ${rule.finding}`];
    if (p.state === "open|filtered") findings.push("state open|filtered: no reply proved it open");
    const extra: string[] = [];
    for (const s of scripts) {
      if (s.port !== p.port || (s.protocol !== undefined && s.protocol !== p.protocol)) continue;
      const v = s.vulnerable ?? (typeof s.output === "object" ? s.output.vulnerable : undefined);
      const name = s.script ?? s.id ?? "script";
      if (!v || v.state === "NOT VULNERABLE") continue;
      const floor: Risk = v.state === "VULNERABLE"
        ? (v.risk ?? "high")
        : max(v.risk ?? "medium", "medium");
      // LIKELY findings (version matches) raise the risk, but not past high on their own.
      risk = max(
        risk,
        v.state === "VULNERABLE" ? floor : (rank(floor) > rank("high") ? "high" : floor),
      );
      findings.push(`${v.state}${v.id ? ` ${v.id}` : ""}: ${v.title} (${name}: ${v.evidence})`);
      extra.push(v.id ? `fix ${v.id} (${v.title})` : `fix: ${v.title}`);
    }
    const recommendation = extra.length
      ? `${extra.join("; ")}. ${rule.recommendation}`
      : rule.recommendation;
    out.push({
      port: p.port,
      protocol: p.protocol,
      service: p.service?.name,
      risk,
      findings,
      recommendation,
    });
  }
  out.sort((a, b) => rank(b.risk) - rank(a.risk) || a.port - b.port);
  const counts = Object.fromEntries(RISKS.map((r) => [r, 0])) as Record<Risk, number>;
  for (const p of out) counts[p.risk]++;
  return { ports: out, summary: { counts, headline: headline(out, counts) } };
}

function headline(ports: AuditedPort[], counts: Record<Risk, number>): string {
  if (ports.length === 0) return "No open ports: nothing exposed.";
  const parts = [...RISKS].reverse().filter((r) => counts[r] > 0).map((r) => `${counts[r]} ${r}`);
  const top = ports[0];
  const fix = rank(top.risk) >= rank("medium")
    ? `; fix first: ${top.port}/${top.protocol}${top.service ? ` (${top.service})` : ""}`
    : "";
  return `${ports.length} open port${ports.length === 1 ? "" : "s"}: ${parts.join(", ")}${fix}.`;
}
