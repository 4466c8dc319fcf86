/**
 * memory: the heap of a `-sS -p 80 -Pn -n` scan of a /8 (16 777 216 addresses), without
 * sending a packet. The plan is built from the real command-line grammar (cli/args.ts ->
 * engine/plan.ts) and run through the real raw engine (`rawScan`, with its event queue),
 * but the engine's transport is replaced by an in-memory responder that answers one address
 * in 4096 with a SYN-ACK and its route lookup by a constant: no socket, capture or route
 * table is ever opened.
 *
 * The measurement runs in a child Deno process started with no permission at all: no
 * `--allow-net`, `--allow-ffi` or `--allow-run`, so any attempt to open a real socket or load
 * libpcap would fail with a permission error instead of sending. The parent watches the
 * child's /proc entry while it runs: the socket descriptors it holds (must stay 0) and its
 * peak RSS (VmHWM).
 *
 * Time is virtual: when the engine waits (pacing, RTT cooldowns) the responder advances the
 * engine's clock instead of sleeping, so the run costs only CPU.
 *
 * Target: peak V8 heap in use < 200 MB. Peak RSS (VmHWM) is reported as well.
 *
 * @module
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type BenchResult, scanV8Flags, verdict } from "./common.ts";

/** What the child measured. */
export interface MemoryReport {
  target: string;
  addresses: number;
  probes: number;
  replies: number;
  events: Record<string, number>;
  openFound: number;
  heapAfterPlanMb: number;
  peakHeapUsedMb: number;
  /** Largest heap still in use right after a full GC (sampled every 2^17 probes, and at the end). */
  peakRetainedMb: number;
  peakRssSampledMb: number;
  /** Peak RSS from getrusage (node:process), MB. */
  maxRssMb: number;
  cpuSeconds: number;
}

const MB = 1024 * 1024;
/** One address in ANSWER_EVERY answers (its low 12 bits are zero). */
const ANSWER_EVERY = 4096;

