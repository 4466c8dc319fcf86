/**
 * Interrupting and resuming a scan. An interrupted run saves a resume file: the command line,
 * the seed, and what it had found, folded per host (open ports one by one, the rest as
 * ranges per state and reason). `--resume FILE` parses that command line again, replays the
 * saved results as events (so every writer sees a whole scan), and tells the engines which
 * hosts and ports need no probe ({@linkcode ProbeSkip}).
 *
 * What is not kept: the round-trip time of ports that are not open, and script results
 * (the script phase runs last and is run again as a whole).
 *
 * @module
 */
import { UsageError } from "../cli/errors.ts";
import type {
  OsEvent,
  PortState,
  Protocol,
  ReplyFingerprint,
  ScanEvent,
  ServiceEvent,
} from "./events.ts";
import type { ProbeSkip } from "./plan_types.ts";
import type { PortResult, ScanReport, ServiceInfo } from "../output/report.ts";

/** The value of a resume file's "schema" field. */
export const RESUME_SCHEMA_ID = "portolan/resume/1";

/** Replies kept per host for the passive OS hint (runPlan keeps as many). */
const FINGERPRINTS_PER_HOST = 32;

/** A port kept one by one in a resume file: open ones, and any with version information. */
export interface ResumePort {
  protocol: Protocol;
  port: number;
  state: PortState;
  reason: string;
  reasonTtl?: number;
  rttMs?: number;
  service?: ServiceInfo;
}

/** Ports sharing one state, reason and TTL, as a port list ("1-21,23,25-79"). */
export interface ResumeRun {
  protocol: Protocol;
  state: PortState;
  reason: string;
  reasonTtl?: number;
  ports: string;
}

/** What an interrupted run knew about one host. */
export interface ResumeHost {
  address: string;
  hostname?: string;
  status: "up" | "down";
  reason: string;
  latencyMs?: number;
  /** No probe is left for this host (its port scan ended, it timed out, or it is down). */
  finished: boolean;
  timedOut: boolean;
  ports: ResumePort[];
  runs: ResumeRun[];
  /** Active OS detection's result, when it ran for this host. */
  os?: OsEvent["active"];
  /** Replies seen by a raw scan, for the passive OS hint. */
  fingerprints?: ReplyFingerprint[];
}

/** The resume file (`portolan/resume/1`): JSON, written when a scan is interrupted. */
export interface ResumeFile {
  schema: typeof RESUME_SCHEMA_ID;
  /** Portolan's version that wrote it. */
  version: string;
  /** The interrupted scan's command line, without the program name. */
  argv: string[];
  /** The interrupted scan's seed, so the plan is rebuilt the same. */
  seed: number;
  /** Milliseconds since the epoch. */
  startedAt: number;
  savedAt: number;
  hosts: ResumeHost[];
  warnings: string[];
}

/** What `runPlan` needs to continue a scan. */
export interface ResumeState {
  /** The saved results, as the events that produced them (no start or end). */
  events: ScanEvent[];
  /** Replies already seen per host, for the passive OS hint. */
  fingerprints: Map<string, ReplyFingerprint[]>;
  /** Hosts and ports that need no probe. */
  skip: ProbeSkip;
}

/**
 * Watches the event stream for what a report does not keep: which hosts are finished and the
 * replies behind the passive OS hint. Together with the folded report it makes a resume file.
 */
export class ResumeRecorder {
  /** Hosts done, in arrival order: a list, made a set only if a resume file is written. */
  #finished: string[] = [];
  #fingerprints = new Map<string, ReplyFingerprint[]>();

  /** Starts from an earlier run's state when resuming, so a second interrupt loses nothing. */
  constructor(from?: ResumeState) {
    if (from) {
      for (const [address, list] of from.fingerprints) this.#fingerprints.set(address, [...list]);
    }
  }

  /** Notes one event. */
  add(event: ScanEvent): void {
    if (event.type === "host-done") this.#finished.push(event.address);
    else if (event.type === "host" && event.status === "down") this.#finished.push(event.address);
    else if (event.type === "port" && event.fingerprint) {
      const list = this.#fingerprints.get(event.address) ?? [];
      if (list.length < FINGERPRINTS_PER_HOST) list.push(event.fingerprint);
      this.#fingerprints.set(event.address, list);
    }
  }

