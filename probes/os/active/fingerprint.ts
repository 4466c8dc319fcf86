/**
 * The text form of a fingerprint, `SCAN(...)SEQ(...)OPS(...)...IE(...)`: written from test
 * lines, read back (ours or the block nmap prints after "TCP/IP fingerprint:"), and wrapped
 * into nmap's `OS:`-prefixed lines for display.
 */
import { hex, type TestLine } from "./tests.ts";

/** A whole fingerprint: test name (SCAN, SEQ, OPS, ..., IE) to its attributes. */
export type FingerprintLines = Record<string, TestLine>;

/** The order lines are printed in. */
export const LINE_ORDER = [
  "SCAN",
  "SEQ",
  "OPS",
  "WIN",
  "ECN",
  "T1",
  "T2",
  "T3",
  "T4",
  "T5",
  "T6",
  "T7",
  "U1",
  "IE",
] as const;

/** What the SCAN line records about the run itself. */
export interface ScanInfo {
  /** Scanner version. */
  version: string;
  /** When the probes went out. */
  date: Date;
  openTcpPort?: number;
  closedTcpPort?: number;
  closedUdpPort?: number;
  /** Target address, for the private-address flag. */
  address: string;
  /** Hop distance and how it was learnt: L localhost, D direct (on-link), I from the ICMP quote. */
  distance?: number;
  distanceMethod?: "L" | "D" | "I";
  /** First three bytes of the target's MAC address, e.g. "025054", when on-link. */
  macPrefix?: string;
  /** e.g. "x86_64-linux". */
  platform: string;
}

/** True for RFC 1918 addresses (the SCAN line's PV). */
export function isPrivateIPv4(address: string): boolean {
  const [a, b] = address.split(".").map(Number);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/** The SCAN line. G (good) says both TCP port kinds were known, so the TCP lines mean something. */
export function scanLine(info: ScanInfo): TestLine {
  const line: TestLine = {
    V: info.version,
    E: "4",
    D: `${info.date.getUTCMonth() + 1}/${info.date.getUTCDate()}`,
  };
  if (info.openTcpPort !== undefined) line.OT = String(info.openTcpPort);
  if (info.closedTcpPort !== undefined) line.CT = String(info.closedTcpPort);
  if (info.closedUdpPort !== undefined) line.CU = String(info.closedUdpPort);
  line.PV = isPrivateIPv4(info.address) ? "Y" : "N";
  if (info.distance !== undefined) line.DS = String(info.distance);
  if (info.distanceMethod) line.DC = info.distanceMethod;
  line.G = info.openTcpPort !== undefined && info.closedTcpPort !== undefined ? "Y" : "N";
  if (info.macPrefix) line.M = info.macPrefix;
  line.TM = hex(Math.floor(info.date.getTime() / 1000));
  line.P = info.platform;
  return line;
}

/** One line as text: `NAME(K=V%K=V)`. */
export function formatLine(name: string, line: TestLine): string {
  return `${name}(${Object.entries(line).map(([k, v]) => `${k}=${v}`).join("%")})`;
}

/** All lines, in {@linkcode LINE_ORDER} (then any others), as one unbroken string. */
export function formatFingerprint(lines: FingerprintLines): string {
  const names = [
    ...LINE_ORDER.filter((n) => n in lines),
    ...Object.keys(lines).filter((n) => !(LINE_ORDER as readonly string[]).includes(n)),
  ];
  return names.map((n) => formatLine(n, lines[n])).join("");
}

/**
 * nmap's display form: `OS:` then at most 72 characters per line.
 *
 * @example wrapFingerprint("SCAN(V=1)") // "OS:SCAN(V=1)"
 */
export function wrapFingerprint(text: string, width = 72): string {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += width) out.push("OS:" + text.slice(i, i + width));
  return out.join("\n");
}

/**
 * Read a fingerprint: our flat text, or nmap's wrapped `OS:` block (prefixes and line
 * breaks are removed first). Unknown lines are kept; a value may be empty (`Q=`).
 */
export function parseFingerprint(text: string): FingerprintLines {
  const flat = text.split(/\r?\n/).map((l) => l.trim().replace(/^OS:/, "")).join("");
  const out: FingerprintLines = {};
  for (const m of flat.matchAll(/([A-Z][A-Z0-9]*)\(([^)]*)\)/g)) {
    const line: TestLine = {};
    for (const pair of m[2].split("%")) {
      if (pair === "") continue;
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      line[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    out[m[1]] = line;
  }
  return out;
}

/**
 * The fingerprint block nmap prints after "TCP/IP fingerprint:" (with -d, or when no OS
 * matched exactly), or from an `-oX` file's `<osfingerprint fingerprint="...">`;
 * `undefined` when the text has neither.
 */
export function extractNmapFingerprint(output: string): string | undefined {
  const xml = output.match(/<osfingerprint fingerprint="([^"]*)"/);
  if (xml) {
    return xml[1].replace(/&#xa;/g, "\n").replace(/&#x0a;/gi, "\n").replace(/&amp;/g, "&");
  }
  const i = output.indexOf("TCP/IP fingerprint:");
  if (i < 0) return undefined;
  const lines: string[] = [];
  for (const l of output.slice(i).split("\n").slice(1)) {
    if (!l.startsWith("OS:")) break;
    lines.push(l);
  }
  return lines.length ? lines.join("\n") : undefined;
}