/** Run the measurement in a child process with no network or FFI permission. */
export async function memoryBench(): Promise<BenchResult> {
  const target = Deno.env.get("BENCH_MEMORY_TARGET") ?? "10.0.0.0/8";
  console.log(`\n## memory: -sS -p 80 -Pn -n ${target} through a fake transport (nothing sent)`);
  const self = fileURLToPath(import.meta.url);
  // No permission at all: Deno would need --allow-all to read /proc/self, so this process
  // watches the child's /proc entry instead (sockets, peak RSS) while it runs.
  const proc = new Deno.Command(Deno.execPath(), {
    // --expose-gc for the retained-heap samples, plus the V8 flags `deno task scan` runs with.
    args: [
      "run",
      "--no-prompt",
      `--v8-flags=--expose-gc,${scanV8Flags().join(",")}`,
      self,
      "--child",
      target,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let maxSockets = 0;
  const watch = () => (maxSockets = Math.max(maxSockets, countSockets(proc.pid)));
  const timer = setInterval(watch, 250);
  let r: MemoryReport;
  let vmHwm: number;
  try {
    const line = await firstLine(proc.stdout);
    watch();
    vmHwm = vmHwmKb(proc.pid) / 1024;
    r = JSON.parse(line) as MemoryReport;
  } finally {
    clearInterval(timer);
    await proc.stdin.close().catch(() => {});
  }
  const status = await proc.status;
  if (!status.success) throw new Error(`memory benchmark child failed (exit ${status.code})`);
  const expectedOpen = Math.ceil(r.addresses / ANSWER_EVERY);
  const lines = [
    `${r.addresses} addresses, ${r.probes} probes handed to the fake transport, ` +
    `${r.openFound}/${expectedOpen} open found, ${r.cpuSeconds.toFixed(1)} s of CPU`,
    `peak heap used ${r.peakHeapUsedMb.toFixed(1)} MB (target < 200 MB: ${
      verdict(r.peakHeapUsedMb < 200)
    }); largest heap retained after a full GC ${r.peakRetainedMb.toFixed(1)} MB; ` +
    `heap after building the plan ${r.heapAfterPlanMb.toFixed(1)} MB; ` +
    `peak RSS (VmHWM) ${vmHwm.toFixed(1)} MB`,
    `network sockets seen in the scanning process (polled every 250 ms): ${maxSockets}; ` +
    "it ran without any permission (no --allow-net/--allow-ffi/--allow-run)",
  ];
  for (const line of lines) console.log(line);
  console.log(`events: ${JSON.stringify(r.events)}`);
  return { name: "memory", lines };
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const reader = stream.getReader();
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
    stream.cancel().catch(() => {});
  }
  if (!text.includes("\n")) throw new Error("memory benchmark child printed no report");
  return text.slice(0, text.indexOf("\n"));
}

/** The child: build the plan, scan through the fake transport, print a MemoryReport. */
async function child(target: string): Promise<void> {
  const { parseArgs } = await import("../cli/args.ts");
  const { buildPlan } = await import("../engine/plan.ts");
  const { rawScan } = await import("../engine/raw/mod.ts");
  const packet = await import("../packet/mod.ts");
  type RawProbe = import("../engine/raw/types.ts").RawProbe;
  type RawReply = import("../engine/raw/types.ts").RawReply;

  const cpuStart = cpuSeconds();
  let peakHeap = 0;
  let peakRss = 0;
  let peakRetained = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  // What the scan keeps, as opposed to garbage V8 has not collected yet.
  const retained = () => {
    if (!gc) return;
    gc();
    peakRetained = Math.max(peakRetained, Deno.memoryUsage().heapUsed);
  };
  const sample = () => {
    const m = Deno.memoryUsage();
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
    if (m.rss > peakRss) peakRss = m.rss;
  };

  const options = parseArgs(["-sS", "-p", "80", "-Pn", "-n", target]);
  // Raw rights are irrelevant here: nothing is sent. Without this hook the plan would probe
  // for CAP_NET_RAW and libpcap (and, lacking --allow-ffi, fall back to connect).
  const plan = await buildPlan(options, { rawAvailability: () => ({ ok: true }) });
  sample();
  const heapAfterPlan = Deno.memoryUsage().heapUsed;

  let skew = 0;
  const now = () => performance.now() + skew;
  let probes = 0;
  let replies = 0;
  let calls = 0;
  const pending: RawReply[] = [];
  const answer = (p: RawProbe) => {
    const a = packet.parseAddress(p.destination);
    if (!a || p.kind !== "tcp" || (a[2] & 0x0f) !== 0 || a[3] !== 0) return;
    const bytes = packet.buildTcpPacket({
      src: p.destination,
      dst: p.source,
      srcPort: p.dstPort!,
      dstPort: p.srcPort!,
      seq: 12345,
      ack: (p.seq! + 1) >>> 0,
      flags: packet.TCP_SYN | packet.TCP_ACK,
      window: 64240,
    });
    const decoded = packet.decodeIpPacket(bytes);
    if (decoded) pending.push({ packet: decoded, bytes, timeMs: now() });
  };
  const events: Record<string, number> = {};
  let openFound = 0;
  for await (
    const e of rawScan(plan, {
      engine: {
        now,
        route: () => ({ interface: "fake0", source: "198.18.0.1" }),
        openTransport: () => ({
          send(batch: readonly RawProbe[]): number {
            if (((probes + batch.length) >>> 17) !== (probes >>> 17)) retained();
            probes += batch.length;
            for (const p of batch) answer(p);
            return batch.length;
          },
          async receive(waitMs: number): Promise<RawReply[]> {
            if ((++calls & 63) === 0) sample();
            // Virtual time: the wait happens on the engine's clock, not the wall's.
            if (pending.length === 0 && waitMs > 0) skew += waitMs;
            // With real time the engine's timer waits let the event consumer catch up; with
            // virtual time only a macrotask does, or the event queue would grow unbounded.
            if ((calls & 15) === 0) await new Promise((r) => setTimeout(r, 0));
            else await Promise.resolve();
            replies += pending.length;
            return pending.splice(0, pending.length);
          },
          close(): void {},
        }),
      },
    })
  ) {
    events[e.type] = (events[e.type] ?? 0) + 1;
    if (e.type === "port" && e.state === "open") openFound++;
    if ((events[e.type] & 0xffff) === 0) sample();
  }
  sample();
  retained();
  const report: MemoryReport = {
    target,
    addresses: plan.targets.size,
    probes,
    replies,
    events,
    openFound,
    heapAfterPlanMb: heapAfterPlan / MB,
    peakHeapUsedMb: peakHeap / MB,
    peakRetainedMb: peakRetained / MB,
    peakRssSampledMb: peakRss / MB,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: cpuSeconds() - cpuStart,
  };
  console.log(JSON.stringify(report));
  // Stay alive until the parent has read our /proc entry (it closes our stdin).
  for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
}

/** Peak resident set size of process `pid`, kB (VmHWM in /proc/<pid>/status). */
function vmHwmKb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmHWM:\s*(\d+)\s*kB/m.exec(status)?.[1] ?? NaN);
}

/** User + system CPU seconds of this process. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Network sockets (IP, raw, packet: anything but Unix-domain) held by process `pid`; 0 once
 * it has exited. Deno's runtime holds a few Unix socket pairs of its own, which are left out.
 */
export function countSockets(pid: number): number {
  const inodes: string[] = [];
  try {
    for (const e of Deno.readDirSync(`/proc/${pid}/fd`)) {
      try {
        const link = Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m) inodes.push(m[1]);
      } catch { /* closed meanwhile */ }
    }
    if (inodes.length === 0) return 0;
    // Column 7 of /proc/<pid>/net/unix is the inode.
    const unix = new Set(
      Deno.readTextFileSync(`/proc/${pid}/net/unix`).split("\n").slice(1)
        .map((l) => l.trim().split(/\s+/)[6]),
    );
    return inodes.filter((i) => !unix.has(i)).length;
  } catch {
    return 0; // exited
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") await child(Deno.args[1]);
  else await memoryBench();
}
