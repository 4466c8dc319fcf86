/**
 * ssl-weak-ciphers: for each family of broken cipher suites (NULL, EXPORT, anonymous, RC4,
 * single DES, 3DES), a ClientHello offering only that family. A ServerHello choosing one of
 * them is the finding; an alert means the server refuses the whole family.
 *
 * @module
 */
import type { Script } from "../types.ts";
import { sslRule } from "../bundled/rules.ts";
import { alertName, clientHello, negotiate, versionName } from "./tls_wire.ts";

/** Suite families, IANA code points (TLS Cipher Suites registry; RFC 2246, 4346, 4492, 5246). */
export const WEAK_FAMILIES: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  NULL: {
    0x0001: "TLS_RSA_WITH_NULL_MD5",
    0x0002: "TLS_RSA_WITH_NULL_SHA",
    0x003b: "TLS_RSA_WITH_NULL_SHA256",
    0xc006: "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
    0xc010: "TLS_ECDHE_RSA_WITH_NULL_SHA",
  },
  EXPORT: {
    0x0003: "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
    0x0006: "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5",
    0x0008: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
    0x0011: "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
    0x0014: "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
  },
  anonymous: {
    0x0018: "TLS_DH_anon_WITH_RC4_128_MD5",
    0x001b: "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
    0x0034: "TLS_DH_anon_WITH_AES_128_CBC_SHA",
    0x003a: "TLS_DH_anon_WITH_AES_256_CBC_SHA",
    0xc018: "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
  },
  RC4: {
    0x0004: "TLS_RSA_WITH_RC4_128_MD5",
    0x0005: "TLS_RSA_WITH_RC4_128_SHA",
    0xc007: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    0xc011: "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
  },
  DES: {
    0x0009: "TLS_RSA_WITH_DES_CBC_SHA",
    0x0015: "TLS_DHE_RSA_WITH_DES_CBC_SHA",
  },
  "3DES": {
    0x000a: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
    0xc008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
    0xc012: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
  },
};

const RISK: Record<string, "high" | "medium"> = {
  NULL: "high",
  EXPORT: "high",
  anonymous: "high",
  RC4: "medium",
  DES: "medium",
  "3DES": "medium",
};

/** The `ssl-weak-ciphers` script. */
export const sslWeakCiphers: Script = {
  name: "ssl-weak-ciphers",
  categories: ["vuln", "safe"],
  description:
    "Offers NULL, EXPORT, anonymous, RC4, DES and 3DES suites alone, one family per ClientHello; a server that picks one is a finding.",
  portRule: sslRule,
  async action(ctx) {
    const accepted: { family: string; suite: string; version: string }[] = [];
    const lines: string[] = [];
    for (const [family, suites] of Object.entries(WEAK_FAMILIES)) {
      const codes = Object.keys(suites).map(Number);
      let said = "";
      // TLS 1.2 first; a server stuck on TLS 1.0 still answers a 1.2 hello with 1.0.
      const sock = await ctx.tcp();
      try {
        const r = await negotiate(sock, clientHello(0x0303, codes), { timeoutMs: 4000 });
        if (r.kind === "accepted" && suites[r.hello.cipher] !== undefined) {
          accepted.push({
            family,
            suite: suites[r.hello.cipher],
            version: versionName(r.hello.version),
          });
          said = `accepted ${suites[r.hello.cipher]} (${versionName(r.hello.version)})`;
        } else if (r.kind === "accepted") {
          said = `server chose an unoffered suite 0x${r.hello.cipher.toString(16)}`;
        } else if (r.kind === "alert") said = `refused (alert ${alertName(r.description)})`;
        else said = r.kind === "closed" ? "refused (connection closed)" : "reply was not TLS";
      } catch (e) {
        said = `no answer (${(e as Error).message})`;
      } finally {
        sock.close();
      }
      lines.push(`${family}: ${said}`);
    }
    const found = accepted.length > 0;
    const risk = accepted.some((a) => RISK[a.family] === "high") ? "high" : "medium";
    return {
      text: `${found ? "VULNERABLE" : "NOT VULNERABLE"}: weak cipher suites ${
        found ? "accepted" : "refused"
      }\n  ${lines.join("\n  ")}`,
      data: { accepted },
      vulnerable: {
        state: found ? "VULNERABLE" : "NOT VULNERABLE",
        title: "Weak TLS cipher suites (NULL, EXPORT, anonymous, RC4, DES, 3DES)",
        evidence: lines.join("; "),
        risk: found ? risk : undefined,
      },
    };
  },
};
