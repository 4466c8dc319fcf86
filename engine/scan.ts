/**
 * Runs a plan: the port scan with the engine that fits its scan type, then the phases that
 * build on its results (version detection), as one stream of events.
 */
import type { EndEvent, PortEvent, ReplyFingerprint, ScanEvent } from "./events.ts";
import { type PassiveHint, passiveOsHint } from "../probes/os/passive.ts";
import type { OsTarget } from "../probes/os/active/mod.ts";
import type { ScanPlan } from "./plan_types.ts";
import type { ResumeState } from "./resume.ts";
import { rawDiscoveryBatches, rawScanBatches } from "./raw/mod.ts";
import type { ServiceTarget } from "../probes/service/mod.ts";
import { parseScriptArgs } from "../probes/scripts/args.ts";
import type { Script, ScriptPort, ScriptTarget } from "../probes/scripts/mod.ts";

/** Options for running a plan. */
export interface RunOptions {
  /** Aborting stops sending; the engine still yields what it found and an `end` event. */
  signal?: AbortSignal;
  /**
   * An interrupted scan to continue (`--resume`, engine/resume.ts): its results are yielded
   * right after the `start` event, and the engines send no probe for what they settled.
   */
  resume?: ResumeState;
}

/** The engine's event batches with `replay` inserted right after its `start` event. */
async function* withReplay(
  batches: AsyncIterable<ScanEvent[]>,
  replay: readonly ScanEvent[] | undefined,
): AsyncIterable<ScanEvent[]> {
  let pending = replay;
  for await (const batch of batches) {
    const at = pending ? batch.findIndex((e) => e.type === "start") : -1;
    if (at < 0) {
      yield batch;
      continue;
    }
    yield [...batch.slice(0, at + 1), ...pending!, ...batch.slice(at + 1)];
    pending = undefined;
  }
}

/** The connect engine's events one per batch; the engine loads on first use. */
async function* connectBatches(plan: ScanPlan, options: RunOptions): AsyncIterable<ScanEvent[]> {
  const { connectScan } = await import("./connect.ts");
  for await (const event of connectScan(plan, { signal: options.signal })) yield [event];
}

/** The port-scan phase for the plan's scan type, in the batches its engine makes. */
function portScan(plan: ScanPlan, options: RunOptions): AsyncIterable<ScanEvent[]> {
  // -sn: discovery alone. The connect engine with no ports to scan is a connect "ping".
  if (plan.pingScan && plan.scanType !== "connect") {
    return rawDiscoveryBatches(plan, { signal: options.signal });
  }
  switch (plan.scanType) {
    case "connect":
      return connectBatches(plan, options);
    case "syn":
    case "ack":
    case "fin":
    case "null":
    case "xmas":
    case "window":
    case "udp":
      return rawScanBatches(plan, { signal: options.signal });
  }
}

/**
 * The scripts a plan selects: bundled ones by name, category or expression, and the user's own
 * files (run in a restricted Worker where Deno allows it; `warn` says when it does not).
 * The script engine loads on first use: a scan without scripts starts faster without it.
 */
export async function planScripts(
  expression: string,
  warn: (message: string) => void = () => {},
): Promise<Script[]> {
  const { BUNDLED_SCRIPTS, loadScriptFile, resolveScripts } = await import(
    "../probes/scripts/mod.ts"
  );
  return await resolveScripts(expression, {
    available: [...BUNDLED_SCRIPTS],
    load: (path) => loadScriptFile(path, { warn }),
  });
}

/** Ports version detection should look at: open TCP ports, open or possibly open UDP ports. */
function wantsVersion(event: PortEvent): boolean {
  return event.state === "open" || (event.protocol === "udp" && event.state === "open|filtered");
}

/**
 * Run `plan` and yield its events as they happen. The port scan's `end` event is held back
 * until the later phases are done, so the stream always ends with exactly one `end`.
 */
export async function* runPlan(plan: ScanPlan, options: RunOptions = {}): AsyncIterable<ScanEvent> {
  for await (const batch of runPlanBatches(plan, options)) yield* batch;
}

/**
 * {@linkcode runPlan}'s events in batches, as the engines produce them (never empty): a reader
 * of a `-p-` scan or a sweep takes one async step per batch instead of one per port.
 */
