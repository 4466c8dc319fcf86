/**
 * Shared pieces of the benchmarks: rounds and medians, the machine description, running a
 * tool inside the lab's scanner namespace with a wall clock around it, and parsing what
 * nmap, zmap, masscan and Portolan report, so each benchmark can compare states, not only
 * times.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { Lab } from "../tests/lab/lab.ts";
import meta from "../deno.json" with { type: "json" };

/** Absolute path of the command under test (`deno run -A <main.ts>`). */
export const MAIN_TS: string = fileURLToPath(new URL("../main.ts", import.meta.url));

/** Repository root, the working directory of every tool run. */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** Rounds per tool: `BENCH_ROUNDS`, default 3. */
export function benchRounds(): number {
  const n = Number(Deno.env.get("BENCH_ROUNDS") ?? "3");
  return Number.isInteger(n) && n > 0 ? n : 3;
}

/**
 * The command line that runs Portolan with `args`: `deno run -A` with the V8 flags of
 * `deno task scan`, which the compiled binary carries too (`deno task compile`).
 */
export function portolanArgv(args: string[]): string[] {
  const v8 = scanV8Flags();
  return [
    Deno.execPath(),
    "run",
    "-A",
    ...(v8.length ? [`--v8-flags=${v8.join(",")}`] : []),
    MAIN_TS,
    ...args,
  ];
}

/** The V8 flags of `deno task scan` (`--v8-flags=a,b` -> ["a", "b"]). */
export function scanV8Flags(): string[] {
  return meta.tasks.scan.split(/\s+/).filter((word) => word.startsWith("--v8-flags="))
    .flatMap((word) => word.slice("--v8-flags=".length).split(","));
}

/** Median of `values` (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Milliseconds as seconds with two decimals, e.g. "1.43 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * The order tools run in during `round`: rotated by one each round, so no tool always runs
 * first (cold caches) or right after the heaviest one.
 */
export function roundOrder<T>(tools: readonly T[], round: number): T[] {
  const k = tools.length === 0 ? 0 : round % tools.length;
  return [...tools.slice(k), ...tools.slice(0, k)];
}

/** True when `name` runs (an executable on PATH). */
export async function hasCommand(name: string): Promise<boolean> {
  try {
    await new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" }).output();
    return true;
  } catch {
    return false;
  }
}

