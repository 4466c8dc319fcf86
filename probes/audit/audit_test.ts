import { deepEqual, equal, ok } from "node:assert/strict";
import { auditHost, ruleFor } from "./audit.ts";
import { AUDIT_RULES } from "./rules.ts";

Deno.test("auditHost: clear-text and exposed services get the seed's advice made concrete", () => {
  const r = auditHost([
    { port: 23, protocol: "tcp", state: "open", service: { name: "telnet" } },
    {
      port: 21,
      protocol: "tcp",
      state: "open",
      service: { name: "ftp", product: "vsftpd", version: "3.0.3" },
    },
    { port: 80, protocol: "tcp", state: "open", service: { name: "http" } },
    { port: 443, protocol: "tcp", state: "open", service: { name: "http", tunnel: "ssl" } },
    { port: 110, protocol: "tcp", state: "open", service: { name: "pop3" } },
    { port: 993, protocol: "tcp", state: "open", service: { name: "imap", tunnel: "ssl" } },
    { port: 22, protocol: "tcp", state: "open", service: { name: "ssh" } },
    { port: 3389, protocol: "tcp", state: "open" },
    { port: 6379, protocol: "tcp", state: "open", service: { name: "redis" } },
    { port: 25, protocol: "tcp", state: "closed" },
    { port: 8080, protocol: "tcp", state: "filtered" },
  ]);
  const by = new Map(r.ports.map((p) => [p.port, p]));
  equal(r.ports.length, 9, "closed and filtered ports are not findings");
  equal(by.get(23)!.risk, "high");
  ok(by.get(23)!.recommendation.includes("Replace Telnet with SSH"));
  ok(by.get(21)!.recommendation.includes("SFTP"));
  ok(by.get(21)!.findings[0].startsWith("21/tcp ftp vsftpd 3.0.3"));
  ok(by.get(80)!.recommendation.includes("HTTPS"));
  equal(by.get(443)!.risk, "info");
  ok(by.get(110)!.recommendation.includes("POP3S"));
  equal(by.get(993)!.risk, "info", "IMAP inside TLS is not clear text");
  ok(by.get(22)!.recommendation.includes("port knocking"));
  ok(by.get(22)!.recommendation.includes("firewall"));
  equal(by.get(3389)!.risk, "high", "unnamed 3389 falls back to the port");
  ok(by.get(3389)!.recommendation.includes("VPN"));
  ok(by.get(6379)!.recommendation.includes("require authentication"));
  deepEqual(r.summary.counts, { info: 2, low: 2, medium: 2, high: 3, critical: 0 });
  equal(
    r.summary.headline,
    "9 open ports: 3 high, 2 medium, 2 low, 2 info; fix first: 23/tcp (telnet).",
  );
  // Sorted by risk, highest first.
  deepEqual(r.ports.map((p) => p.port).slice(0, 3), [23, 3389, 6379]);
});

Deno.test("auditHost: vulnerability findings raise the risk and carry their evidence", () => {
  const ports = [
    {
      port: 21,
      protocol: "tcp" as const,
      state: "open",
      service: { name: "ftp", product: "vsftpd", version: "2.3.4" },
    },
    { port: 6379, protocol: "tcp" as const, state: "open", service: { name: "redis" } },
    {
      port: 22,
      protocol: "tcp" as const,
      state: "open",
      service: { name: "ssh", product: "OpenSSH", version: "9.2p1" },
    },
    { port: 443, protocol: "tcp" as const, state: "open", service: { name: "https" } },
  ];
  const r = auditHost(ports, [
    {
      script: "ftp-vsftpd-backdoor",
      port: 21,
      protocol: "tcp",
      output: {
        vulnerable: {
          state: "VULNERABLE",
          id: "CVE-2011-2523",
          title: "vsftpd 2.3.4 backdoor shell",
          evidence: "`id` returned uid=0(root)",
          risk: "critical",
        },
      },
    },
    {
      script: "redis-noauth",
      port: 6379,
      output: {
        vulnerable: {
          state: "NOT VULNERABLE",
          title: "Redis without authentication",
          evidence: "NOAUTH",
        },
      },
    },
    {
      script: "cve-lookup",
      port: 22,
      output: {
        vulnerable: {
          state: "LIKELY VULNERABLE",
          id: "CVE-2024-6387",
          title: "3 known CVE(s)",
          evidence: "version match",
          risk: "critical",
        },
      },
    },
    {
      script: "ssl-cert-expired",
      port: 443,
      output: {
        vulnerable: {
          state: "VULNERABLE",
          title: "Expired TLS certificate",
          evidence: "valid to 2020-02-01",
          risk: "medium",
        },
      },
    },
  ]);
  const by = new Map(r.ports.map((p) => [p.port, p]));
  equal(by.get(21)!.risk, "critical");
  ok(by.get(21)!.findings.some((f) => f.includes("uid=0(root)") && f.includes("CVE-2011-2523")));
  ok(by.get(21)!.recommendation.startsWith("fix CVE-2011-2523"));
  equal(by.get(6379)!.risk, "high", "a NOT VULNERABLE result changes nothing");
  equal(by.get(6379)!.findings.length, 1);
  equal(by.get(22)!.risk, "high", "a version match alone stops at high");
  equal(by.get(443)!.risk, "medium");
  equal(r.summary.counts.critical, 1);
  ok(r.summary.headline.endsWith("fix first: 21/tcp (ftp)."));
});

Deno.test("auditHost: nothing open, and unknown services", () => {
  equal(auditHost([]).summary.headline, "No open ports: nothing exposed.");
  const r = auditHost([{
    port: 31337,
    protocol: "tcp",
    state: "open",
    service: { name: "unknown" },
  }]);
  equal(r.ports[0].risk, "low");
  ok(r.ports[0].recommendation.includes("close it if it is not needed"));
});

Deno.test("audit rules: every rule has advice, and no service name is claimed twice", () => {
  const seen = new Set<string>();
  for (const rule of AUDIT_RULES) {
    ok(rule.recommendation.length > 20 && rule.finding.length > 5);
    for (const s of rule.services) {
      ok(!seen.has(s), `duplicate service ${s}`);
      seen.add(s);
    }
  }
  equal(
    ruleFor({ port: 5432, protocol: "tcp", state: "open", service: { name: "postgresql" } }).risk,
    "high",
  );
});

Deno.test("auditHost: takes engine ScriptEvents (id + top-level vulnerable) as well", () => {
  const r = auditHost(
    [{ port: 6379, protocol: "tcp", state: "open", service: { name: "redis" } }],
    [{
      id: "redis-noauth",
      port: 6379,
      protocol: "tcp",
      output: "VULNERABLE: ...",
      vulnerable: {
        state: "VULNERABLE",
        title: "Redis without authentication",
        evidence: "redis_version:7.0.15",
        risk: "high",
      },
    }],
  );
  ok(
    r.ports[0].findings[1].includes("(redis-noauth: redis_version:7.0.15)"),
    r.ports[0].findings[1],
  );
  ok(r.ports[0].recommendation.startsWith("fix: Redis without authentication."));
});
