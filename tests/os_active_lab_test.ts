/**
 * Active OS detection against the network lab: our probes and nmap's `-O`, run in the same
 * scanner namespace against the same Linux hosts, must print the same OPS, WIN, ECN, T1-T7,
 * U1 and IE lines (SEQ holds random ISNs and timestamps, so it is compared loosely), and our
 * top match must be Linux. A second host has its TTL, timestamps and window scaling changed
 * by sysctls, so the comparison covers more than one set of answers.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { type Lab, labIgnore, labPrerequisites, startLab } from "./lab/lab.ts";
import {
  extractNmapFingerprint,
  type FingerprintLines,
  parseFingerprint,
} from "../probes/os/active/fingerprint.ts";
import type { OsResult } from "../probes/os/active/detect.ts";

const missing = labPrerequisites();
const ignore = labIgnore(missing);
const RUNNER = new URL("../probes/os/active/runner.ts", import.meta.url).pathname;
const OPEN = 22;
const CLOSED = 1;
const CLOSED_UDP = 40125;
const EXACT_LINES = ["OPS", "WIN", "ECN", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "U1", "IE"];

function nmapPath(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      Deno.statSync(`${dir}/nmap`);
      return `${dir}/nmap`;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function ours(lab: Lab, args: string[]): Promise<OsResult> {
  const r = await lab.exec([Deno.execPath(), "run", "--allow-all", RUNNER, ...args], {
    timeoutMs: 60_000,
  });
  ok(r.success, `runner failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as OsResult;
}

async function nmapFingerprint(lab: Lab, address: string): Promise<FingerprintLines> {
  const xml = await Deno.makeTempFile({ suffix: ".xml" });
  try {
    const r = await lab.exec([
      nmapPath()!,
      "-n",
      "-Pn",
      "-O",
      "-d",
      "--osscan-guess",
      "--max-os-tries",
      "1",
      "-p",
      `${OPEN},${CLOSED}`,
      "-oX",
      xml,
      address,
    ], { timeoutMs: 120_000 });
    ok(r.success, `nmap failed: ${r.stderr}`);
    const text = extractNmapFingerprint(r.stdout) ??
      extractNmapFingerprint(await Deno.readTextFile(xml));
    ok(text, `nmap printed no fingerprint:\n${r.stdout}`);
    return parseFingerprint(text);
  } finally {
    await Deno.remove(xml).catch(() => {});
  }
}

/** Compare two SEQ lines: classes exactly, the statistics of random ISNs loosely. */
function compareSeq(mine: Record<string, string>, theirs: Record<string, string>): void {
  for (const k of ["TI", "CI", "II", "SS"]) equal(mine[k], theirs[k], `SEQ.${k}`);
  deepEqual(Object.keys(mine).sort(), Object.keys(theirs).sort(), "SEQ attributes");
  for (const k of ["SP", "ISR"]) {
    const d = Math.abs(parseInt(mine[k], 16) - parseInt(theirs[k], 16));
    ok(d <= 0x28, `SEQ.${k}: ours ${mine[k]}, nmap ${theirs[k]}`);
  }
  ok(parseInt(mine.GCD, 16) <= 6 && parseInt(theirs.GCD, 16) <= 6, "random ISNs: small GCD");
  if (theirs.TS === "U" || mine.TS === "U") equal(mine.TS, theirs.TS, "SEQ.TS");
  else ok(Math.abs(parseInt(mine.TS, 16) - parseInt(theirs.TS, 16)) <= 3, "SEQ.TS");
}

Deno.test({
  name: "os detection: our fingerprint lines equal nmap's for two Linux lab hosts",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (missing) throw new Error(missing);
    const haveNmap = nmapPath() !== undefined;
    if (!haveNmap) {
      if (Deno.env.get("CI") === "true") throw new Error("nmap is needed as the oracle");
      console.warn("nmap not installed: oracle comparison skipped");
    }
    const lab = await startLab({
      name: "ptlo-",
      hosts: [
        { name: "linux", tcpOpen: [OPEN] },
        {
          name: "tuned",
          tcpOpen: [OPEN],
          sysctls: {
            "net.ipv4.tcp_timestamps": "0",
            "net.ipv4.tcp_window_scaling": "0",
            "net.ipv4.ip_default_ttl": "128",
          },
        },
      ],
    });
    try {
      const check = async (name: string, guess: boolean) => {
        const host = lab.host(name);
        const args = [host.ipv4, String(OPEN), String(CLOSED), String(CLOSED_UDP)];
        const mine = await ours(lab, guess ? [...args, "--guess"] : args);
        const scan = mine.lines.SCAN;
        equal(scan.OT, String(OPEN));
        equal(scan.CT, String(CLOSED));
        equal(scan.CU, String(CLOSED_UDP));
        equal(scan.DS, "1");
        equal(scan.DC, "D");
        equal(scan.G, "Y");
        ok(mine.fingerprint.startsWith("SCAN(") && mine.fingerprint.endsWith(")"));
        ok(mine.matches.length > 0, `${name}: no match reported\n${mine.fingerprint}`);
        equal(mine.matches[0].class.family, "Linux", `${name}: top match ${mine.matches[0].name}`);
        if (!haveNmap) return mine;
        const theirs = await nmapFingerprint(lab, host.ipv4);
        for (const line of EXACT_LINES) {
          ok(theirs[line] && mine.lines[line], `${name}: ${line} missing`);
          deepEqual(mine.lines[line], theirs[line], `${name}: ${line} differs from nmap's`);
        }
        compareSeq(mine.lines.SEQ, theirs.SEQ);
        for (const k of ["OT", "CT", "DS", "DC", "PV", "M"]) {
          equal(scan[k], theirs.SCAN[k], `SCAN.${k}`);
        }
        return mine;
      };
      const [plain, tuned] = await Promise.all([check("linux", false), check("tuned", true)]);
      ok(plain.perfect, "the default Linux host matches the measured entry exactly");
      equal(plain.lines.T1.T, "40");
      equal(tuned.lines.T1.T, "80", "the TTL sysctl shows");
      equal(tuned.lines.SEQ.TS, "U", "timestamps off shows");
      ok(!tuned.lines.OPS.O1.includes("W"), "window scaling off shows");

      // Without an open port the SEQ probes cannot run: a note says so.
      const noOpen = await ours(lab, [lab.host("linux").ipv4, "-", String(CLOSED), "-"]);
      ok(noOpen.note?.includes("at least 1 open and 1 closed TCP port"), noOpen.note);
      equal(noOpen.lines.OPS, undefined);
      equal(noOpen.lines.SCAN.G, "N");
      equal(noOpen.lines.T5.F, "AR");
    } finally {
      await lab.close();
    }
  },
});