/** Version line of a tool, or "not installed". */
async function toolVersion(name: string, pattern: RegExp): Promise<string> {
  try {
    const out = await new Deno.Command(name, {
      args: ["--version"],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const d = new TextDecoder();
    const text = d.decode(out.stdout) + d.decode(out.stderr);
    return text.match(pattern)?.[1] ?? text.trim().split("\n")[0];
  } catch {
    return "not installed";
  }
}

/** What the results were measured on. */
export interface MachineInfo {
  date: string;
  nproc: number;
  cpu: string;
  kernel: string;
  deno: string;
  loadAverage: string;
  nmap: string;
  zmap: string;
  masscan: string;
}

/** Describe this machine and the peers' versions. */
export async function machineInfo(): Promise<MachineInfo> {
  const read = async (path: string) => await Deno.readTextFile(path).catch(() => "");
  const cpu = (await read("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown cpu";
  const [nmap, zmap, masscan] = await Promise.all([
    toolVersion("nmap", /Nmap version (\S+)/),
    toolVersion("zmap", /zmap (\S+)/),
    toolVersion("masscan", /Masscan version (\S+)/),
  ]);
  return {
    date: new Date().toISOString(),
    nproc: navigator.hardwareConcurrency,
    cpu,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    loadAverage: (await read("/proc/loadavg")).split(" ").slice(0, 3).join(" "),
    nmap,
    zmap,
    masscan,
  };
}

/** One timed run of a tool in the lab. */
export interface TimedRun {
  ms: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `argv` in the lab's scanner namespace and time it (wall clock, process start to exit,
 * the same measure for every tool). Throws when it fails or times out: a benchmark of a
 * failed run means nothing.
 */
export async function timedLabRun(
  lab: Lab,
  argv: string[],
  options: { timeoutMs?: number } = {},
): Promise<TimedRun> {
  const started = performance.now();
  const r = await lab.exec(argv, { timeoutMs: options.timeoutMs ?? 600_000, cwd: ROOT });
  const ms = performance.now() - started;
  if (r.timedOut || !r.success) {
    const why = r.timedOut ? "timed out" : `exited ${r.code}`;
    throw new Error(`${argv.join(" ")} ${why}: ${r.stderr.trim().slice(-2000)}`);
  }
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/** A port's state and the reason given for it. */
export interface PortVerdict {
  state: string;
  reason: string;
}

/** Port verdicts keyed "tcp/80", "udp/53". */
export type PortMap = Map<string, PortVerdict>;

/** "1-3,7" -> [1, 2, 3, 7]. */
export function expandPorts(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-").map(Number);
    for (let p = a; p <= (b ?? a); p++) out.push(p);
  }
  return out;
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
}

/**
 * Every port verdict of the first host in an nmap XML report (`-oX`), including the ports
 * nmap folds into `<extraports>` (nmap 7.9x lists them in `<extrareasons ports=...>`).
 *
 * @throws when the report folds ports without listing them (older nmap): the comparison
 * would silently miss them.
 */
export function parseNmapXml(xml: string): PortMap {
  const out: PortMap = new Map();
  for (const m of xml.matchAll(/<port [^>]*>\s*<state [^>]*>/g)) {
    const protocol = attr(m[0], "protocol");
    const port = attr(m[0], "portid");
    const stateTag = m[0].slice(m[0].indexOf("<state"));
    out.set(`${protocol}/${port}`, {
      state: attr(stateTag, "state") ?? "?",
      reason: attr(stateTag, "reason") ?? "?",
    });
  }
  for (const m of xml.matchAll(/<extraports ([^>]*)>([\s\S]*?)<\/extraports>/g)) {
    const state = attr(m[1], "state") ?? "?";
    let listed = 0;
    for (const r of m[2].matchAll(/<extrareasons [^>]*>/g)) {
      const ports = attr(r[0], "ports");
      if (ports === undefined) {
        throw new Error("nmap XML folds ports without listing them; use nmap 7.90 or later");
      }
      const protocol = attr(r[0], "proto") ?? "tcp";
      const reason = attr(r[0], "reason") ?? "?";
      for (const p of expandPorts(ports)) out.set(`${protocol}/${p}`, { state, reason });
      listed += Number(attr(r[0], "count") ?? "0");
    }
    if (listed !== Number(attr(m[1], "count") ?? "0")) {
      throw new Error(`nmap XML extraports count mismatch for state ${state}`);
    }
  }
  return out;
}

/** A Portolan JSON report (docs/json-schema.md), the fields the benchmarks read. */
export interface PortolanReport {
  elapsedMs: number;
  partial: boolean;
  hostsUp: number;
  hostsDown: number;
  hosts: {
    address: string;
    status: string;
    ports: { protocol: string; port: number; state: string; reason: string }[];
  }[];
}

/** Port verdicts of one host (default the first) of a Portolan JSON report. */
export function portolanPorts(report: PortolanReport, address?: string): PortMap {
  const host = address === undefined
    ? report.hosts[0]
    : report.hosts.find((h) => h.address === address);
  const out: PortMap = new Map();
  for (const p of host?.ports ?? []) {
    out.set(`${p.protocol}/${p.port}`, { state: p.state, reason: p.reason });
  }
  return out;
}

/** Addresses with `port` open in a Portolan JSON report. */
export function portolanOpenAddresses(report: PortolanReport, port: number): Set<string> {
  const out = new Set<string>();
  for (const h of report.hosts) {
    if (h.ports.some((p) => p.port === port && p.state === "open")) out.add(h.address);
  }
  return out;
}

/** Addresses in zmap's default CSV output (one `saddr` per line; a header line is skipped). */
export function parseZmapCsv(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const a = line.split(",")[0].trim();
    if (/^\d+\.\d+\.\d+\.\d+$/.test(a)) out.add(a);
  }
  return out;
}

/** Addresses with `port` open in masscan's list output (`-oL`: "open tcp 80 1.2.3.4 ts"). */
export function parseMasscanList(text: string, port: number): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[0] === "open" && Number(f[2]) === port) out.add(f[3]);
  }
  return out;
}

/** Where two port maps disagree, over the union of their keys. */
export interface StateDiff {
  key: string;
  a?: string;
  b?: string;
}

/** Ports whose state differs between `a` and `b` (a port missing on one side differs). */
export function diffStates(a: PortMap, b: PortMap): StateDiff[] {
  const out: StateDiff[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key)?.state;
    const y = b.get(key)?.state;
    if (x !== y) out.push({ key, a: x, b: y });
  }
  return out.sort((p, q) => portKeyOrder(p.key) - portKeyOrder(q.key));
}

