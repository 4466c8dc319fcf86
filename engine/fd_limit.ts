/**
 * The open-file limit, read without FFI, and the connect concurrency it allows. A connect
 * scan holds one descriptor per connect in flight; running out (EMFILE) must never show up
 * as a port state, so the engine stays under the limit and backs off if it hits it anyway.
 */

/** Used when the limit cannot be read: the common Linux default soft limit. */
export const DEFAULT_OPEN_FILE_LIMIT = 1024;
/** Descriptors kept free for the runtime, output files, the capture and such. */
export const DEFAULT_FD_RESERVE = 64;
/** Stands in for "unlimited" so arithmetic stays finite. */
const UNLIMITED = 1 << 20;

/**
 * Parse the soft "Max open files" limit out of the text of `/proc/<pid>/limits`.
 * Returns undefined when the line is missing or unreadable.
 *
 * @example
 * ```ts
 * parseOpenFileLimit("Max open files  1024  4096  files\n"); // 1024
 * ```
 */
export function parseOpenFileLimit(text: string): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith("Max open files")) continue;
    const soft = line.slice("Max open files".length).trim().split(/\s+/)[0];
    if (soft === "unlimited") return UNLIMITED;
    const value = Number(soft);
    return Number.isInteger(value) && value > 0 ? value : undefined;
  }
  return undefined;
}

/** Options for `openFileLimit`. */
export interface OpenFileLimitOptions {
  /** Reads the limits file (tests replace it). Default: `/proc/self/limits` via Deno. */
  readLimits?: () => string;
}

/**
 * The process's soft open-file limit, from `/proc/self/limits`; `DEFAULT_OPEN_FILE_LIMIT`
 * when that cannot be read (other systems, or no read permission: permission is queried
 * first so this never prompts).
 */
export function openFileLimit(options: OpenFileLimitOptions = {}): number {
  try {
    const text = options.readLimits ? options.readLimits() : readProcLimits();
    return parseOpenFileLimit(text ?? "") ?? DEFAULT_OPEN_FILE_LIMIT;
  } catch {
    return DEFAULT_OPEN_FILE_LIMIT;
  }
}

function readProcLimits(): string | undefined {
  const path = "/proc/self/limits";
  const status = Deno.permissions.querySync({ name: "read", path });
  if (status.state !== "granted") return undefined;
  return Deno.readTextFileSync(path);
}

/** Options for `safeConcurrency`. */
export interface SafeConcurrencyOptions {
  /** The open-file limit; default `openFileLimit()`. */
  limit?: number;
  /** Descriptors to keep free; default `DEFAULT_FD_RESERVE`. */
  reserve?: number;
}

/**
 * How many connects may be in flight at once: the open-file limit minus a reserve, capped
 * by the plan's `maxParallelism`, and at least 1.
 *
 * @example
 * ```ts
 * safeConcurrency({ maxParallelism: 2048 }, { limit: 1024 }); // 960
 * ```
 */
export function safeConcurrency(
  timing: { maxParallelism: number },
  options: SafeConcurrencyOptions = {},
): number {
  const limit = options.limit ?? openFileLimit();
  const reserve = options.reserve ?? DEFAULT_FD_RESERVE;
  // A tiny limit must still leave room to work: never reserve more than half of it.
  const usable = limit - Math.min(reserve, Math.floor(limit / 2));
  return Math.max(1, Math.min(usable, Math.max(1, Math.floor(timing.maxParallelism))));
}
