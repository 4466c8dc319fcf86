/**
 * smb-smbv1 and smb-vuln-ms17-010. An SMB1 NEGOTIATE offering only "NT LM 0.12" ([MS-CIFS]
 * 2.2.4.52): a server that answers with an SMB1 header, status 0 and dialect index 0 speaks
 * SMBv1. MS17-010 (EternalBlue, CVE-2017-0144) lives in SMBv1's transaction code; the
 * usual remote test (a PeekNamedPipe transaction on FID 0 after an anonymous session and an
 * IPC$ tree connect, reading STATUS_INSUFF_SERVER_RESOURCES as unpatched) is not done here:
 * we have no unpatched Windows to prove our implementation against and will not ship a
 * guess in a packet that touches the vulnerable code path. So SMBv1 enabled is reported as
 * LIKELY VULNERABLE to MS17-010 with that reason, and SMBv1 off as NOT VULNERABLE (the bug
 * cannot be reached without SMBv1).
 *
 * @module
 */
import type { Script, ScriptContext } from "../types.ts";
import { portOrService } from "../bundled/rules.ts";

/** NetBIOS-framed SMB1 NEGOTIATE offering only `NT LM 0.12`. */
export function smb1Negotiate(): Uint8Array {
  const dialect = [0x02, ...new TextEncoder().encode("NT LM 0.12"), 0];
  const header = [
    0xff,
    0x53,
    0x4d,
    0x42, // \xffSMB
    0x72, // SMB_COM_NEGOTIATE
    0,
    0,
    0,
    0, // status
    0x18, // flags: case-insensitive paths, canonicalised
    0x01,
    0xc8, // flags2: long names, NT status, unicode (little-endian 0xc801)
    0,
    0, // PID high
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0, // signature
    0,
    0, // reserved
    0,
    0, // TID
    0xff,
    0xfe, // PID
    0,
    0, // UID
    0,
    0, // MID
  ];
  const smb = [...header, 0, dialect.length & 0xff, dialect.length >> 8, ...dialect];
  return new Uint8Array([
    0,
    (smb.length >> 16) & 0xff,
    (smb.length >> 8) & 0xff,
    smb.length & 0xff,
    ...smb,
  ]);
}

/** What the server answered to an SMB1-only NEGOTIATE. */
export async function probeSmb1(
  ctx: ScriptContext,
): Promise<{ smb1: boolean; evidence: string }> {
  const sock = await ctx.tcp();
  try {
    await sock.send(smb1Negotiate());
    const nb = await sock.receive({ bytes: 4 });
    if (nb.length < 4) {
      return { smb1: false, evidence: "connection closed after an SMB1-only NEGOTIATE" };
    }
    const len = (nb[1] << 16) | (nb[2] << 8) | nb[3];
    const msg = await sock.receive({ bytes: Math.min(len, 4096) });
    if (msg[0] === 0xfe && msg[1] === 0x53) {
      return { smb1: false, evidence: "the server answered with SMB2 to an SMB1-only NEGOTIATE" };
    }
    if (msg[0] !== 0xff || msg[1] !== 0x53 || msg[2] !== 0x4d || msg[3] !== 0x42) {
      return { smb1: false, evidence: "the reply was not SMB" };
    }
    const status = new DataView(msg.buffer, msg.byteOffset).getUint32(5, true);
    const dialect = msg.length >= 35 ? msg[33] | (msg[34] << 8) : 0xffff;
    if (msg[4] === 0x72 && status === 0 && dialect === 0) {
      return {
        smb1: true,
        evidence: "SMB1 NEGOTIATE offering only NT LM 0.12 accepted (dialect index 0)",
      };
    }
    return {
      smb1: false,
      evidence: `SMB1 NEGOTIATE refused (status 0x${
        status.toString(16).padStart(8, "0")
      }, dialect index ${dialect})`,
    };
  } catch (e) {
    return { smb1: false, evidence: `no SMB1 answer (${(e as Error).message})` };
  } finally {
    sock.close();
  }
}

const smbRule = portOrService([445, 139], ["microsoft-ds", "netbios-ssn", "smb"]);

/** The `smb-smbv1` script. */
export const smbSmbv1: Script = {
  name: "smb-smbv1",
  categories: ["vuln", "safe", "discovery"],
  description:
    "Offers only the SMB1 dialect NT LM 0.12; a server that accepts it has SMBv1 enabled.",
  portRule: smbRule,
  async action(ctx) {
    const r = await probeSmb1(ctx);
    return {
      text: `${r.smb1 ? "VULNERABLE" : "NOT VULNERABLE"}: ${r.evidence}`,
      data: { smb1: r.smb1 },
      vulnerable: {
        state: r.smb1 ? "VULNERABLE" : "NOT VULNERABLE",
        title: "SMBv1 enabled",
        evidence: r.evidence,
        risk: r.smb1 ? "high" : undefined,
      },
    };
  },
};

/** The `smb-vuln-ms17-010` script (inference from SMBv1; see the module note). */
export const smbVulnMs17010: Script = {
  name: "smb-vuln-ms17-010",
  categories: ["vuln", "safe"],
  description:
    "MS17-010 (EternalBlue, CVE-2017-0144) by inference: SMBv1 enabled is LIKELY VULNERABLE (unpatched Windows cannot be told apart without a transaction probe we do not send); SMBv1 off is NOT VULNERABLE.",
  portRule: smbRule,
  async action(ctx) {
    const r = await probeSmb1(ctx);
    const evidence = r.smb1
      ? `${r.evidence}; MS17-010 is reachable only over SMBv1 and the patch level was not probed`
      : `${r.evidence}; without SMBv1 the MS17-010 code path cannot be reached`;
    return {
      text: `${r.smb1 ? "LIKELY VULNERABLE" : "NOT VULNERABLE"}: ${evidence}`,
      data: { smb1: r.smb1 },
      vulnerable: {
        state: r.smb1 ? "LIKELY VULNERABLE" : "NOT VULNERABLE",
        id: "CVE-2017-0144",
        title: "MS17-010 SMBv1 remote code execution (EternalBlue)",
        evidence,
        risk: r.smb1 ? "critical" : undefined,
      },
    };
  },
};
