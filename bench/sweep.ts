/**
 * sweep: `-sS -p 80` over a sparse AnyIP /16 (198.19.0.0/16, every 16th address answers:
 * 4096 hosts with port 80 open, the rest silent), Portolan against zmap and masscan at the
 * same packet rate. Recall is answering addresses found / answering addresses the lab
 * built; targets: 100% recall, and no slower than zmap.
 *
 * Portolan runs with `-Pn -n` (no discovery, no DNS: zmap and masscan do neither) and
 * `--open` (only hosts with an open port in the text report, as zmap and masscan print only
 * hits). The peers' post-send wait is `BENCH_PEER_COOLDOWN` seconds (default 1, zmap `-c`,
 * masscan `--wait`) instead of their defaults of 8 and 10 s: the lab's RTT is well under a
 * millisecond, and Portolan's own wait is derived from measured RTTs.
 *
 * @module
 */
import { expectedState, startLab } from "../tests/lab/lab.ts";
import {
  type BenchResult,
  benchRounds,
  EgressWatch,
  hasCommand,
  median,
  parseMasscanList,
  parseZmapCsv,
  portolanArgv,
  portolanOpenAddresses,
  type PortolanReport,
  roundOrder,
  seconds,
  timedLabRun,
  verdict,
} from "./common.ts";

const BLOCK = "198.19.0.0/16";
const PORT = 80;
const EVERY = 16;

type Tool = "portolan" | "zmap" | "masscan";

interface SweepRun {
  ms: number;
  /** Scan time the tool reports itself (Portolan's `elapsedMs`). */
  selfMs?: number;
  found: Set<string>;
  frames: number;
}

/** The sending rate every tool gets: `BENCH_SWEEP_RATE`, default 50 000 packets/s. */
function sweepRate(): number {
  const n = Number(Deno.env.get("BENCH_SWEEP_RATE") ?? "50000");
  return Number.isFinite(n) && n > 0 ? n : 50000;
}

function peerCooldown(): number {
  const n = Number(Deno.env.get("BENCH_PEER_COOLDOWN") ?? "1");
  return Number.isInteger(n) && n >= 0 ? n : 1;
}

