/**
 * Entry point of the restricted Worker that runs a user's script file. The parent grants it
 * read access to that one file and network access to the one target port, nothing else.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { scriptHelpers } from "./net.ts";
import type { Script, ScriptArgs, ScriptHost, ScriptPort } from "./types.ts";

/** Messages the parent sends. */
export type WorkerRequest =
  | { op: "describe"; url: string }
  | {
    op: "run";
    url: string;
    host: ScriptHost;
    port?: ScriptPort;
    args: ScriptArgs;
    timeoutMs: number;
  };

/** Messages the worker answers with. */
export type WorkerReply =
  | {
    ok: true;
    name: string;
    categories: string[];
    description: string;
    hasPortRule: boolean;
    hasHostRule: boolean;
  }
  | { ok: true; skipped: true }
  | { ok: true; output: unknown }
  | { ok: false; error: string };

async function load(url: string): Promise<Script> {
  const mod = await import(url);
  const s = mod.script as Script | undefined;
  if (!s || typeof s.name !== "string" || typeof s.action !== "function") {
    throw new Error(`${url} does not export 'script' with a name and an action`);
  }
  return s;
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  const s = await load(req.url);
  if (req.op === "describe") {
    return {
      ok: true,
      name: s.name,
      categories: Array.isArray(s.categories) ? s.categories.map(String) : [],
      description: String(s.description ?? ""),
      hasPortRule: typeof s.portRule === "function",
      hasHostRule: typeof s.hostRule === "function",
    };
  }
  const applies = req.port ? s.portRule?.(req.port) : s.hostRule?.(req.host);
  if (!applies) return { ok: true, skipped: true };
  const controller = new AbortController();
  setTimeout(() => controller.abort(), req.timeoutMs);
  const helpers = scriptHelpers({
    address: req.host.address,
    hostname: req.host.hostname,
    port: req.port,
    signal: controller.signal,
    readTimeoutMs: Math.min(5000, req.timeoutMs),
  });
  const output = await s.action({
    ...helpers,
    host: req.host,
    port: req.port,
    args: req.args,
    timeoutMs: req.timeoutMs,
    signal: controller.signal,
  });
  // Round-trip through JSON: only plain data may cross back to the privileged side.
  return {
    ok: true,
    output: output === undefined ? undefined : JSON.parse(JSON.stringify(output)),
  };
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  let reply: WorkerReply;
  try {
    reply = await handle(e.data);
  } catch (err) {
    reply = {
      ok: false,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    };
  }
  self.postMessage(reply);
};
