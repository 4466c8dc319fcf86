import { deepEqual, equal, ok } from "node:assert/strict";
import { runOn } from "../test_util.ts";
import { fakeTlsServer, makeCerts, realTlsServer } from "./test_fakes.ts";
import { sslPoodle, sslWeakProtocols } from "./ssl_protocols.ts";
import { sslWeakCiphers } from "./ssl_weak_ciphers.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const svc = { name: "https", tunnel: "ssl" } as const;

Deno.test({
  name:
    "ssl-poodle / ssl-weak-protocols: a server taking SSLv3 and TLS 1.0 is reported, TLS 1.1 not",
  ...opts,
  fn: async () => {
    const srv = fakeTlsServer({ versions: [0x0300, 0x0301, 0x0303], suites: [0x002f, 0xc02f] });
    try {
      const p = await runOn(sslPoodle, { port: srv.port, service: svc });
      equal(p?.output?.vulnerable?.state, "VULNERABLE", p?.error ?? p?.output?.text);
      equal(p?.output?.vulnerable?.id, "CVE-2014-3566");
      ok(/ServerHello SSLv3 with suite 0x002f/.test(p!.output!.vulnerable!.evidence));
      const w = await runOn(sslWeakProtocols, { port: srv.port, service: svc });
      equal(w?.output?.vulnerable?.state, "VULNERABLE");
      // The fake answers a 1.1 hello with 1.0 (its best below 1.1): not "1.1 accepted".
      deepEqual((w!.output!.data as { accepted: string[] }).accepted, ["SSLv3", "TLSv1.0"]);
      equal(w?.output?.vulnerable?.risk, "high");
    } finally {
      await srv.close();
    }
  },
});

Deno.test({
  name: "ssl-weak-ciphers: 3DES and NULL accepted alone are findings; the others refused",
  ...opts,
  fn: async () => {
    const srv = fakeTlsServer({ versions: [0x0303], suites: [0xc02f, 0x000a, 0x0002] });
    try {
      const r = await runOn(sslWeakCiphers, { port: srv.port, service: svc });
      equal(r?.output?.vulnerable?.state, "VULNERABLE", r?.error ?? r?.output?.text);
      const acc = (r!.output!.data as { accepted: { family: string; suite: string }[] }).accepted;
      deepEqual(acc.map((a) => a.family), ["NULL", "3DES"]);
      deepEqual(acc.map((a) => a.suite), [
        "TLS_RSA_WITH_NULL_SHA",
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
      ]);
      equal(r?.output?.vulnerable?.risk, "high");
      ok(/RC4: refused \(alert handshake_failure\)/.test(r!.output!.text), r!.output!.text);
    } finally {
      await srv.close();
    }
  },
});

Deno.test({
  name:
    "ssl protocol and cipher checks: a real OpenSSL 3 server (node:tls defaults) is NOT VULNERABLE",
  ...opts,
  fn: async () => {
    const certs = await makeCerts();
    const srv = await realTlsServer(certs.leafKey, certs.leafCert);
    try {
      for (const s of [sslPoodle, sslWeakProtocols, sslWeakCiphers]) {
        const r = await runOn(s, { port: srv.port, service: svc });
        equal(
          r?.output?.vulnerable?.state,
          "NOT VULNERABLE",
          `${s.name}: ${r?.error ?? r?.output?.text}`,
        );
      }
    } finally {
      await srv.close();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