  /** The resume file for `report` (built from the same events). */
  file(report: ScanReport, meta: { argv: string[]; seed: number; version: string }): ResumeFile {
    const finished = new Set(this.#finished);
    return {
      schema: RESUME_SCHEMA_ID,
      version: meta.version,
      argv: [...meta.argv],
      seed: meta.seed,
      startedAt: report.startedAt,
      savedAt: Date.now(),
      hosts: report.hosts.map((host) => {
        const ports: ResumePort[] = [];
        const runs = new Map<string, { run: Omit<ResumeRun, "ports">; list: number[] }>();
        for (const p of host.ports) {
          if (p.state === "open" || p.serviceInfo !== undefined) {
            ports.push(resumePort(p));
            continue;
          }
          const key = `${p.protocol} ${p.state} ${p.reason} ${p.reasonTtl ?? ""}`;
          let entry = runs.get(key);
          if (!entry) {
            entry = { run: { protocol: p.protocol, state: p.state, reason: p.reason }, list: [] };
            if (p.reasonTtl !== undefined) entry.run.reasonTtl = p.reasonTtl;
            runs.set(key, entry);
          }
          entry.list.push(p.port);
        }
        const out: ResumeHost = {
          address: host.address,
          status: host.status,
          reason: host.reason,
          finished: finished.has(host.address) || host.timedOut,
          timedOut: host.timedOut,
          ports,
          runs: [...runs.values()].map(({ run, list }) => ({
            ...run,
            ports: formatPortList(list),
          })),
        };
        if (host.hostname !== undefined) out.hostname = host.hostname;
        if (host.latencyMs !== undefined) out.latencyMs = host.latencyMs;
        if (host.os?.active) out.os = host.os.active;
        const fingerprints = this.#fingerprints.get(host.address);
        if (fingerprints?.length) out.fingerprints = fingerprints;
        return out;
      }),
      warnings: [...report.warnings],
    };
  }
}

function resumePort(p: PortResult): ResumePort {
  const out: ResumePort = { protocol: p.protocol, port: p.port, state: p.state, reason: p.reason };
  if (p.reasonTtl !== undefined) out.reasonTtl = p.reasonTtl;
  if (p.rttMs !== undefined) out.rttMs = p.rttMs;
  if (p.serviceInfo !== undefined) out.service = p.serviceInfo;
  return out;
}

/**
 * Ascending port numbers as ranges.
 *
 * @example
 * formatPortList([1, 2, 3, 5]); // "1-3,5"
 */
export function formatPortList(ports: readonly number[]): string {
  const sorted = [...ports].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] <= sorted[j] + 1) j++;
    parts.push(sorted[i] === sorted[j] ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * The ports of a list written by {@linkcode formatPortList}; throws on anything else.
 *
 * @example
 * parsePortList("1-3,5"); // [1, 2, 3, 5]
 */
export function parsePortList(text: string): number[] {
  const out: number[] = [];
  if (text === "") return out;
  for (const part of text.split(",")) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || lo > hi || hi > 65535) throw new Error(`bad port list '${part}'`);
    for (let p = lo; p <= hi; p++) out.push(p);
  }
  return out;
}

/**
 * Where the resume file goes: beside the first output file (`scan.json` -> `scan.resume.json`),
 * else `portolan.resume.json` in the working directory.
 */
export function resumePathFor(outputs: readonly (string | undefined)[]): string {
  const first = outputs.find((p) => p !== undefined && p !== "-");
  if (first === undefined) return "portolan.resume.json";
  const slash = first.lastIndexOf("/");
  const dot = first.lastIndexOf(".");
  const base = dot > slash + 1 ? first.slice(0, dot) : first;
  return `${base}.resume.json`;
}

