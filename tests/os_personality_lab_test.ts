/**
 * OS detection against stacks other than Linux: lab hosts whose kernel is silenced and whose
 * answers come from a personality responder (tests/lab/personality.ts) imitating Windows
 * 10/11, FreeBSD 13/14 and macOS from public facts about those stacks.
 *
 * Per personality: nmap `-O` and p0f (run as outside oracles, their verdicts only) say
 * whether the responder reads as the stack it claims to be, so it is not only our own
 * belief; then Portolan's passive hint (from the raw SYN scan's replies) and its active `-O`
 * top match must name the same family.
 */
import { equal, ok } from "node:assert/strict";
import type { OsEvent, PortEvent } from "../engine/events.ts";
import { type Lab, labIgnore, labPrerequisites, startLab } from "./lab/lab.ts";
import {
  PERSONALITIES,
  type Personality,
  type PersonalityResponder,
  startPersonality,
} from "./lab/personality.ts";

const missing = labPrerequisites();
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const OPEN = 80;
const CLOSED = 81;
const CI = Deno.env.get("CI") === "true";

/**
 * The SYN-ACK option layout each stack writes for Portolan's SYN (MSS, SACK-permitted, TS,
 * NOP, WS), in ReplyFingerprint notation: checks the responder, independently of its code.
 */
const EXPECTED_LAYOUT: Record<string, string> = {
  windows: "M,N,W,N,N,S",
  freebsd: "M,N,W,S,T",
  macos: "M,N,W,N,N,T,S,E",
};

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

/** nmap's verdict: exact matches ("OS details") or guesses with their percentages. */
interface NmapVerdict {
  details: string[];
  guesses: { name: string; percent: number }[];
  /** Names nmap ranks best: the details, else the guesses within 2 points of the first. */
  best: string[];
  text: string;
}

function parseNmap(stdout: string): NmapVerdict {
  const details = stdout.match(/^OS details: (.+)$/m)?.[1].split(/, (?=[A-Z])/) ?? [];
  const guessLine = stdout.match(/^Aggressive OS guesses: (.+)$/m)?.[1] ?? "";
  const guesses = [...guessLine.matchAll(/(.+?) \((\d+)%\)(?:, |$)/g)].map((m) => ({
    name: m[1],
    percent: Number(m[2]),
  }));
  const top = guesses[0]?.percent ?? 0;
  const best = details.length > 0
    ? details
    : guesses.filter((g) => g.percent >= top - 2).map((g) => g.name);
  const text = details.length > 0
    ? `OS details: ${details.join(", ")}`
    : guesses.length > 0
    ? `guesses: ${guesses.slice(0, 4).map((g) => `${g.name} (${g.percent}%)`).join(", ")}`
    : "no verdict";
  return { details, guesses, best, text };
}

/** p0f's `os` line per SYN-ACK block, keyed by "server-address client-port". */
async function p0fServerVerdicts(p0f: string, pcap: string): Promise<Map<string, string[]>> {
  const out = await new Deno.Command(p0f, { args: ["-r", pcap], stdout: "piped", stderr: "piped" })
    .output();
  const verdicts = new Map<string, string[]>();
  for (const block of new TextDecoder().decode(out.stdout).split(/\n\.-/)) {
    const head = block.match(/\[ [\d.]+\/(\d+) -> ([\d.]+)\/\d+ \(syn\+ack\) \]/);
    const os = block.match(/\|\s*os\s*=\s*(.+)/)?.[1]?.trim();
    if (!head || !os) continue;
    const key = `${head[2]} ${head[1]}`;
    verdicts.set(key, [...(verdicts.get(key) ?? []), os]);
  }
  return verdicts;
}

interface PortolanRun {
  ports: PortEvent[];
  passive?: OsEvent["passive"];
  active?: OsEvent["active"];
}

