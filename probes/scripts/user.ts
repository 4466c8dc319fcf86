/**
 * Users' own script files. Their code runs in a Worker that may read only the script file
 * and connect only to the one target port; where Deno cannot restrict Workers (the process
 * lacks `--unstable-worker-options`), they run in-process after a warning.
 *
 * @module
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { RuntimeError, UsageError } from "../../cli/errors.ts";
import type { Script, ScriptArgs, ScriptHost, ScriptOutput, ScriptPort } from "./types.ts";
import type { WorkerReply, WorkerRequest } from "./worker_host.ts";

const WORKER_URL = new URL("./worker_host.ts", import.meta.url).href;

/**
 * Whether Workers can be given their own permissions in this process. Deno kills the
 * process (exit 70) when `deno.permissions` is used without `--unstable-worker-options`,
 * so this must be known before trying. A compiled binary that bakes the flag in sets
 * `PORTOLAN_WORKER_OPTIONS=1`, since its command line no longer shows the flag.
 */
export function workerPermissionsAvailable(): boolean {
  try {
    if (Deno.env.get("PORTOLAN_WORKER_OPTIONS") === "1") return true;
  } catch {
    // no env permission: fall through to the command line
  }
  try {
    const argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
    return argv.some((a) => a === "--unstable-worker-options" || a === "--unstable");
  } catch {
    return false;
  }
}

/** Network permission string for one target port (IPv6 in brackets). */
export function netPermission(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

function askWorker(
  req: WorkerRequest,
  perms: { net: string[] | false; read: string[] },
  timeoutMs: number,
): Promise<WorkerReply> {
  const worker = new Worker(WORKER_URL, {
    type: "module",
    deno: {
      permissions: {
        net: perms.net,
        read: perms.read,
        write: false,
        run: false,
        env: false,
        ffi: false,
        sys: false,
        import: false,
      },
    },
  } as WorkerOptions);
  return new Promise<WorkerReply>((resolvePromise) => {
    const timer = setTimeout(() => {
      worker.terminate();
      resolvePromise({ ok: false, error: `timed out after ${timeoutMs} ms` });
    }, timeoutMs);
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      clearTimeout(timer);
      worker.terminate();
      resolvePromise(e.data);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      clearTimeout(timer);
      worker.terminate();
      resolvePromise({ ok: false, error: e.message });
    };
    worker.postMessage(req);
  });
}

/** How `loadScriptFile` runs the user's code. */
export interface LoadOptions {
  /** Force the mode (tests); default: `workerPermissionsAvailable()`. */
  sandbox?: boolean;
  /** Called once with the reason when scripts must run unrestricted. */
  warn?: (message: string) => void;
}

/**
 * Load a user's script file. In sandbox mode the returned Script's `action` runs the file
 * in a fresh restricted Worker per call, and rules are evaluated there too (the runner
 * sees `file` set and lets the Worker decide).
 */
export async function loadScriptFile(path: string, options: LoadOptions = {}): Promise<Script> {
  const abs = resolve(path);
  const url = pathToFileURL(abs).href;
  const sandbox = options.sandbox ?? workerPermissionsAvailable();
  if (!sandbox) {
    options.warn?.(
      `running ${path} without a sandbox: restricted Workers need --unstable-worker-options`,
    );
    let mod: { script?: Script };
    try {
      mod = await import(url);
    } catch (e) {
      throw new UsageError(`--script: cannot load ${path}: ${(e as Error).message.split("\n")[0]}`);
    }
    if (!mod.script || typeof mod.script.action !== "function") {
      throw new UsageError(`--script: ${path} does not export 'script' with an action`);
    }
    return { ...mod.script, file: abs };
  }
  const meta = await askWorker({ op: "describe", url }, { net: false, read: [abs] }, 10_000);
  if (!meta.ok) throw new UsageError(`--script: cannot load ${path}: ${meta.error.split("\n")[0]}`);
  if (!("name" in meta)) throw new RuntimeError(`--script: ${path}: unexpected worker reply`);
  const applies = () => true;
  return {
    name: meta.name,
    categories: meta.categories,
    description: meta.description,
    portRule: meta.hasPortRule ? applies : undefined,
    hostRule: meta.hasHostRule ? applies : undefined,
    file: abs,
    sandboxed: true,
    action: () => Promise.reject(new Error("sandboxed scripts run through runSandboxed")),
  } as Script & { sandboxed: true };
}

/** True for a Script that `loadScriptFile` returned in sandbox mode. */
export function isSandboxed(script: Script): boolean {
  return (script as { sandboxed?: boolean }).sandboxed === true;
}

/**
 * Run a sandboxed script file once. Resolves `skipped` when its own rule declines the
 * target; rejects with the script's error.
 */
export async function runSandboxed(
  script: Script,
  target: { host: ScriptHost; port?: ScriptPort; args: ScriptArgs; timeoutMs: number },
): Promise<{ skipped: boolean; output?: ScriptOutput }> {
  const file = script.file!;
  const net = target.port ? [netPermission(target.host.address, target.port.port)] : [];
  const reply = await askWorker(
    { op: "run", url: pathToFileURL(file).href, ...target },
    { net: net.length ? net : false, read: [file] },
    target.timeoutMs + 1000,
  );
  if (!reply.ok) throw new Error(reply.error);
  if ("skipped" in reply) return { skipped: true };
  if ("output" in reply) {
    return { skipped: false, output: reply.output as ScriptOutput | undefined };
  }
  throw new Error("unexpected worker reply");
}

/** The file path of a file: URL (for messages). */
export function displayPath(url: string): string {
  return url.startsWith("file:") ? fileURLToPath(url) : url;
}
