import { equal, ok } from "node:assert/strict";
import { runOn } from "../test_util.ts";
import { fakeTlsServer, makeCerts, realTlsServer } from "./test_fakes.ts";
import { sslHeartbleed } from "./ssl_heartbleed.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "ssl-heartbleed: a responder that returns the claimed length is VULNERABLE",
  ...opts,
  fn: async () => {
    const srv = fakeTlsServer({
      versions: [0x0301, 0x0302, 0x0303],
      suites: [0xc02f, 0x002f],
      heartbeat: "leak",
    });
    try {
      const r = await runOn(sslHeartbleed, {
        port: srv.port,
        service: { name: "https", tunnel: "ssl" },
      });
      equal(r?.output?.vulnerable?.state, "VULNERABLE", r?.error ?? r?.output?.text);
      equal(r?.output?.vulnerable?.id, "CVE-2014-0160");
      const d = r!.output!.data as { bytesSent: number; bytesReceived: number };
      ok(d.bytesReceived > d.bytesSent, JSON.stringify(d));
      ok(
        /returned 16403 bytes/.test(r!.output!.vulnerable!.evidence),
        r!.output!.vulnerable!.evidence,
      );
    } finally {
      await srv.close();
    }
  },
});

Deno.test({
  name: "ssl-heartbleed: an RFC 6520 responder (echoes only what was sent) is NOT VULNERABLE",
  ...opts,
  fn: async () => {
    const srv = fakeTlsServer({ versions: [0x0303], suites: [0xc02f], heartbeat: "honest" });
    try {
      const r = await runOn(sslHeartbleed, {
        port: srv.port,
        service: { name: "https", tunnel: "ssl" },
      });
      equal(r?.output?.vulnerable?.state, "NOT VULNERABLE", r?.error ?? r?.output?.text);
      ok(/with the heartbeat extension/.test(r!.output!.text), r!.output!.text);
    } finally {
      await srv.close();
    }
  },
});

Deno.test({
  name: "ssl-heartbleed: a real OpenSSL 3 server (node:tls) is NOT VULNERABLE",
  ...opts,
  fn: async () => {
    const certs = await makeCerts();
    const srv = await realTlsServer(certs.leafKey, certs.leafCert);
    try {
      const r = await runOn(sslHeartbleed, {
        port: srv.port,
        service: { name: "https", tunnel: "ssl" },
      });
      equal(r?.output?.vulnerable?.state, "NOT VULNERABLE", r?.error ?? r?.output?.text);
      ok(/TLSv1.2/.test(r!.output!.text), r!.output!.text);
    } finally {
      await srv.close();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