async function portolan(lab: Lab, address: string): Promise<PortolanRun> {
  const r = await lab.exec([
    Deno.execPath(),
    "run",
    "-A",
    MAIN,
    "-sS",
    "-O",
    "-Pn",
    "-n",
    "-p",
    `${OPEN},${CLOSED}`,
    "--json-lines",
    "-",
    address,
  ], { timeoutMs: 90_000 });
  ok(r.success, `portolan failed (${r.code}): ${r.stderr}`);
  const events = r.stdout.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  const run: PortolanRun = { ports: [] };
  for (const e of events) {
    if (e.address !== address) continue;
    if (e.type === "port") run.ports.push(e);
    if (e.type === "os" && e.passive) run.passive = e.passive;
    if (e.type === "os" && e.active) run.active = e.active;
  }
  return run;
}

/** One connect() from the scanner: a real Linux client SYN for p0f; returns its port. */
async function handshake(lab: Lab, address: string): Promise<string> {
  const r = await lab.exec([
    "python3",
    "-c",
    `import socket;s=socket.create_connection(("${address}",${OPEN}),3);` +
    `print(s.getsockname()[1]);s.close()`,
  ]);
  ok(r.success, `connect to ${address}:${OPEN} failed: ${r.stderr}`);
  return r.stdout.trim();
}