function portKeyOrder(key: string): number {
  const [protocol, port] = key.split("/");
  return (protocol === "udp" ? 65536 : 0) + Number(port);
}

/** "tcp/22 open, tcp/23 filtered, ...": every port not closed, in port order. */
export function nonClosed(map: PortMap): string {
  const keys = [...map.keys()].filter((k) => map.get(k)!.state !== "closed")
    .sort((p, q) => portKeyOrder(p) - portKeyOrder(q));
  return keys.map((k) => `${k.split("/")[1]} ${map.get(k)!.state}`).join(", ") || "(none)";
}

/** A short text for a list of differences (the first few). */
export function describeDiffs(diffs: StateDiff[], names: [string, string], max = 8): string {
  if (diffs.length === 0) return "identical";
  const shown = diffs.slice(0, max)
    .map((d) => `${d.key}: ${names[0]} ${d.a ?? "-"} vs ${names[1]} ${d.b ?? "-"}`);
  const more = diffs.length > max ? `, ... (${diffs.length} in all)` : "";
  return `${diffs.length} differ: ${shown.join("; ")}${more}`;
}

/**
 * Counters in the lab's bridge namespace of every frame the scanner sends: to lab addresses
 * (198.18.0.0/15), and to anything else (which must stay 0). The bridge sees frames however
 * they were sent, also zmap's and masscan's raw link-layer ones, which bypass the scanner
 * namespace's own netfilter hooks.
 */
export class EgressWatch {
  readonly #netns: string;

  private constructor(netns: string) {
    this.#netns = netns;
  }

  /**
   * Install the counters in `lab`'s bridge (scanner port "s0"), after checking that the
   * scanner namespace has no default route (the lab's guard: a stray address is unreachable).
   */
  static async install(lab: Lab): Promise<EgressWatch> {
    for (const family of ["-4", "-6"]) {
      const r = await lab.exec(["ip", family, "route", "show", "default"]);
      if (!r.success || r.stdout.trim() !== "") {
        throw new Error(`scanner namespace has a default route (${family}): ${r.stdout.trim()}`);
      }
    }
    const notLab6 = "{ fd00::/8, fe80::/10, ff00::/8 }";
    const rules = [
      "table bridge ptlbench {",
      "  counter inlab {}",
      "  counter outside {}",
      "  chain watch {",
      "    type filter hook forward priority 0; policy accept;",
      `    iifname "s0" ether type ip ip daddr 198.18.0.0/15 counter name "inlab"`,
      `    iifname "s0" ether type ip ip daddr != 198.18.0.0/15 counter name "outside"`,
      `    iifname "s0" ether type ip6 ip6 daddr != ${notLab6} counter name "outside"`,
      "  }",
      "  chain watch_in {",
      "    type filter hook input priority 0; policy accept;",
      `    iifname "s0" ether type ip ip daddr != 198.18.0.0/15 counter name "outside"`,
      `    iifname "s0" ether type ip6 ip6 daddr != ${notLab6} counter name "outside"`,
      "  }",
      "}",
      "",
    ].join("\n");
    await nft(lab.bridgeNs, ["-f", "-"], rules);
    return new EgressWatch(lab.bridgeNs);
  }

  /** Packets counted so far: to lab addresses, and to anything outside the lab. */
  async read(): Promise<{ inLab: number; outside: number }> {
    const out = await nft(this.#netns, ["-j", "list", "counters", "table", "bridge", "ptlbench"]);
    const counters = (JSON.parse(out).nftables as { counter?: { name: string; packets: number } }[])
      .flatMap((e) => (e.counter ? [e.counter] : []));
    const get = (name: string) => counters.find((c) => c.name === name)?.packets ?? NaN;
    return { inLab: get("inlab"), outside: get("outside") };
  }
}

async function nft(netns: string, args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", netns, "nft", ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const d = new TextDecoder();
  if (!out.success) throw new Error(`nft ${args.join(" ")} failed: ${d.decode(out.stderr)}`);
  return d.decode(out.stdout);
}

/** Outcome of one benchmark, for the summary at the end of `deno task bench`. */
export interface BenchResult {
  name: string;
  /** Why it did not run (missing root, tool...), when it did not. */
  skipped?: string;
  /** One-line verdicts, e.g. "time ratio portolan/nmap 0.48 (target <= 0.5): met". */
  lines: string[];
}

/** "met" / "NOT met" for a target check. */
export function verdict(ok: boolean): string {
  return ok ? "met" : "NOT met";
}
