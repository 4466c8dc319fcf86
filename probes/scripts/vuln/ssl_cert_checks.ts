/**
 * ssl-cert-expired and ssl-cert-self-signed: the server's leaf certificate, read through
 * node:tls without verification, judged with node:crypto's X509Certificate.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import type { Script, ScriptContext } from "../types.ts";
import { sslRule } from "../bundled/rules.ts";

/** Validity of a DER certificate at `now`. */
export function certValidity(
  der: Uint8Array,
  now: Date = new Date(),
): { notBefore: string; notAfter: string; expired: boolean; notYetValid: boolean } {
  const c = new X509Certificate(Buffer.from(der));
  const notBefore = new Date(c.validFrom);
  const notAfter = new Date(c.validTo);
  return {
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    expired: notAfter.getTime() < now.getTime(),
    notYetValid: notBefore.getTime() > now.getTime(),
  };
}

/** Whether a certificate names itself as issuer and its own key verifies its signature. */
export function isSelfSigned(
  der: Uint8Array,
): { selfSigned: boolean; subject: string; issuer: string } {
  const c = new X509Certificate(Buffer.from(der));
  let selfSigned = false;
  try {
    selfSigned = c.checkIssued(c) && c.verify(c.publicKey);
  } catch {
    selfSigned = false;
  }
  return {
    selfSigned,
    subject: c.subject.split("\n").join(", "),
    issuer: c.issuer.split("\n").join(", "),
  };
}

async function leaf(ctx: ScriptContext): Promise<Uint8Array | undefined> {
  const conn = await ctx.tls();
  conn.socket.close();
  return conn.certificate?.der;
}

/** The `ssl-cert-expired` script. */
export const sslCertExpired: Script = {
  name: "ssl-cert-expired",
  categories: ["vuln", "safe"],
  description: "Reports a TLS server certificate that has expired or is not yet valid.",
  portRule: sslRule,
  async action(ctx) {
    const der = await leaf(ctx);
    if (!der) return { text: "The server sent no certificate." };
    const v = certValidity(der);
    const bad = v.expired || v.notYetValid;
    const evidence = `valid from ${v.notBefore} to ${v.notAfter}; now ${new Date().toISOString()}`;
    return {
      text: `${bad ? "VULNERABLE" : "NOT VULNERABLE"}: certificate ${
        v.expired ? "expired" : v.notYetValid ? "not yet valid" : "within its validity"
      } (${evidence})`,
      data: v,
      vulnerable: {
        state: bad ? "VULNERABLE" : "NOT VULNERABLE",
        title: v.notYetValid ? "TLS certificate not yet valid" : "Expired TLS certificate",
        evidence,
        risk: bad ? "medium" : undefined,
      },
    };
  },
};

/** The `ssl-cert-self-signed` script. */
export const sslCertSelfSigned: Script = {
  name: "ssl-cert-self-signed",
  categories: ["vuln", "safe"],
  description:
    "Reports a TLS server certificate that is self-signed (issuer = subject and its own key verifies it).",
  portRule: sslRule,
  async action(ctx) {
    const der = await leaf(ctx);
    if (!der) return { text: "The server sent no certificate." };
    const s = isSelfSigned(der);
    const evidence = s.selfSigned
      ? `subject and issuer are both "${s.subject}" and the certificate's own key verifies its signature`
      : `issued by "${s.issuer}" to "${s.subject}"`;
    return {
      text: `${s.selfSigned ? "VULNERABLE" : "NOT VULNERABLE"}: ${evidence}`,
      data: s,
      vulnerable: {
        state: s.selfSigned ? "VULNERABLE" : "NOT VULNERABLE",
        title: "Self-signed TLS certificate",
        evidence,
        risk: s.selfSigned ? "low" : undefined,
      },
    };
  },
};