/** Parse and check a resume file's text; `path` names it in errors (UsageError). */
export function parseResumeFile(text: string, path: string): ResumeFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`'${path}' is not a resume file (not JSON)`);
  }
  const file = data as Partial<ResumeFile>;
  if (typeof data !== "object" || data === null || file.schema !== RESUME_SCHEMA_ID) {
    throw new UsageError(`'${path}' is not a resume file (schema is not ${RESUME_SCHEMA_ID})`);
  }
  if (
    !Array.isArray(file.argv) || !file.argv.every((a) => typeof a === "string") ||
    !Number.isSafeInteger(file.seed) || !Array.isArray(file.hosts) ||
    !Array.isArray(file.warnings)
  ) {
    throw new UsageError(`'${path}' is a damaged resume file (argv, seed, hosts or warnings)`);
  }
  for (const host of file.hosts) {
    if (
      typeof host?.address !== "string" || !Array.isArray(host.ports) ||
      !Array.isArray(host.runs)
    ) {
      throw new UsageError(`'${path}' is a damaged resume file (a host entry)`);
    }
    for (const run of host.runs) {
      try {
        parsePortList(run.ports);
      } catch (error) {
        throw new UsageError(`'${path}' is a damaged resume file (${(error as Error).message})`);
      }
    }
  }
  return file as ResumeFile;
}

/** Read and check a resume file. */
export async function readResumeFile(path: string): Promise<ResumeFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split(":")[0] : String(error);
    throw new UsageError(`cannot read resume file '${path}': ${reason}`);
  }
  return parseResumeFile(text, path);
}

/** Write `file` to `path` atomically (a temporary file renamed), so a crash leaves the old one. */
export async function writeResumeFile(path: string, file: ResumeFile): Promise<void> {
  const temporary = `${path}.tmp`;
  await Deno.writeTextFile(temporary, JSON.stringify(file) + "\n");
  await Deno.rename(temporary, path);
}

/** Turn a resume file back into the events and the skip set `runPlan` continues from. */
export function resumeState(file: ResumeFile): ResumeState {
  const events: ScanEvent[] = [];
  const fingerprints = new Map<string, ReplyFingerprint[]>();
  const finished = new Set<string>();
  const decided = new Map<string, { tcp: Uint8Array; udp: Uint8Array }>();
  for (const message of file.warnings) events.push({ type: "warning", message });
  for (const host of file.hosts) {
    const { address } = host;
    events.push({
      type: "host",
      address,
      ...(host.hostname !== undefined ? { hostname: host.hostname } : {}),
      status: host.status,
      reason: host.reason,
      ...(host.latencyMs !== undefined ? { latencyMs: host.latencyMs } : {}),
    });
    const seen = { tcp: new Uint8Array(65536), udp: new Uint8Array(65536) };
    decided.set(address, seen);
    const services: ServiceEvent[] = [];
    for (const p of host.ports) {
      seen[p.protocol][p.port] = 1;
      events.push({
        type: "port",
        address,
        protocol: p.protocol,
        port: p.port,
        state: p.state,
        reason: p.reason,
        ...(p.reasonTtl !== undefined ? { reasonTtl: p.reasonTtl } : {}),
        ...(p.rttMs !== undefined ? { rttMs: p.rttMs } : {}),
      });
      if (p.service) {
        services.push({
          ...p.service,
          type: "service",
          address,
          protocol: p.protocol,
          port: p.port,
        });
      }
    }
    for (const run of host.runs) {
      for (const port of parsePortList(run.ports)) {
        seen[run.protocol][port] = 1;
        events.push({
          type: "port",
          address,
          protocol: run.protocol,
          port,
          state: run.state,
          reason: run.reason,
          ...(run.reasonTtl !== undefined ? { reasonTtl: run.reasonTtl } : {}),
        });
      }
    }
    events.push(...services);
    if (host.os) events.push({ type: "os", address, active: host.os });
    if (host.fingerprints?.length) fingerprints.set(address, [...host.fingerprints]);
    if (host.finished) {
      finished.add(address);
      if (host.status === "up") {
        events.push({ type: "host-done", address, timedOut: host.timedOut });
      }
    }
  }
  const skip: ProbeSkip = {
    host: (address) => finished.has(address),
    port: (address, protocol, port) => decided.get(address)?.[protocol][port] === 1,
  };
  return { events, fingerprints, skip };
}
