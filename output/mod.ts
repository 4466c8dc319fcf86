/**
 * Report writers: fold events into a report, then format it as text or JSON.
 *
 * @module
 */
export {
  type BuildOptions,
  foldEvents,
  type HostReport,
  type PortResult,
  ReportBuilder,
  type ReportMeta,
  type ReportOptions,
  type ScanReport,
  type ServiceNamer,
} from "./report.ts";
export { formatLatency, formatNormal, formatStartLine, type NormalOptions } from "./normal.ts";
export { formatJson, JSON_SCHEMA_ID } from "./json.ts";
export {
  compressPorts,
  escapeXml,
  formatCtime,
  formatXml,
  type IgnoredGroup,
  partitionIgnored,
  type XmlOptions,
} from "./xml.ts";
export { formatGrepable, type GrepableOptions } from "./grepable.ts";
export { escapeHtml, formatHtml, type HtmlOptions } from "./html.ts";
export {
  formatNdjson,
  NDJSON_SCHEMA_ID,
  type NdjsonMeta,
  type NdjsonOptions,
  NdjsonWriter,
} from "./ndjson.ts";
