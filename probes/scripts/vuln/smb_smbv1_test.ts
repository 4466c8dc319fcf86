import { equal, ok } from "node:assert/strict";
import { fakeTcpServer, runOn } from "../test_util.ts";
import { smb1Negotiate, smbSmbv1, smbVulnMs17010 } from "./smb_smbv1.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const svc = { name: "microsoft-ds" } as const;

/** A server that answers SMB1 NEGOTIATE per [MS-CIFS] 2.2.4.52.2 (accept) or with SMB2 (refuse). */
function fakeSmb(smb1: boolean) {
  return fakeTcpServer(async (c) => {
    const buf = new Uint8Array(512);
    const n = (await c.read(buf)) ?? 0;
    const req = buf.subarray(4, n);
    ok(req[0] === 0xff && req[4] === 0x72, "expected an SMB1 NEGOTIATE");
    ok(new TextDecoder().decode(req).includes("NT LM 0.12"));
    let msg: number[];
    if (smb1) {
      const header = [
        0xff,
        0x53,
        0x4d,
        0x42,
        0x72,
        0,
        0,
        0,
        0,
        0x98,
        0x01,
        0xc8,
        ...new Array(20).fill(0),
      ];
      msg = [...header, 17, 0, 0, ...new Array(32).fill(0), 0, 0]; // WordCount 17, DialectIndex 0
    } else {
      msg = [0xfe, 0x53, 0x4d, 0x42, 64, 0, ...new Array(58).fill(0)];
    }
    await c.write(new Uint8Array([0, 0, msg.length >> 8, msg.length & 0xff, ...msg]));
  });
}

Deno.test("smb1Negotiate: NetBIOS length matches and only NT LM 0.12 is offered", () => {
  const p = smb1Negotiate();
  equal((p[1] << 16) | (p[2] << 8) | p[3], p.length - 4);
  const text = new TextDecoder().decode(p);
  ok(text.includes("\x02NT LM 0.12\x00"));
  equal(text.split("\x02").length, 2);
});

Deno.test({
  name: "smb-smbv1 / smb-vuln-ms17-010: SMB1 accepted vs SMB2-only server",
  ...opts,
  fn: async () => {
    const v1 = fakeSmb(true);
    const v2 = fakeSmb(false);
    try {
      const a = await runOn(smbSmbv1, { port: v1.port, service: svc });
      equal(a?.output?.vulnerable?.state, "VULNERABLE", a?.error ?? a?.output?.text);
      const b = await runOn(smbVulnMs17010, { port: v1.port, service: svc });
      equal(b?.output?.vulnerable?.state, "LIKELY VULNERABLE");
      equal(b?.output?.vulnerable?.id, "CVE-2017-0144");
      const c = await runOn(smbSmbv1, { port: v2.port, service: svc });
      equal(c?.output?.vulnerable?.state, "NOT VULNERABLE", c?.error ?? c?.output?.text);
      ok(c!.output!.vulnerable!.evidence.includes("SMB2"));
      const d = await runOn(smbVulnMs17010, { port: v2.port, service: svc });
      equal(d?.output?.vulnerable?.state, "NOT VULNERABLE");
    } finally {
      await v1.close();
      await v2.close();
    }
  },
});