Deno.test({
  name: "os detection names Windows, FreeBSD and macOS personalities as nmap and p0f do",
  ignore: labIgnore(missing),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (missing) throw new Error(missing);
    const tools = { nmap: which("nmap"), p0f: which("p0f"), tcpdump: which("tcpdump") };
    const absent = Object.entries(tools).filter(([, p]) => !p).map(([n]) => n);
    if (absent.length > 0) {
      const msg = `${absent.join(", ")} not installed: those oracles are skipped`;
      if (CI) throw new Error(`${msg} (CI installs them in .ci/run)`);
      console.warn(msg);
    }
    const personalities = Object.values(PERSONALITIES);
    const lab = await startLab({
      name: "ptlp-",
      hosts: personalities.map((p) => ({ name: p.id })),
    });
    const dir = await Deno.makeTempDir({ prefix: "portolan_personality_" });
    const pcap = `${dir}/handshakes.pcap`;
    const responders: PersonalityResponder[] = [];
    const report: string[] = [];
    const closeErrors: unknown[] = [];
    try {
      for (const p of personalities) {
        responders.push(await startPersonality(lab, p.id, p, { tcpOpen: [OPEN] }));
      }
      let dump: Deno.ChildProcess | undefined;
      if (tools.tcpdump && tools.p0f) {
        dump = lab.spawn(
          // --immediate-mode: without it libpcap hands packets over in ring blocks, on a
          // timeout, and the last handshake can be lost when tcpdump is stopped.
          [
            tools.tcpdump,
            "-i",
            lab.scanner.interface,
            "--immediate-mode",
            "-U",
            "-n",
            "-w",
            pcap,
            "tcp",
          ],
          { stdout: "null", stderr: "null" },
        );
        for (let i = 0; i < 50; i++) {
          try {
            if ((await Deno.stat(pcap)).size >= 24) break;
          } catch { /* not yet */ }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const clientPorts = new Map<string, string>();
      for (const p of personalities) {
        clientPorts.set(p.id, await handshake(lab, lab.host(p.id).ipv4));
      }
      await new Promise((r) => setTimeout(r, 300));
      if (dump) {
        dump.kill("SIGINT");
        await dump.status;
      }
      const p0f = tools.tcpdump && tools.p0f ? await p0fServerVerdicts(tools.p0f, pcap) : undefined;

      // One host at a time: a shared IP ID counter (Windows) must not see two scanners.
      for (const p of personalities) {
        const address = lab.host(p.id).ipv4;
        const line: string[] = [`${p.id} (${p.description}):`];

        // (1) p0f on the SYN-ACK of a real connect(). "???" is no verdict, not a miss.
        if (p0f) {
          const verdicts = p0f.get(`${address} ${clientPorts.get(p.id)}`) ?? [];
          ok(verdicts.length > 0, `${p.id}: p0f saw no SYN-ACK of the handshake`);
          for (const v of verdicts) {
            if (!v.startsWith("?")) ok(p.oracleFamily.test(v), `${p.id}: p0f says ${v}`);
          }
          const named = verdicts.find((v) => !v.startsWith("?"));
          line.push(`  p0f: ${named ?? "??? (no verdict: no SYN-ACK signature fits)"}`);
        }

        // (2) nmap -O: its best-ranked names must include the family.
        if (tools.nmap) {
          const r = await lab.exec([
            tools.nmap,
            "-O",
            "--osscan-guess",
            "--max-os-tries",
            "2",
            "-Pn",
            "-n",
            "-p",
            `${OPEN},${CLOSED}`,
            address,
          ], { timeoutMs: 120_000 });
          ok(r.success, `nmap failed: ${r.stderr}`);
          const verdict = parseNmap(r.stdout);
          line.push(`  nmap: ${verdict.text}`);
          ok(verdict.best.length > 0, `${p.id}: nmap gave no verdict\n${r.stdout}`);
          ok(
            verdict.best.some((n) => p.oracleFamily.test(n)),
            `${p.id}: nmap's best verdicts do not name ${p.family}: ${verdict.text}`,
          );
        }

        // (3) Portolan: the responder's wire facts, then both verdicts.
        const run = await portolan(lab, address);
        checkPorts(p, run);
        ok(run.passive, `${p.id}: no passive hint`);
        equal(run.passive.family, p.family, `${p.id}: passive ${JSON.stringify(run.passive)}`);
        ok(run.active, `${p.id}: no -O result`);
        const top = run.active.matches[0];
        ok(top, `${p.id}: -O matched nothing\n${run.active.fingerprint}`);
        equal(
          top.osClass?.family,
          p.family,
          `${p.id}: -O top match ${top.name} (${top.accuracy}%)\n${run.active.fingerprint}`,
        );
        line.push(
          `  portolan passive: ${run.passive.family} ${run.passive.versionRange ?? ""} ` +
            `(${run.passive.confidence}%)`,
          `  portolan -O: ${
            run.active.matches.slice(0, 3).map((m) => `${m.name} (${m.accuracy}%)`).join(", ")
          }`,
        );
        report.push(line.join("\n"));
      }
      console.log(report.join("\n"));
    } finally {
      for (const r of responders) await r.close().catch((e) => closeErrors.push(e));
      await lab.close();
      await Deno.remove(dir, { recursive: true });
    }
    // A responder that died mid-run makes every verdict above suspect.
    if (closeErrors.length > 0) throw new AggregateError(closeErrors, "a responder failed");
  },
});

/** The replies Portolan's SYN scan got show the personality's own facts. */
function checkPorts(p: Personality, run: PortolanRun): void {
  const open = run.ports.find((e) => e.port === OPEN);
  const closed = run.ports.find((e) => e.port === CLOSED);
  equal(open?.state, "open", `${p.id}: port ${OPEN}`);
  equal(closed?.state, "closed", `${p.id}: port ${CLOSED}`);
  equal(closed?.reason, "reset");
  const synAck = open!.fingerprint!;
  equal(synAck.ttl, p.ttl, `${p.id}: SYN-ACK TTL`);
  equal(synAck.df, p.tcpDf);
  equal(synAck.window, p.window);
  equal(synAck.mss, p.mss);
  equal(synAck.windowScale, p.windowScale);
  equal(synAck.options, EXPECTED_LAYOUT[p.id], `${p.id}: SYN-ACK option layout`);
  equal(synAck.timestamps, p.timestamps !== undefined);
  const rst = closed!.fingerprint!;
  equal(rst.window, 0, `${p.id}: RST window`);
  equal(rst.ttl, p.ttl);
  // Windows counts IP IDs on every datagram; both BSDs send 0 on DF datagrams (RFC 6864).
  if (p.ipId === "incremental") ok(synAck.ipId !== 0 && rst.ipId !== 0, `${p.id}: IP ids`);
  else equal(synAck.ipId, 0, `${p.id}: IP id of a DF SYN-ACK`);
}
