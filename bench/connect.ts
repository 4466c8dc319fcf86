/**
 * connect: `portolan -sT -p- -Pn -n 127.0.0.1` against `nmap -sT -p- -Pn -n 127.0.0.1` (when
 * nmap is installed). No lab and no root needed: only loopback is scanned. The open ports
 * each tool found are compared too, because a fast scan that misses ports is a wrong scan.
 *
 * @module
 */
import {
  type BenchResult,
  benchRounds,
  hasCommand,
  median,
  portolanArgv,
  ROOT,
  roundOrder,
  seconds,
} from "./common.ts";

interface Run {
  ms: number;
  open: number[];
}

async function timed(argv: string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
  }).output();
  const ms = performance.now() - started;
  if (!out.success) {
    throw new Error(`${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return { ms, stdout: new TextDecoder().decode(out.stdout) };
}

async function runPortolan(extra: string[]): Promise<Run> {
  const tmp = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const { ms } = await timed(portolanArgv([...extra, "-oJ", tmp, "127.0.0.1"]));
    const report = JSON.parse(await Deno.readTextFile(tmp));
    const open: number[] = [];
    for (const host of report.hosts) {
      for (const port of host.ports) if (port.state === "open") open.push(port.port);
    }
    return { ms, open: open.sort((a, b) => a - b) };
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

async function runNmap(extra: string[]): Promise<Run> {
  const { ms, stdout } = await timed(["nmap", ...extra, "-oG", "-", "127.0.0.1"]);
  const open: number[] = [];
  for (const match of stdout.matchAll(/(\d+)\/open\/tcp/g)) open.push(Number(match[1]));
  return { ms, open: open.sort((a, b) => a - b) };
}

/** The connect-scan benchmark over loopback; prints as it goes and returns the verdicts. */
export async function connectBench(): Promise<BenchResult> {
  const rounds = benchRounds();
  console.log("\n## connect: -sT -p- -Pn -n 127.0.0.1");
  const args = ["-sT", "-p-", "-Pn", "-n"];
  const withNmap = await hasCommand("nmap");
  await runPortolan(["-p", "1-10", "-n"]); // warm the module cache: loading is not scanning
  const ours: Run[] = [];
  const theirs: Run[] = [];
  const tools = withNmap ? ["portolan", "nmap"] : ["portolan"];
  for (let i = 0; i < rounds; i++) {
    for (const tool of roundOrder(tools, i)) {
      if (tool === "portolan") ours.push(await runPortolan(args));
      else theirs.push(await runNmap(args));
    }
  }
  const p = median(ours.map((r) => r.ms));
  console.log(`portolan: median ${seconds(p)} over ${rounds} runs`);
  console.log(`portolan open ports: ${ours[0].open.join(",") || "(none)"}`);
  if (!withNmap) {
    console.log("nmap: not installed, no ratio");
    return { name: "connect", lines: [`portolan median ${seconds(p)}; nmap not installed`] };
  }
  const n = median(theirs.map((r) => r.ms));
  console.log(`nmap:     median ${seconds(n)} over ${rounds} runs`);
  console.log(`nmap open ports:     ${theirs[0].open.join(",") || "(none)"}`);
  const ratio = p / n;
  console.log(`time ratio portolan/nmap: ${ratio.toFixed(2)} (target <= 1.50)`);
  const agree = [...ours, ...theirs].every((r) => r.open.join() === theirs[0].open.join());
  console.log(`open ports agree across all runs: ${agree ? "yes" : "NO"}`);
  return {
    name: "connect",
    lines: [
      `time ratio portolan/nmap ${ratio.toFixed(2)} (target <= 1.50), medians ${seconds(p)} / ${
        seconds(n)
      }; open ports agree: ${agree ? "yes" : "NO"}`,
    ],
  };
}
