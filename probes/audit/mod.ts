/**
 * The `--audit` report: per-port risk, findings and recommendations.
 *
 * @module
 */
export {
  type AuditedPort,
  auditHost,
  type AuditPort,
  type AuditReport,
  type AuditScript,
  type AuditVerdict,
  ruleFor,
} from "./audit.ts";
export { AUDIT_RULES, type AuditRule, DEFAULT_RULE, type Risk, RISKS } from "./rules.ts";
