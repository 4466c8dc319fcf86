/**
 * Options -> ScanPlan: resolve targets and ports, pick the scan technique for the
 * privileges at hand, and fix the timing. The plan is all the engine needs.
 */
import type { Options, ScanType } from "../cli/options.ts";
import { UsageError } from "../cli/errors.ts";
import { portsByName, topPorts } from "../registry/services.ts";
import type { DiscoveryPlan, PortSet, ScanPlan } from "./plan_types.ts";
import { parseTargets, readTargetFile } from "./targets.ts";
import { parsePortSpec, subtractPorts } from "./ports.ts";
import { timingPlan } from "./timing.ts";
import { planScripts } from "./scan.ts";
import { parseScriptArgs } from "../probes/scripts/args.ts";

import { rawAvailability } from "../native/privileges.ts";
import type { RawAvailability } from "../native/privileges.ts";
export type { RawAvailability };

/** Hooks that tests (and the library API) can replace. */
export interface PlanHooks {
  /** Resolve a hostname to addresses of one family (default: the system resolver). */
  resolve?: (name: string, family: 4 | 6) => Promise<string[]>;
  /** Whether raw scans are possible (default: --allow-ffi, CAP_NET_RAW and libpcap). */
  rawAvailability?: () => RawAvailability;
  /** Read stdin for `-iL -` (default: Deno.stdin). */
  readStdin?: () => Promise<string>;
}

/** Scan types that need raw packets. */
const RAW_TYPES: ReadonlySet<ScanType> = new Set([
  "syn",
  "ack",
  "fin",
  "null",
  "xmas",
  "window",
  "udp",
]);

/** Scan types the engines can run today. */
const SUPPORTED_TYPES: ReadonlySet<ScanType> = new Set([
  "connect",
  "syn",
  "ack",
  "fin",
  "null",
  "xmas",
  "window",
  "udp",
]);

/**
 * Build the scan plan for `options`.
 *
 * @example
 * const plan = await buildPlan({ ...defaultOptions(), targets: ["127.0.0.1"], ports: "22,80" });
 */
