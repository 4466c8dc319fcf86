/**
 * Passive OS hints against the network lab: the real raw engine (-sS) scans Linux hosts whose
 * TCP/IP defaults are varied by sysctls, and the fingerprints on its port events go through
 * passiveOsHint. A tcpdump capture of the scan plus one full handshake per host goes through
 * passiveFromPcap and, when installed, through p0f as an outside oracle (its verdict only).
 */
import { equal, ok } from "node:assert/strict";
import type { PortEvent, ReplyFingerprint } from "../engine/events.ts";
import { type PassiveHint, passiveOsHint } from "../probes/os/passive.ts";
import { passiveFromPcap } from "../probes/os/pcap_passive.ts";
import { type Lab, labIgnore, labPrerequisites, startLab } from "./lab/lab.ts";

const missing = labPrerequisites();
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const OPEN = 80;
const CLOSED = 81;

const HOSTS: Array<{ name: string; sysctls: Record<string, string> }> = [
  { name: "linux", sysctls: {} },
  {
    name: "winttl",
    sysctls: { "net.ipv4.ip_default_ttl": "128", "net.ipv4.tcp_timestamps": "0" },
  },
  { name: "nowscale", sysctls: { "net.ipv4.tcp_window_scaling": "0" } },
  { name: "nosack", sysctls: { "net.ipv4.tcp_sack": "0" } },
];

function which(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    try {
      Deno.statSync(`${dir}/${name}`);
      return `${dir}/${name}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function scanFingerprints(lab: Lab, address: string): Promise<ReplyFingerprint[]> {
  const r = await lab.exec([
    Deno.execPath(),
    "run",
    "-A",
    MAIN,
    "-sS",
    "-Pn",
    "-n",
    "-p",
    `${OPEN},${CLOSED}`,
    "--json-lines",
    "-",
    address,
  ], { timeoutMs: 60_000 });
  ok(r.success, `scan failed (${r.code}): ${r.stderr}`);
  const ports = r.stdout.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l))
    .filter((e): e is PortEvent => e.type === "port" && e.address === address);
  equal(ports.length, 2, r.stdout);
  return ports.map((p) => {
    ok(p.fingerprint, `port ${p.port} has no fingerprint`);
    return p.fingerprint;
  });
}

/** p0f's OS verdicts from `p0f -r`: per server (SYN-ACK) and per client (SYN) address. */
async function p0fVerdicts(p0f: string, pcap: string): Promise<Map<string, string>> {
  const out = await new Deno.Command(p0f, { args: ["-r", pcap], stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  const verdicts = new Map<string, string>();
  // Blocks look like "| server   = 198.18.0.10/80" ... "| os       = Linux 3.11 and newer".
  for (const block of text.split(/\n\.-/)) {
    const role = /\(syn\+ack\)/.test(block) ? "server" : /\(syn\)/.test(block) ? "client" : "";
    if (!role) continue;
    const host = block.match(new RegExp(`\\|\\s*${role}\\s*=\\s*([^/\\s]+)`))?.[1];
    const os = block.match(/\|\s*os\s*=\s*(.+)/)?.[1]?.trim();
    const key = `${role} ${host}`;
    if (host && os && !verdicts.has(key)) verdicts.set(key, os);
  }
  return verdicts;
}

Deno.test({
  name: "passive OS hints from the raw engine's replies and from a capture",
  ignore: labIgnore(missing),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (missing) throw new Error(missing);
    const lab = await startLab({
      hosts: HOSTS.map((h) => ({ name: h.name, tcpOpen: [OPEN], sysctls: h.sysctls })),
    });
    const dir = await Deno.makeTempDir({ prefix: "portolan_os_" });
    const pcap = `${dir}/scan.pcap`;
    try {
      const dump = lab.spawn(
        ["tcpdump", "-i", lab.scanner.interface, "--immediate-mode", "-U", "-n", "-w", pcap, "tcp"],
        { stdout: "null", stderr: "null" },
      );
      // tcpdump writes the file header once the capture is open.
      for (let i = 0; i < 50; i++) {
        try {
          if ((await Deno.stat(pcap)).size >= 24) break;
        } catch { /* not yet */ }
        await new Promise((r) => setTimeout(r, 100));
      }
      const scanned = new Map<string, PassiveHint | undefined>();
      for (const h of HOSTS) {
        const fps = await scanFingerprints(lab, lab.host(h.name).ipv4);
        scanned.set(h.name, passiveOsHint(fps));
      }
      // One complete handshake per host, so the capture also holds full option layouts.
      for (const h of HOSTS) {
        const addr = lab.host(h.name).ipv4;
        const r = await lab.exec([
          "python3",
          "-c",
          `import socket;socket.create_connection(("${addr}",${OPEN}),3).close()`,
        ]);
        ok(r.success, r.stderr);
      }
      await new Promise((r) => setTimeout(r, 300));
      dump.kill("SIGINT");
      await dump.status;

      const linux = scanned.get("linux");
      equal(linux?.family, "Linux", JSON.stringify(linux));
      equal(linux!.distance, 0);
      // The kernel variants (no window scaling, no SACK) still read as Linux.
      for (const name of ["nowscale", "nosack"]) equal(scanned.get(name)?.family, "Linux", name);
      // TTL 128 on a Linux stack: the engine's SYN offers every option a Linux client does,
      // so the SYN-ACK shows Linux's whole option layout, which outweighs the TTL (as in the
      // capture below); the TTL conflict is named and costs confidence.
      const winttl = scanned.get("winttl");
      ok(winttl, "no hint for the TTL-128 host");
      equal(winttl.family, "Linux");
      ok(
        winttl.reasons.some((r) => r.startsWith("not Linux-like: initial TTL 128")),
        winttl.reasons.join("; "),
      );
      ok(winttl.confidence < linux!.confidence);

      const fromPcap = passiveFromPcap(await Deno.readFile(pcap));
      const pcapHint = (name: string) => fromPcap.get(lab.host(name).ipv4);
      equal(pcapHint("linux")?.family, "Linux");
      // The scan's SYN-ACKs already carry the whole option layout: a full handshake says
      // no less, and no longer more.
      ok(pcapHint("linux")!.confidence >= linux!.confidence, "full handshakes say no less");
      for (const name of ["nowscale", "nosack"]) equal(pcapHint(name)?.family, "Linux", name);
      // With the whole option layout, Linux's code path outweighs the TTL.
      equal(pcapHint("winttl")?.family, "Linux");
      equal(fromPcap.get(lab.scanner.ipv4)?.family, "Linux", "the scanner's own client SYNs");

      const summary = HOSTS.map((h) => {
        const s = scanned.get(h.name);
        const p = pcapHint(h.name);
        return `${h.name}: scan ${s?.family} ${s?.confidence}%, pcap ${p?.family} ${p?.confidence}%`;
      });
      const p0f = which("p0f");
      if (p0f) {
        const verdicts = await p0fVerdicts(p0f, pcap);
        const oracle = verdicts.get(`server ${lab.host("linux").ipv4}`);
        const client = verdicts.get(`client ${lab.scanner.ipv4}`);
        if (client && !client.startsWith("?")) ok(/linux/i.test(client), `p0f says ${client}`);
        summary.push(`p0f: ${[...verdicts].map(([a, v]) => `${a}=${v}`).join(", ")}`);
        // p0f's family for the default Linux host must agree with ours when it names one.
        if (oracle && !/^\?|unknown/i.test(oracle)) ok(/linux/i.test(oracle), `p0f says ${oracle}`);
      }
      console.log(summary.join("\n"));
    } finally {
      await lab.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
