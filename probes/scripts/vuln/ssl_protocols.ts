/**
 * ssl-poodle and ssl-weak-protocols: our own ClientHello offering exactly one old protocol
 * version (SSLv3, TLS 1.0, TLS 1.1). A ServerHello at that version means the server still
 * speaks it; an alert or a higher version means it does not.
 *
 * @module
 */
import type { Script, ScriptContext } from "../types.ts";
import { sslRule } from "../bundled/rules.ts";
import {
  alertName,
  clientHello,
  COMMON_SUITES,
  negotiate,
  TLS_VERSIONS,
  versionName,
} from "./tls_wire.ts";

/** SSLv3 suites: CBC and RC4 ones, since SSLv3 knows no AEAD or ECDHE (RFC 6101 appendix A.6). */
const SSL3_SUITES = [0x002f, 0x0035, 0x000a, 0x0033, 0x0039, 0x0016, 0x0005, 0x0004, 0x0009];

/** Whether the server accepts `version`; the evidence says what it did. */
export async function probeVersion(
  ctx: ScriptContext,
  version: number,
): Promise<{ accepted: boolean; evidence: string; cipher?: number }> {
  const sock = await ctx.tcp();
  try {
    const suites = version === 0x0300 ? SSL3_SUITES : COMMON_SUITES;
    const r = await negotiate(sock, clientHello(version, suites), { timeoutMs: 4000 });
    const name = versionName(version);
    switch (r.kind) {
      case "accepted":
        if (r.hello.version === version) {
          return {
            accepted: true,
            cipher: r.hello.cipher,
            evidence: `ServerHello ${name} with suite 0x${
              r.hello.cipher.toString(16).padStart(4, "0")
            }`,
          };
        }
        return {
          accepted: false,
          evidence: `offered ${name}; the server answered ${versionName(r.hello.version)}`,
        };
      case "alert":
        return { accepted: false, evidence: `offered ${name}; alert ${alertName(r.description)}` };
      case "closed":
        return { accepted: false, evidence: `offered ${name}; connection closed` };
      default:
        return { accepted: false, evidence: `offered ${name}; the reply was not TLS` };
    }
  } catch (e) {
    return { accepted: false, evidence: `${versionName(version)}: ${(e as Error).message}` };
  } finally {
    sock.close();
  }
}

/** The `ssl-poodle` script: SSLv3 accepted (CVE-2014-3566). */
export const sslPoodle: Script = {
  name: "ssl-poodle",
  categories: ["vuln", "safe"],
  description:
    "Offers only SSLv3 in a ClientHello; a server that accepts it is exposed to POODLE (CVE-2014-3566).",
  portRule: sslRule,
  async action(ctx) {
    const r = await probeVersion(ctx, 0x0300);
    return {
      text: `${r.accepted ? "VULNERABLE" : "NOT VULNERABLE"}: SSLv3 ${
        r.accepted ? "accepted" : "refused"
      } (${r.evidence})`,
      data: { sslv3: r.accepted },
      vulnerable: {
        state: r.accepted ? "VULNERABLE" : "NOT VULNERABLE",
        id: "CVE-2014-3566",
        title: "SSLv3 enabled (POODLE)",
        evidence: r.evidence,
        risk: r.accepted ? "high" : undefined,
      },
    };
  },
};

/** The `ssl-weak-protocols` script: SSLv3, TLS 1.0, TLS 1.1 accepted (RFC 8996 deprecates them). */
export const sslWeakProtocols: Script = {
  name: "ssl-weak-protocols",
  categories: ["vuln", "safe"],
  description:
    "Offers SSLv3, TLS 1.0 and TLS 1.1 one at a time in our own ClientHello; each one accepted is a finding (RFC 8996).",
  portRule: sslRule,
  async action(ctx: ScriptContext) {
    const accepted: string[] = [];
    const lines: string[] = [];
    for (const name of ["SSLv3", "TLSv1.0", "TLSv1.1"]) {
      const r = await probeVersion(ctx, TLS_VERSIONS[name]);
      if (r.accepted) accepted.push(name);
      lines.push(`${name}: ${r.accepted ? "accepted" : "refused"} (${r.evidence})`);
    }
    const found = accepted.length > 0;
    return {
      text: `${found ? "VULNERABLE" : "NOT VULNERABLE"}: deprecated protocols ${
        found ? accepted.join(", ") : "refused"
      }\n  ${lines.join("\n  ")}`,
      data: { accepted },
      vulnerable: {
        state: found ? "VULNERABLE" : "NOT VULNERABLE",
        title: "Deprecated SSL/TLS protocol versions enabled",
        evidence: lines.join("; "),
        risk: found ? (accepted.includes("SSLv3") ? "high" : "medium") : undefined,
      },
    };
  },
};