export async function buildPlan(input: Options, hooks: PlanHooks = {}): Promise<ScanPlan> {
  let options = input;
  const specs = [...options.targets];
  if (options.inputFile !== undefined) specs.push(...await readTargetFile(options.inputFile));
  if (specs.length === 0) {
    if (options.inputFile !== undefined) {
      throw new UsageError(`no targets found in ${options.inputFile}`);
    }
    specs.push(options.ipv6 ? "::1" : "127.0.0.1");
  }
  const exclude = [...options.exclude];
  if (options.excludeFile !== undefined) exclude.push(...await readTargetFile(options.excludeFile));
  const targets = await parseTargets(specs, {
    ipv6: options.ipv6,
    exclude,
    resolve: hooks.resolve,
  });

  if (options.aggressive) {
    // -A = -O -sV -sC --traceroute, as in nmap.
    options = {
      ...options,
      osDetection: true,
      serviceDetection: true,
      traceroute: true,
      scripts: options.scripts === undefined ? "default" : `default,${options.scripts}`,
    };
  }
  const { scanType, scanTypes, fallbackReason } = chooseScanType(options, hooks);
  const notes: string[] = fallbackReason ? [fallbackReason] : [];
  let osDetection: ScanPlan["osDetection"];
  if (options.osDetection) {
    const raw = RAW_TYPES.has(scanType)
      ? { ok: true as const }
      : (hooks.rawAvailability ?? rawAvailability)();
    if (raw.ok) {
      osDetection = {
        guess: options.osscanGuess,
        limit: options.osscanLimit,
        maxTries: options.maxOsTries ?? 2,
      };
    } else if (input.osDetection) {
      throw new UsageError(`-O needs raw packets: ${raw.reason}`);
    } else {
      notes.push("OS detection needs raw packets; -A goes on without it");
    }
  }
  let traceroute: ScanPlan["traceroute"];
  if (options.traceroute) {
    const raw = RAW_TYPES.has(scanType)
      ? { ok: true as const }
      : (hooks.rawAvailability ?? rawAvailability)();
    if (raw.ok) traceroute = { resolveNames: options.resolve !== "never" };
    else if (input.traceroute) {
      throw new UsageError(`--traceroute needs raw packets: ${raw.reason}`);
    } else notes.push("traceroute needs raw packets; -A goes on without it");
  }
  const protocols: ("tcp" | "udp")[] = scanTypes
    ? ["tcp", "udp"]
    : scanType === "udp"
    ? ["udp"]
    : ["tcp"];
  if (options.shard !== undefined) {
    if (options.seed === undefined) {
      // Every shard must walk the same permutation, or the slices overlap and leave gaps.
      throw new UsageError(
        "--shard needs --seed N, the same on every shard, so the shards split one walk",
      );
    }
    if (scanType === "connect") {
      throw new UsageError(
        `--shard needs a raw scan (-sS, -sA, -sU, ...); connect scans cannot be sharded yet${
          fallbackReason ? ` (${fallbackReason})` : ""
        }`,
      );
    }
  }
  const noPorts = options.listScan || options.pingScan === true;
  const ports = noPorts ? { tcp: [], udp: [] } : choosePorts(options, protocols);
  const total = ports.tcp.length + ports.udp.length;
  const discovery = discoveryPlan(options);
  if (options.pingScan && scanType === "connect") {
    // The SYN -> connect fallback note speaks of port scans; say what -sn does instead.
    const raw = (hooks.rawAvailability ?? rawAvailability)();
    const reason = raw.ok ? "" : `${raw.reason}; `;
    const skipped = discovery &&
        (discovery.udp.length > 0 || discovery.icmpEcho || discovery.icmpTimestamp ||
          discovery.icmpMask)
      ? " (ICMP and UDP pings need raw packets)"
      : "";
    notes.splice(0, notes.length, ...notes.filter((n) => n !== fallbackReason));
    if (!options.skipDiscovery) {
      const { connectPingPorts } = await import("./connect.ts");
      notes.unshift(
        `${reason}discovering hosts with TCP connect to ports ${
          connectPingPorts({ discovery }).join(",")
        }${skipped}`,
      );
    }
  }
  if (!noPorts && total === 0) {
    throw new UsageError("no ports left to scan (check -p and --exclude-ports)");
  }
  return {
    targets,
    ports,
    scanType,
    ...(scanTypes ? { scanTypes } : {}),
    fallbackReason: notes.length > 0 ? notes.join("; ") : undefined,
    skipDiscovery: options.skipDiscovery,
    ...(options.pingScan ? { pingScan: true } : {}),
    ...(discovery ? { discovery } : {}),
    timing: timingPlan(options),
    seed: options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0],
    ...(options.shard ? { shard: { ...options.shard } } : {}),
    sequentialPorts: options.sequentialPorts,
    resolve: options.resolve,
    serviceDetection: options.serviceDetection
      ? { intensity: options.versionIntensity ?? 7 }
      : undefined,
    osDetection,
    traceroute,
    scripts: await planScriptsOption(options),
  };
}

/** The raw engine's discovery when no `-P*` probe is named: nmap's privileged defaults. */
export const DEFAULT_DISCOVERY: Readonly<DiscoveryPlan> = Object.freeze({
  tcpSyn: [443],
  tcpAck: [80],
  udp: [],
  icmpEcho: true,
  icmpTimestamp: true,
  icmpMask: false,
  arp: true,
});

/**
 * The discovery probes `options` name, or undefined for the engines' defaults. As in nmap,
 * naming any probe replaces the whole default set, and ARP stays on unless disabled.
 */
function discoveryPlan(options: Options): DiscoveryPlan | undefined {
  const p = options.discoveryProbes;
  const arp = options.disableArpPing !== true;
  if (p === undefined) return arp ? undefined : { ...DEFAULT_DISCOVERY, arp };
  const list = (spec: string | undefined) =>
    spec === undefined ? [] : sorted([...new Set(expandPortList(spec))]);
  return {
    tcpSyn: list(p.tcpSyn),
    tcpAck: list(p.tcpAck),
    udp: list(p.udp),
    icmpEcho: p.icmpEcho === true,
    icmpTimestamp: p.icmpTimestamp === true,
    icmpMask: p.icmpMask === true,
    arp,
  };
}

/** "22,80,8000-8010" (already checked by the CLI) as port numbers. */
function expandPortList(spec: string): number[] {
  const out: number[] = [];
  for (const item of spec.split(",")) {
    const [low, high = low] = item.split("-").map(Number);
    if (!(Number.isInteger(low) && Number.isInteger(high) && low <= high && high <= 65535)) {
      throw new UsageError(`invalid discovery port list '${spec}'`);
    }
    for (let p = low; p <= high; p++) out.push(p);
  }
  return out;
}

