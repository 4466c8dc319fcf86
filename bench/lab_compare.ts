/**
 * The shape shared by the `raw` and `udp` benchmarks: one lab host with known port
 * behaviours, scanned by Portolan and by nmap with the same flags, alternating, for a number
 * of rounds; every run's port states are checked against the lab's ground truth and against
 * the other tool's, and the median wall times are compared.
 *
 * @module
 */
import { expectedState, type LabHostSpec, type LabProtocol, startLab } from "../tests/lab/lab.ts";
import {
  type BenchResult,
  benchRounds,
  describeDiffs,
  diffStates,
  EgressWatch,
  median,
  nonClosed,
  parseNmapXml,
  type PortMap,
  portolanArgv,
  roundOrder,
  seconds,
  timedLabRun,
  verdict,
} from "./common.ts";

/** What one state-comparison benchmark scans. */
export interface StateBenchSpec {
  /** Benchmark name, as `deno task bench <name>` takes it. */
  name: string;
  /** Heading printed first. */
  title: string;
  /** The lab host (its behaviours are the ground truth). */
  host: LabHostSpec;
  protocol: LabProtocol;
  /** Ports scanned, ascending. */
  ports: number[];
  /** Flags given to both tools, before the output option and the target. */
  args: string[];
  /** Largest acceptable median time ratio Portolan/nmap, if the issue sets one. */
  target?: number;
}

interface ToolRun {
  ms: number;
  ports: PortMap;
  /** Frames the scanner namespace sent during the run (probes, and the kernel's RSTs). */
  frames: number;
  /** Scan time the tool reports itself (Portolan's `elapsedMs`), without start-up and output. */
  selfMs?: number;
}

/** Ground truth of every scanned port. */
function truth(spec: StateBenchSpec, host: Parameters<typeof expectedState>[0]): PortMap {
  const out: PortMap = new Map();
  for (const port of spec.ports) {
    const e = expectedState(host, { protocol: spec.protocol, port });
    out.set(`${spec.protocol}/${port}`, { state: e.state, reason: e.reason });
  }
  return out;
}

/** Ports whose reason differs from the ground truth's (states may still agree). */
function reasonMismatches(ports: PortMap, expected: PortMap): number {
  let n = 0;
  for (const [key, e] of expected) {
    const got = ports.get(key);
    if (got && got.state === e.state && got.reason !== e.reason) n++;
  }
  return n;
}

/** The scan time a tool wrote in its XML (`<finished elapsed="1.23">`), milliseconds. */
export function xmlElapsedMs(xml: string): number | undefined {
  const m = /<finished [^>]*elapsed="([0-9.]+)"/.exec(xml);
  return m ? Number(m[1]) * 1000 : undefined;
}

/** Run one state-comparison benchmark (nmap must be installed and the lab available). */
export async function stateBench(spec: StateBenchSpec): Promise<BenchResult> {
  const rounds = benchRounds();
  console.log(`\n## ${spec.name}: ${spec.title}`);
  const dir = await Deno.makeTempDir({ prefix: "ptl-bench-" });
  const lab = await startLab({ name: "ptlb-", hosts: [spec.host] });
  try {
    const host = lab.hosts[0];
    const expected = truth(spec, host);
    const watch = await EgressWatch.install(lab);
    // Both tools write the same format, nmap's XML, so both do the same output work; Portolan
    // folds ports into <extraports> as nmap does, listing every folded port.
    const portolanXml = `${dir}/portolan.xml`;
    const xmlFile = `${dir}/nmap.xml`;
    const runPortolan = async (): Promise<Omit<ToolRun, "frames">> => {
      const r = await timedLabRun(lab, portolanArgv([...spec.args, "-oX", portolanXml, host.ipv4]));
      const xml = await Deno.readTextFile(portolanXml);
      if (!/<finished [^>]*exit="success"/.test(xml)) throw new Error("portolan XML is partial");
      return { ms: r.ms, ports: parseNmapXml(xml), selfMs: xmlElapsedMs(xml) };
    };
    const runNmap = async (): Promise<Omit<ToolRun, "frames">> => {
      const r = await timedLabRun(lab, ["nmap", ...spec.args, "-oX", xmlFile, host.ipv4]);
      return { ms: r.ms, ports: parseNmapXml(await Deno.readTextFile(xmlFile)) };
    };
    // Warm Deno's module cache: loading the program once is not part of scanning.
    await timedLabRun(lab, portolanArgv(["-sS", "-p", "1", "-n", "-Pn", host.ipv4]));

    const runs: Record<string, ToolRun[]> = { portolan: [], nmap: [] };
    for (let i = 0; i < rounds; i++) {
      for (const tool of roundOrder(["portolan", "nmap"], i)) {
        const before = await watch.read();
        const result = tool === "portolan" ? await runPortolan() : await runNmap();
        const frames = (await watch.read()).inLab - before.inLab;
        runs[tool].push({ ...result, frames });
        console.log(`  round ${i + 1} ${tool.padEnd(8)} ${seconds(result.ms)}, ${frames} frames`);
      }
    }
    const egress = await watch.read();

    const p = median(runs.portolan.map((r) => r.ms));
    const n = median(runs.nmap.map((r) => r.ms));
    const ratio = p / n;
    const lines: string[] = [];
    const say = (line: string) => {
      console.log(line);
      lines.push(line);
    };
    console.log(`portolan non-closed: ${nonClosed(runs.portolan[0].ports)}`);
    console.log(`nmap non-closed:     ${nonClosed(runs.nmap[0].ports)}`);
    console.log(`lab truth non-closed: ${nonClosed(expected)}`);
    const vsTruth = (tool: string) =>
      runs[tool].map((r) => diffStates(r.ports, expected)).find((d) => d.length > 0) ?? [];
    const cross = runs.portolan.flatMap((a) => runs.nmap.map((b) => diffStates(a.ports, b.ports)))
      .find((d) => d.length > 0) ?? [];
    say(
      `states portolan vs nmap, all ${spec.ports.length} ports, every pair of runs: ${
        describeDiffs(cross, ["portolan", "nmap"])
      }`,
    );
    say(
      `states portolan vs lab truth: ${describeDiffs(vsTruth("portolan"), ["portolan", "truth"])}`,
    );
    say(`states nmap vs lab truth: ${describeDiffs(vsTruth("nmap"), ["nmap", "truth"])}`);
    say(
      `reasons differing from the lab's (same state): portolan ${
        reasonMismatches(runs.portolan[0].ports, expected)
      }, nmap ${reasonMismatches(runs.nmap[0].ports, expected)}`,
    );
    say(
      `median wall time over ${rounds} rounds: portolan ${seconds(p)}, nmap ${seconds(n)}; ` +
        `time ratio portolan/nmap ${ratio.toFixed(2)}` +
        (spec.target !== undefined
          ? ` (target <= ${spec.target}: ${verdict(ratio <= spec.target)})`
          : ""),
    );
    say(
      `portolan's own elapsed time (its XML's elapsed, no start-up or output), median: ${
        seconds(median(runs.portolan.map((r) => r.selfMs!)))
      }`,
    );
    const pf = median(runs.portolan.map((r) => r.frames));
    const nf = median(runs.nmap.map((r) => r.frames));
    say(`median frames sent: portolan ${pf}, nmap ${nf}; ratio ${(pf / nf).toFixed(2)}`);
    say(
      `frames from the scanner namespace, whole benchmark: to lab addresses ${egress.inLab}, ` +
        `to anything else ${egress.outside}${egress.outside === 0 ? "" : " (LEAK)"}`,
    );
    return { name: spec.name, lines };
  } finally {
    await lab.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