/** Run the sweep benchmark; zmap and masscan each join when installed. */
export async function sweepBench(): Promise<BenchResult> {
  const rounds = benchRounds();
  const rate = sweepRate();
  const cooldown = peerCooldown();
  console.log(
    `\n## sweep: -sS -p ${PORT} of ${BLOCK} (every ${EVERY}th address answers) at ${rate} pps, ` +
      "portolan vs zmap vs masscan",
  );
  const tools: Tool[] = ["portolan"];
  for (const peer of ["zmap", "masscan"] as const) {
    if (await hasCommand(peer)) tools.push(peer);
    else console.log(`${peer}: not installed (apt-get install ${peer}), left out`);
  }
  const dir = await Deno.makeTempDir({ prefix: "ptl-bench-" });
  const lab = await startLab({
    name: "ptlb-",
    hosts: [{ name: "many", anyIp: { cidr: BLOCK, tcpPort: PORT, answerEvery: EVERY } }],
  });
  try {
    const many = lab.host("many");
    const expected = new Set(many.anyIp!.answering());
    const watch = await EgressWatch.install(lab);
    const s = lab.scanner;
    const mac = lab.gatewayMac(many);
    // zmap's default blocklist excludes private and reserved ranges, 198.18.0.0/15 included.
    const emptyBlocklist = `${dir}/empty-blocklist`;
    await Deno.writeTextFile(emptyBlocklist, "");
    const out = (tool: Tool) => `${dir}/${tool}.out`;
    const argv: Record<Tool, string[]> = {
      portolan: portolanArgv([
        "-sS",
        "-p",
        String(PORT),
        "-n",
        "-Pn",
        "--open",
        "--max-rate",
        String(rate),
        "-oJ",
        out("portolan"),
        BLOCK,
      ]),
      zmap: [
        "zmap",
        "-p",
        String(PORT),
        "-r",
        String(rate),
        "-i",
        s.interface,
        "-G",
        mac,
        "-S",
        s.ipv4,
        "-b",
        emptyBlocklist,
        "-c",
        String(cooldown),
        "-q",
        "-o",
        out("zmap"),
        BLOCK,
      ],
      masscan: [
        "masscan",
        `-p${PORT}`,
        "--rate",
        String(rate),
        "--adapter",
        s.interface,
        "--adapter-ip",
        s.ipv4,
        "--router-mac",
        mac,
        "--wait",
        String(cooldown),
        "-oL",
        out("masscan"),
        BLOCK,
      ],
    };
    const parse = async (tool: Tool): Promise<{ found: Set<string>; selfMs?: number }> => {
      const text = await Deno.readTextFile(out(tool));
      if (tool === "zmap") return { found: parseZmapCsv(text) };
      if (tool === "masscan") return { found: parseMasscanList(text, PORT) };
      const report = JSON.parse(text) as PortolanReport;
      if (report.partial) throw new Error("portolan report is partial");
      checkPortolanStates(report, many);
      return { found: portolanOpenAddresses(report, PORT), selfMs: report.elapsedMs };
    };
    await timedLabRun(lab, portolanArgv(["-sS", "-p", "1", "-n", "-Pn", many.ipv4]));

    const runs: Record<Tool, SweepRun[]> = { portolan: [], zmap: [], masscan: [] };
    for (let i = 0; i < rounds; i++) {
      for (const tool of roundOrder(tools, i)) {
        await Deno.remove(out(tool)).catch(() => {});
        const before = await watch.read();
        const r = await timedLabRun(lab, argv[tool]);
        const frames = (await watch.read()).inLab - before.inLab;
        const { found, selfMs } = await parse(tool);
        runs[tool].push({ ms: r.ms, found, frames, selfMs });
        console.log(
          `  round ${i + 1} ${tool.padEnd(8)} ${seconds(r.ms)}, found ${found.size}, ` +
            `${frames} frames`,
        );
      }
    }
    const egress = await watch.read();

    const lines: string[] = [];
    const say = (line: string) => {
      console.log(line);
      lines.push(line);
    };
    say(`answering addresses built by the lab: ${expected.size}`);
    const medians: Partial<Record<Tool, number>> = {};
    for (const tool of tools) {
      const list = runs[tool];
      const recalls = list.map((r) => hits(r.found, expected) / expected.size);
      const wrong = Math.max(...list.map((r) => r.found.size - hits(r.found, expected)));
      medians[tool] = median(list.map((r) => r.ms));
      say(
        `${tool}: median ${seconds(medians[tool]!)}, recall min ${pct(Math.min(...recalls))} ` +
          `median ${pct(median(recalls))}, false positives (worst run) ${wrong}, ` +
          `median frames ${median(list.map((r) => r.frames))}`,
      );
    }
    const portolanRecall = Math.min(
      ...runs.portolan.map((r) => hits(r.found, expected) / expected.size),
    );
    say(`portolan recall 100% in every run: ${verdict(portolanRecall === 1)}`);
    say(
      `portolan's own elapsed time (report elapsedMs, no start-up or output), median: ${
        seconds(median(runs.portolan.map((r) => r.selfMs!)))
      }`,
    );
    for (const peer of ["zmap", "masscan"] as const) {
      if (medians[peer] === undefined) continue;
      const ratio = medians.portolan! / medians[peer]!;
      const target = peer === "zmap" ? ` (target <= 1: ${verdict(ratio <= 1)})` : "";
      say(`time ratio portolan/${peer}: ${ratio.toFixed(2)}${target}`);
    }
    say(
      `frames from the scanner namespace, whole benchmark: to lab addresses ${egress.inLab}, ` +
        `to anything else ${egress.outside}${egress.outside === 0 ? "" : " (LEAK)"}`,
    );
    return { name: "sweep", lines };
  } finally {
    await lab.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function hits(found: Set<string>, expected: Set<string>): number {
  let n = 0;
  for (const a of found) if (expected.has(a)) n++;
  return n;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** Every reported address must be in the block with the lab's state for the port. */
function checkPortolanStates(report: PortolanReport, host: Parameters<typeof expectedState>[0]) {
  let wrong = 0;
  let first = "";
  for (const h of report.hosts) {
    for (const p of h.ports) {
      const e = expectedState(host, { protocol: "tcp", port: p.port, address: h.address });
      if (e.state !== p.state) {
        wrong++;
        first ||= `${h.address}:${p.port} ${p.state}, expected ${e.state}`;
      }
    }
  }
  if (wrong > 0) console.log(`  portolan: ${wrong} port states differ from the lab's (${first})`);
  // --open lists only hosts with an open port (as nmap's outputs do); the totals count all.
  const accounted = report.hostsUp + report.hostsDown;
  if (accounted !== host.anyIp!.size) {
    console.log(
      `  portolan: the report accounts for ${accounted} of ${host.anyIp!.size} addresses`,
    );
  }
}