/** Check the script selection and arguments now, so a typo fails before the scan. */
async function planScriptsOption(options: Options): Promise<ScanPlan["scripts"]> {
  if (options.scripts === undefined) return undefined;
  let args = options.scriptArgs ?? "";
  if (options.scriptArgsFile !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(options.scriptArgsFile);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split(":")[0] : String(error);
      throw new UsageError(`cannot read --script-args-file '${options.scriptArgsFile}': ${reason}`);
    }
    const fromFile = text.split(/\r?\n/).map((l) => l.trim()).filter((l) =>
      l && !l.startsWith("#")
    );
    args = [args, ...fromFile].filter((a) => a !== "").join(",");
  }
  parseScriptArgs(args);
  const scripts = await planScripts(options.scripts);
  if (scripts.length === 0) throw new UsageError(`--script '${options.scripts}' selects no script`);
  return { expression: options.scripts, args, timeoutMs: options.scriptTimeout ?? 30_000 };
}

function chooseScanType(
  options: Options,
  hooks: PlanHooks,
): { scanType: ScanType; scanTypes?: ScanType[]; fallbackReason?: string } {
  const requested = options.scanTypes;
  if (requested.length > 1) {
    // The CLI allows one TCP technique plus -sU; the raw engine runs both in one walk.
    const tcp = requested.filter((t) => t !== "udp");
    if (tcp.length !== 1 || !requested.includes("udp")) {
      throw new UsageError(
        `one TCP scan type plus -sU at most (got ${requested.map((t) => scanFlag(t)).join(" ")})`,
      );
    }
    if (tcp[0] === "connect") {
      throw new UsageError("-sT cannot be combined with -sU yet; use -sS -sU");
    }
    if (!SUPPORTED_TYPES.has(tcp[0])) {
      throw new UsageError(`${scanFlag(tcp[0])} is not supported yet`);
    }
    const raw = (hooks.rawAvailability ?? rawAvailability)();
    if (!raw.ok) {
      throw new UsageError(
        `${scanFlag(tcp[0])} -sU needs raw packets: ${raw.reason}`,
      );
    }
    return { scanType: tcp[0], scanTypes: [tcp[0], "udp"] };
  }
  const wanted: ScanType = requested[0] ?? "syn";
  if (!SUPPORTED_TYPES.has(wanted)) {
    throw new UsageError(`${scanFlag(wanted)} is not supported yet`);
  }
  if (!RAW_TYPES.has(wanted)) return { scanType: wanted };
  const raw = (hooks.rawAvailability ?? rawAvailability)();
  if (raw.ok) return { scanType: wanted };
  // A SYN scan (asked for, or the default) degrades to connect, saying why; the other raw
  // techniques have no connect equivalent.
  if (wanted === "syn") {
    return { scanType: "connect", fallbackReason: `${raw.reason}; scanning with connect (-sT)` };
  }
  throw new UsageError(`${scanFlag(wanted)} needs raw packets: ${raw.reason}`);
}

function choosePorts(options: Options, protocols: ("tcp" | "udp")[]): PortSet {
  let ports: PortSet;
  if (options.ports !== undefined) {
    ports = parsePortSpec(options.ports, { resolveName: portsByName, defaultProtocols: protocols });
    // A T:/U: list names ports for both protocols; keep only the ones this scan type probes.
    if (!protocols.includes("tcp")) ports = { tcp: [], udp: ports.udp };
    if (!protocols.includes("udp")) ports = { tcp: ports.tcp, udp: [] };
  } else {
    const count = options.topPorts ?? (options.fast ? 100 : 1000);
    ports = {
      tcp: protocols.includes("tcp") ? sorted(topPorts(count, "tcp")) : [],
      udp: protocols.includes("udp") ? sorted(topPorts(count, "udp")) : [],
    };
  }
  if (options.excludePorts !== undefined) {
    const excluded = parsePortSpec(options.excludePorts, {
      resolveName: portsByName,
      defaultProtocols: ["tcp", "udp"],
    });
    ports = subtractPorts(ports, excluded);
  }
  return ports;
}

function sorted(ports: number[]): number[] {
  return [...ports].sort((a, b) => a - b);
}

/** The nmap flag for a scan type, for messages. */
export function scanFlag(type: ScanType): string {
  const flags: Record<ScanType, string> = {
    connect: "-sT",
    syn: "-sS",
    ack: "-sA",
    fin: "-sF",
    null: "-sN",
    xmas: "-sX",
    window: "-sW",
    udp: "-sU",
  };
  return flags[type];
}
