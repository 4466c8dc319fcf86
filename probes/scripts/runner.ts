/**
 * Runs selected scripts against hosts and ports, a few at a time, each within its budget.
 * A script that times out or throws yields a result with `error`; it never stalls the scan.
 *
 * @module
 */
import { scriptHelpers } from "./net.ts";
import { isSandboxed, runSandboxed } from "./user.ts";
import type {
  Script,
  ScriptArgs,
  ScriptHost,
  ScriptPort,
  ScriptResult,
  ScriptTarget,
} from "./types.ts";

/** Options of `runScripts`. */
export interface RunOptions {
  /** Parsed `--script-args`. */
  args?: ScriptArgs;
  /** Per script run (`--script-timeout`); default 30 s. */
  timeoutMs?: number;
  /** Script runs in flight at once; default 8. */
  concurrency?: number;
  signal?: AbortSignal;
}

interface Job {
  script: Script;
  host: ScriptHost;
  port?: ScriptPort;
}

/** Ports that port scripts look at: open, and open|filtered (UDP answers only to the right payload). */
function runnable(port: ScriptPort): boolean {
  return port.state === "open" || port.state === "open|filtered";
}

function* jobs(targets: ScriptTarget[], scripts: Script[]): Generator<Job> {
  for (const t of targets) {
    for (const s of scripts) {
      if (s.hostRule && safeRule(() => s.hostRule!(t.host))) yield { script: s, host: t.host };
    }
    for (const p of t.ports) {
      if (!runnable(p)) continue;
      for (const s of scripts) {
        if (s.portRule && safeRule(() => s.portRule!(p))) {
          yield { script: s, host: t.host, port: p };
        }
      }
    }
  }
}

function safeRule(rule: () => boolean): boolean {
  try {
    return rule() === true;
  } catch {
    return false;
  }
}

async function runOne(
  job: Job,
  options: Required<Omit<RunOptions, "signal">> & { signal?: AbortSignal },
): Promise<ScriptResult | undefined> {
  const started = performance.now();
  const base = {
    script: job.script.name,
    address: job.host.address,
    port: job.port?.port,
    protocol: job.port?.protocol,
  };
  const done = (extra: Partial<ScriptResult>): ScriptResult => ({
    ...base,
    ...extra,
    elapsedMs: Math.round(performance.now() - started),
  });
  if (isSandboxed(job.script)) {
    try {
      const r = await runSandboxed(job.script, {
        host: job.host,
        port: job.port,
        args: options.args,
        timeoutMs: options.timeoutMs,
      });
      if (r.skipped) return undefined;
      return done({ output: r.output });
    } catch (e) {
      return done({ error: (e as Error).message });
    }
  }
  const controller = new AbortController();
  const outer = options.signal;
  const onOuter = () => controller.abort();
  outer?.addEventListener("abort", onOuter, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
  });
  const aborted = new Promise<never>((_, reject) => {
    if (outer?.aborted) reject(new Error("scan interrupted"));
    outer?.addEventListener("abort", () => reject(new Error("scan interrupted")), { once: true });
  });
  try {
    const helpers = scriptHelpers({
      address: job.host.address,
      hostname: job.host.hostname,
      port: job.port,
      signal: controller.signal,
      readTimeoutMs: Math.min(5000, Math.max(100, Math.floor(options.timeoutMs / 2))),
    });
    const action = job.script.action({
      ...helpers,
      host: job.host,
      port: job.port,
      args: options.args,
      timeoutMs: options.timeoutMs,
      signal: controller.signal,
    });
    const output = await Promise.race([action, timeout, aborted]);
    return done({ output });
  } catch (e) {
    return done({ error: e instanceof Error ? e.message : String(e) });
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onOuter);
    controller.abort();
  }
}

/**
 * Run `scripts` against every target: host scripts once per host whose `hostRule` holds,
 * port scripts once per open port whose `portRule` holds. Results arrive as runs finish;
 * a run whose script returned nothing (and had no error) yields nothing.
 *
 * @example
 * for await (const r of runScripts(targets, selectScripts("default", BUNDLED_SCRIPTS))) {
 *   console.log(r.script, r.output?.text ?? r.error);
 * }
 */
export async function* runScripts(
  targets: ScriptTarget[],
  scripts: Script[],
  options: RunOptions = {},
): AsyncIterable<ScriptResult> {
  const opts = {
    args: options.args ?? {},
    timeoutMs: options.timeoutMs ?? 30_000,
    concurrency: Math.max(1, options.concurrency ?? 8),
    signal: options.signal,
  };
  const queue = jobs(targets, scripts);
  const inFlight = new Map<number, Promise<{ id: number; result: ScriptResult | undefined }>>();
  let nextId = 0;
  const start = (): boolean => {
    if (opts.signal?.aborted) return false;
    const n = queue.next();
    if (n.done) return false;
    const id = nextId++;
    inFlight.set(id, runOne(n.value, opts).then((result) => ({ id, result })));
    return true;
  };
  while (inFlight.size < opts.concurrency && start());
  while (inFlight.size > 0) {
    const { id, result } = await Promise.race(inFlight.values());
    inFlight.delete(id);
    if (result && (result.output !== undefined || result.error !== undefined)) yield result;
    while (inFlight.size < opts.concurrency && start());
  }
}
