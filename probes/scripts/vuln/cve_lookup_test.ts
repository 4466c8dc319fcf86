import { deepEqual, equal, ok } from "node:assert/strict";
import { runOn } from "../test_util.ts";
import { cveLookup } from "./cve_lookup.ts";

Deno.test({
  name:
    "cve-lookup: vsftpd 2.3.4 and OpenSSH 9.2p1 get their CVEs; OpenSSH 9.9p1 and unknown products none",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // No server needed: the lookup is offline. Any port number will do.
    const r = await runOn(cveLookup, {
      port: 21,
      service: { name: "ftp", product: "vsftpd", version: "2.3.4" },
    });
    equal(r?.output?.vulnerable?.state, "LIKELY VULNERABLE");
    equal(r?.output?.vulnerable?.id, "CVE-2011-2523");
    equal(r?.output?.vulnerable?.risk, "critical");
    const s = await runOn(cveLookup, {
      port: 22,
      service: { name: "ssh", product: "OpenSSH", version: "9.2p1" },
    });
    const ids = (s!.output!.data as { cves: { id: string }[] }).cves.map((c) => c.id);
    deepEqual(ids.sort(), ["CVE-2023-38408", "CVE-2023-48795", "CVE-2024-6387"]);
    ok(s!.output!.text.includes("only if: glibc-based Linux"));
    equal(
      await runOn(cveLookup, {
        port: 22,
        service: { name: "ssh", product: "OpenSSH", version: "9.9p1" },
      }),
      undefined,
    );
    equal(
      await runOn(cveLookup, {
        port: 80,
        service: { name: "http", product: "Nothing", version: "1" },
      }),
      undefined,
    );
    // Without a version, the rule does not fire at all.
    equal(
      cveLookup.portRule!({
        port: 80,
        protocol: "tcp",
        state: "open",
        service: { name: "http", product: "nginx" },
      }),
      false,
    );
  },
});
