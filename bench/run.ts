/**
 * `deno task bench [connect|raw|sweep|udp|memory|service ...]`: Portolan side by side with its
 * peers, in one run, as ratios (bench/README.md). Without names every benchmark runs; those
 * whose prerequisites are missing (root and the network lab, nmap, zmap, masscan, the service
 * packages) are skipped with a message saying what is missing.
 *
 * - connect: -sT -p- of 127.0.0.1 vs nmap (loopback only, no lab needed)
 * - raw:     -sS -p- of one lab host vs nmap -sS -p- -T4
 * - sweep:   -sS -p 80 of a sparse AnyIP /16 in the lab vs zmap and masscan
 * - udp:     -sU of our top 100 UDP ports of one lab host vs nmap, same port list
 * - memory:  heap of a /8 SYN scan through a fake transport (nothing sent)
 * - service: -sV of real services (nginx, sshd, redis, ...) on one lab host vs nmap -sV
 *
 * Every packet of the lab benchmarks goes to network namespaces the run creates and deletes
 * (tests/lab/lab.ts); the scanners run in a namespace without a default route.
 *
 * @module
 */
import { labPrerequisites } from "../tests/lab/lab.ts";
import { type BenchResult, benchRounds, hasCommand, machineInfo } from "./common.ts";
import { connectBench } from "./connect.ts";
import { rawBench } from "./raw.ts";
import { sweepBench } from "./sweep.ts";
import { udpBench } from "./udp.ts";
import { memoryBench } from "./memory.ts";
import { serviceBench } from "./service.ts";
import { serviceLabMissing } from "./service_lab.ts";

/** A benchmark: what it needs, and how to run it. */
interface Bench {
  name: string;
  /** Why it cannot run here, or undefined. */
  missing: () => Promise<string | undefined>;
  run: () => Promise<BenchResult>;
}

async function needLabAnd(tools: string[]): Promise<string | undefined> {
  const lab = labPrerequisites();
  if (lab !== undefined) return lab;
  for (const tool of tools) {
    if (!(await hasCommand(tool))) return `${tool} is not installed (apt-get install ${tool})`;
  }
  return undefined;
}

const BENCHES: Bench[] = [
  { name: "connect", missing: () => Promise.resolve(undefined), run: connectBench },
  { name: "raw", missing: () => needLabAnd(["nmap"]), run: rawBench },
  // zmap is the reference of the sweep; masscan joins when installed.
  { name: "sweep", missing: () => needLabAnd(["zmap"]), run: sweepBench },
  { name: "udp", missing: () => needLabAnd(["nmap"]), run: udpBench },
  { name: "memory", missing: () => Promise.resolve(undefined), run: memoryBench },
  {
    name: "service",
    missing: async () => (await needLabAnd(["nmap"])) ?? serviceLabMissing(),
    run: serviceBench,
  },
];

/** Run the benchmarks named in `names` (all when empty); returns their results. */
export async function runBenches(names: string[]): Promise<BenchResult[]> {
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown benchmark ${unknown.join(", ")}; choose from ${
        BENCHES.map((b) => b.name).join(", ")
      }`,
    );
  }
  const m = await machineInfo();
  console.log(`# Portolan benchmarks, ${m.date}`);
  console.log(
    `machine: ${m.nproc} cpus, ${m.cpu}, Linux ${m.kernel}, deno ${m.deno}, ` +
      `load average ${m.loadAverage}`,
  );
  console.log(`peers: nmap ${m.nmap}, zmap ${m.zmap}, masscan ${m.masscan}`);
  console.log(`rounds per tool: ${benchRounds()} (BENCH_ROUNDS)`);
  const results: BenchResult[] = [];
  for (const bench of BENCHES) {
    if (names.length > 0 && !names.includes(bench.name)) continue;
    const missing = await bench.missing();
    if (missing !== undefined) {
      console.log(`\n## ${bench.name}: skipped: ${missing}`);
      results.push({ name: bench.name, skipped: missing, lines: [] });
      continue;
    }
    try {
      results.push(await bench.run());
    } catch (error) {
      // One broken benchmark must not hide the others' results.
      const message = error instanceof Error ? error.message : String(error);
      console.log(`\n## ${bench.name}: FAILED: ${message}`);
      results.push({ name: bench.name, skipped: `failed: ${message}`, lines: [] });
    }
  }
  console.log("\n# Summary");
  for (const r of results) {
    if (r.skipped) console.log(`- ${r.name}: ${r.skipped}`);
    for (const line of r.lines) console.log(`- ${r.name}: ${line}`);
  }
  return results;
}

if (import.meta.main) {
  const unknown = Deno.args.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(
      `bench: unknown benchmark ${unknown.join(", ")}; choose from ${
        BENCHES.map((b) => b.name).join(", ")
      }`,
    );
    Deno.exit(2);
  }
  const results = await runBenches(Deno.args);
  if (results.some((r) => r.skipped?.startsWith("failed"))) Deno.exit(1);
}
