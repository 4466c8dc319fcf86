/**
 * `deno task bench`: Portolan side by side with its peers, in one run, as ratios.
 *
 * connect: `portolan -sT -p- 127.0.0.1` against `nmap -sT -p- 127.0.0.1` (when nmap is installed).
 * Each tool runs ROUNDS times, alternating, and the medians are compared; the open ports each
 * tool found are compared too, because a fast scan that misses ports is a wrong scan.
 *
 * Only 127.0.0.1 is scanned here. Raw-engine benchmarks run in the lab (bench/README.md).
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";

const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? "5");
const root = fromFileUrl(new URL("..", import.meta.url));
const mainTs = fromFileUrl(new URL("../main.ts", import.meta.url));

interface Run {
  ms: number;
  open: number[];
}

async function timed(cmd: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", cwd: root })
    .output();
  const ms = performance.now() - started;
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return { ms, stdout };
}

async function runPortolan(extra: string[]): Promise<Run> {
  const tmp = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const { ms } = await timed(Deno.execPath(), [
      "run",
      "--allow-all",
      mainTs,
      ...extra,
      "-oJ",
      tmp,
      "127.0.0.1",
    ]);
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
  const { ms, stdout } = await timed("nmap", [...extra, "-oG", "-", "127.0.0.1"]);
  const open: number[] = [];
  for (const match of stdout.matchAll(/(\d+)\/open\/tcp/g)) open.push(Number(match[1]));
  return { ms, open: open.sort((a, b) => a - b) };
}

async function hasCommand(name: string): Promise<boolean> {
  try {
    await new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" }).output();
    return true;
  } catch {
    return false;
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function machine(): Promise<string> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1];
  return `${Deno.build.os}/${Deno.build.arch}, ${navigator.hardwareConcurrency} cores, ${
    cpu ?? "unknown cpu"
  }, deno ${Deno.version.deno}`;
}

async function connectBench(): Promise<void> {
  console.log("## connect scan: -sT -p- 127.0.0.1");
  const portolanArgs = ["-sT", "-p-", "-Pn", "-n"];
  const nmapArgs = ["-sT", "-p-", "-Pn", "-n"];
  const withNmap = await hasCommand("nmap");
  await runPortolan(["-p", "1-10", "-n"]); // warm the module cache: type checking is not scanning
  const ours: Run[] = [];
  const theirs: Run[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ours.push(await runPortolan(portolanArgs));
    if (withNmap) theirs.push(await runNmap(nmapArgs));
  }
  const p = median(ours.map((r) => r.ms));
  console.log(`portolan: median ${(p / 1000).toFixed(2)} s over ${ROUNDS} runs`);
  console.log(`portolan open ports: ${ours[0].open.join(",") || "(none)"}`);
  if (!withNmap) {
    console.log("nmap: not installed, no ratio");
    return;
  }
  const n = median(theirs.map((r) => r.ms));
  console.log(`nmap:     median ${(n / 1000).toFixed(2)} s over ${ROUNDS} runs`);
  console.log(`nmap open ports:     ${theirs[0].open.join(",") || "(none)"}`);
  console.log(`time ratio portolan/nmap: ${(p / n).toFixed(2)} (target <= 1.50)`);
  const agree = ours.every((r) => r.open.join() === theirs[0].open.join()) &&
    theirs.every((r) => r.open.join() === theirs[0].open.join());
  console.log(`open ports agree across all runs: ${agree ? "yes" : "NO"}`);
}

if (import.meta.main) {
  console.log(`# Portolan benchmarks, ${new Date().toISOString()}`);
  console.log(`machine: ${await machine()}`);
  const only = Deno.args[0];
  if (!only || only === "connect") await connectBench();
}
