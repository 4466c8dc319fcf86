/**
 * ssl-cert: the TLS server certificate's subject, issuer, names, validity and fingerprints.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import type { Script } from "../types.ts";
import { sslRule } from "./rules.ts";

/** The facts ssl-cert reports, from a DER certificate. */
export function describeCertificate(der: Uint8Array): Record<string, unknown> {
  const cert = new X509Certificate(Buffer.from(der));
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails as
    | { modulusLength?: number; namedCurve?: string }
    | undefined;
  const sha256 = cert.fingerprint256.replace(/:/g, "").toLowerCase();
  const sha1 = cert.fingerprint.replace(/:/g, "").toLowerCase();
  return {
    subject: cert.subject.split("\n").join(", "),
    issuer: cert.issuer.split("\n").join(", "),
    subjectAltName: cert.subjectAltName?.split(/,\s*/) ?? [],
    publicKeyType: key.asymmetricKeyType,
    publicKeyBits: details?.modulusLength,
    curve: details?.namedCurve,
    serialNumber: cert.serialNumber.toLowerCase(),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    selfSigned: cert.checkIssued(cert) && cert.verify(key),
    sha1,
    sha256,
  };
}

/** The `ssl-cert` script. */
export const sslCert: Script = {
  name: "ssl-cert",
  categories: ["default", "discovery", "safe"],
  description:
    "Retrieves the TLS server certificate: subject, issuer, alternative names, validity, SHA-256.",
  portRule: sslRule,
  async action(ctx) {
    const conn = await ctx.tls();
    conn.socket.close();
    if (!conn.certificate) return { text: "The server sent no certificate." };
    const d = describeCertificate(conn.certificate.der);
    const lines = [`Subject: ${d.subject}`];
    const sans = d.subjectAltName as string[];
    if (sans.length) lines.push(`Subject Alternative Name: ${sans.join(", ")}`);
    lines.push(`Issuer: ${d.issuer}${d.selfSigned ? " (self-signed)" : ""}`);
    lines.push(
      `Public Key type: ${d.publicKeyType}${d.publicKeyBits ? `, bits: ${d.publicKeyBits}` : ""}${
        d.curve ? `, curve: ${d.curve}` : ""
      }`,
    );
    lines.push(`Not valid before: ${d.notBefore}`);
    lines.push(`Not valid after:  ${d.notAfter}`);
    if (Date.parse(d.notAfter as string) < Date.now()) lines.push("Expired");
    lines.push(`SHA-1:   ${d.sha1}`);
    lines.push(`SHA-256: ${d.sha256}`);
    return { text: lines.join("\n"), data: { ...d, protocol: conn.protocol, cipher: conn.cipher } };
  },
};
