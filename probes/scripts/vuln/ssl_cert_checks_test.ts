import { equal, ok } from "node:assert/strict";
import { runOn } from "../test_util.ts";
import { makeCerts, realTlsServer } from "./test_fakes.ts";
import { sslCertExpired, sslCertSelfSigned } from "./ssl_cert_checks.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const svc = { name: "https", tunnel: "ssl" } as const;

Deno.test({
  name: "ssl-cert-expired / ssl-cert-self-signed against real TLS servers with openssl-made certs",
  ...opts,
  fn: async () => {
    const c = await makeCerts();
    const expired = await realTlsServer(c.expiredKey, c.expiredCert);
    const self = await realTlsServer(c.selfKey, c.selfCert);
    const leaf = await realTlsServer(c.leafKey, c.leafCert + c.caCert);
    try {
      const e = await runOn(sslCertExpired, { port: expired.port, service: svc });
      equal(e?.output?.vulnerable?.state, "VULNERABLE", e?.error ?? e?.output?.text);
      ok(
        e!.output!.vulnerable!.evidence.includes("to 2020-02-01T00:00:00.000Z"),
        e!.output!.vulnerable!.evidence,
      );
      const es = await runOn(sslCertSelfSigned, { port: expired.port, service: svc });
      equal(es?.output?.vulnerable?.state, "VULNERABLE");

      const s1 = await runOn(sslCertSelfSigned, { port: self.port, service: svc });
      equal(s1?.output?.vulnerable?.state, "VULNERABLE", s1?.error ?? s1?.output?.text);
      ok(s1!.output!.vulnerable!.evidence.includes("CN=self.test"));
      const s2 = await runOn(sslCertExpired, { port: self.port, service: svc });
      equal(s2?.output?.vulnerable?.state, "NOT VULNERABLE");

      const l1 = await runOn(sslCertSelfSigned, { port: leaf.port, service: svc });
      equal(l1?.output?.vulnerable?.state, "NOT VULNERABLE", l1?.error ?? l1?.output?.text);
      ok(l1!.output!.vulnerable!.evidence.includes("Portolan Test CA"));
      const l2 = await runOn(sslCertExpired, { port: leaf.port, service: svc });
      equal(l2?.output?.vulnerable?.state, "NOT VULNERABLE");
    } finally {
      await Promise.all([expired.close(), self.close(), leaf.close()]);
      await Deno.remove(c.dir, { recursive: true });
    }
  },
});
