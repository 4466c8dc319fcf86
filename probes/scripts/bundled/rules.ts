/**
 * Port rules shared by the bundled scripts (nmap's "shortport" idea): a script applies when
 * version detection named its service, or, without -sV, when the port is the usual one.
 *
 * @module
 */
import type { ScriptPort } from "../types.ts";

/** Build a rule: the port number is in `ports` or the service name is in `names`. */
export function portOrService(
  ports: number[],
  names: string[],
  protocol: "tcp" | "udp" = "tcp",
): (port: ScriptPort) => boolean {
  return (p) => {
    if (p.protocol !== protocol) return false;
    const name = p.service?.name?.replace(/^ssl\//, "");
    if (name !== undefined && name !== "unknown" && name !== "tcpwrapped") {
      return names.includes(name);
    }
    return ports.includes(p.port);
  };
}

/** HTTP and HTTPS, by name or by the ports web servers usually take. */
export const httpRule: (port: ScriptPort) => boolean = portOrService(
  [80, 81, 443, 591, 3000, 5000, 8000, 8008, 8080, 8081, 8443, 8888],
  ["http", "https", "http-proxy", "http-alt", "https-alt", "http-mgmt"],
);

/** Services spoken inside TLS. */
export function sslRule(p: ScriptPort): boolean {
  if (p.protocol !== "tcp") return false;
  if (p.service?.tunnel === "ssl") return true;
  const name = p.service?.name;
  if (
    name &&
    ["https", "imaps", "pop3s", "smtps", "ldaps", "ftps", "ircs", "submissions"].includes(name)
  ) {
    return true;
  }
  return [443, 465, 636, 853, 990, 993, 995, 8443].includes(p.port) &&
    (name === undefined || name === "unknown" || name.startsWith("ssl"));
}