export async function* runPlanBatches(
  plan: ScanPlan,
  options: RunOptions = {},
): AsyncIterable<ScanEvent[]> {
  const versionTargets: ServiceTarget[] = [];
  // What the script phase needs per host: every port result, then version detection's names.
  const scriptTargets = new Map<string, Map<string, ScriptPort>>();
  const fingerprints = new Map<string, ReplyFingerprint[]>();
  for (const [address, list] of options.resume?.fingerprints ?? []) {
    fingerprints.set(address, [...list]);
  }
  const osPorts = new Map<string, OsTarget>();
  // What a resumed scan already has from its later phases, so they are not run again.
  const versionDone = new Set<string>();
  const osDone = new Set<string>();
  const scanPlan = options.resume ? { ...plan, skip: options.resume.skip } : plan;
  let end: EndEvent | undefined;
  // What the later phases need, noted from each event as it passes.
  const observe = (event: ScanEvent): void => {
    if (event.type === "port" && event.fingerprint) {
      let list = fingerprints.get(event.address);
      if (list === undefined) fingerprints.set(event.address, list = []);
      // A handful of replies say all a host's stack will say; keep memory flat on -p- scans.
      if (list.length < 32) list.push(event.fingerprint);
    }
    if (event.type === "service") {
      versionDone.add(`${event.address} ${event.protocol}/${event.port}`);
      const port = scriptTargets.get(event.address)?.get(`${event.protocol}/${event.port}`);
      if (port) {
        port.service = { name: event.name, product: event.product, version: event.version };
        if (event.tunnel) port.service.tunnel = event.tunnel;
      }
    }
    if (event.type === "os" && event.active) osDone.add(event.address);
    if (plan.serviceDetection && event.type === "port" && wantsVersion(event)) {
      versionTargets.push({ address: event.address, port: event.port, protocol: event.protocol });
    }
    if (plan.scripts && event.type === "port") {
      const ports = scriptTargets.get(event.address) ?? new Map<string, ScriptPort>();
      ports.set(`${event.protocol}/${event.port}`, {
        port: event.port,
        protocol: event.protocol,
        state: event.state,
      });
      scriptTargets.set(event.address, ports);
    }
    const wantPorts = plan.osDetection !== undefined || plan.traceroute !== undefined;
    if (wantPorts && event.type === "host" && event.status === "up") {
      if (!osPorts.has(event.address)) osPorts.set(event.address, { address: event.address });
    }
    if (wantPorts && event.type === "port") {
      // OS detection wants one open and one closed TCP port, and a closed UDP port if known.
      const t = osPorts.get(event.address) ?? { address: event.address };
      if (event.protocol === "tcp" && event.state === "open") t.openTcpPort ??= event.port;
      if (event.protocol === "tcp" && event.state === "closed") t.closedTcpPort ??= event.port;
      if (event.protocol === "udp" && event.state === "closed") t.closedUdpPort ??= event.port;
      osPorts.set(event.address, t);
    }
    if (plan.scripts && event.type === "host" && event.status === "up") {
      if (!scriptTargets.has(event.address)) scriptTargets.set(event.address, new Map());
    }
  };
  for await (const batch of withReplay(portScan(scanPlan, options), options.resume?.events)) {
    let held = false;
    for (const event of batch) {
      if (event.type === "end") {
        end = event;
        held = true;
        continue;
      }
      observe(event);
    }
    const out = held ? batch.filter((e) => e.type !== "end") : batch;
    if (out.length > 0) yield out;
  }
  // Passive OS hints: free, from the SYN-ACKs and RSTs the port scan already received.
  // Hosts of one stack send the same replies: the hint is worked out once per distinct set.
  const hints = new Map<string, PassiveHint | undefined>();
  for (const [address, samples] of fingerprints) {
    const ipVersion = address.includes(":") ? 6 : 4;
    const key = `${ipVersion} ${JSON.stringify(samples)}`;
    let hint = hints.get(key);
    if (hint === undefined && !hints.has(key)) {
      hint = passiveOsHint(samples.map((f) => ({ ...f, ipVersion })));
      hints.set(key, hint);
    }
    if (hint) {
      // Each event gets its own copy, as when every hint was worked out on its own.
      yield [{
        type: "os",
        address,
        passive: { ...hint, cpe: [...hint.cpe], reasons: [...hint.reasons] },
      }];
    }
  }
  let partial = end?.partial ?? true;
  if (versionDone.size > 0) {
    const left = versionTargets.filter((t) =>
      !versionDone.has(`${t.address} ${t.protocol}/${t.port}`)
    );
    versionTargets.splice(0, versionTargets.length, ...left);
  }
  if (plan.serviceDetection && versionTargets.length > 0 && !options.signal?.aborted) {
    // The later phases load on first use: a port scan alone starts faster without them.
    const { detectServices } = await import("../probes/service/mod.ts");
    for await (
      const result of detectServices(versionTargets, {
        intensity: plan.serviceDetection.intensity,
        signal: options.signal,
      })
    ) {
      yield [{ type: "service", ...result }];
      const port = scriptTargets.get(result.address)?.get(`${result.protocol}/${result.port}`);
      if (port) {
        port.service = { name: result.name, product: result.product, version: result.version };
        if (result.tunnel) port.service.tunnel = result.tunnel;
      }
    }
    partial ||= options.signal?.aborted ?? false;
  }
  if (plan.osDetection && !options.signal?.aborted) {
    const { detectOs } = await import("../probes/os/active/mod.ts");
    for (const target of osPorts.values()) {
      if (options.signal?.aborted) break;
      const complete = target.openTcpPort !== undefined && target.closedTcpPort !== undefined;
      if (plan.osDetection.limit && !complete) continue;
      if (osDone.has(target.address)) continue;
      try {
        const result = await detectOs(target, {
          signal: options.signal,
          maxTries: plan.osDetection.maxTries,
          guess: true,
          guessThreshold: plan.osDetection.guess ? 50 : 85,
        });
        yield [{
          type: "os",
          address: target.address,
          active: {
            fingerprint: result.fingerprint,
            matches: result.matches.map((m) => ({
              name: m.name,
              accuracy: m.accuracy,
              cpe: m.cpe,
              osClass: m.class,
            })),
            exact: result.perfect,
            note: result.note,
          },
        }];
      } catch (error) {
        if (options.signal?.aborted) break;
        yield [{
          type: "warning",
          message: `OS detection of ${target.address} failed: ${(error as Error).message}`,
        }];
      }
    }
    partial ||= options.signal?.aborted ?? false;
  }
  if (plan.traceroute && !options.signal?.aborted) {
    const { traceroute } = await import("../probes/traceroute/mod.ts");
    for (const t of osPorts.values()) {
      if (options.signal?.aborted) break;
      // As nmap: a SYN to an open port, else to a closed one, else ICMP echo.
      const port = t.openTcpPort ?? t.closedTcpPort;
      try {
        const trace = await traceroute(
          { address: t.address, port, protocol: port === undefined ? "icmp" : "tcp" },
          { signal: options.signal, resolveNames: plan.traceroute.resolveNames },
        );
        yield [{ type: "traceroute", ...trace }];
      } catch (error) {
        if (options.signal?.aborted) break;
        yield [{
          type: "warning",
          message: `traceroute to ${t.address} failed: ${(error as Error).message}`,
        }];
      }
    }
    partial ||= options.signal?.aborted ?? false;
  }
  if (plan.scripts && !options.signal?.aborted) {
    const warnings: string[] = [];
    const scripts = await planScripts(plan.scripts.expression, (m) => warnings.push(m));
    for (const message of warnings) yield [{ type: "warning", message }];
    const { runScripts } = await import("../probes/scripts/mod.ts");
    const targets: ScriptTarget[] = [...scriptTargets].map(([address, ports]) => ({
      host: { address },
      ports: [...ports.values()],
    }));
    for await (
      const r of runScripts(targets, scripts, {
        args: parseScriptArgs(plan.scripts.args),
        timeoutMs: plan.scripts.timeoutMs,
        signal: options.signal,
      })
    ) {
      if (r.output === undefined && r.error === undefined) continue;
      yield [{
        type: "script",
        address: r.address,
        port: r.port,
        protocol: r.protocol,
        id: r.script,
        output: r.output?.text,
        data: r.output?.data,
        vulnerable: r.output?.vulnerable,
        error: r.error,
        elapsedMs: r.elapsedMs,
      }];
    }
    partial ||= options.signal?.aborted ?? false;
  }
  yield [{ type: "end", time: Date.now(), partial }];
}
