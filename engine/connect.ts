/**
 * The connect scan (`-sT`): unprivileged TCP scanning through the operating system's
 * `connect()`. A completed handshake means open, a refusal means closed, silence after the
 * retries means filtered, and an ICMP unreachable surfaces as an errno naming the reason.
 *
 * Thousands of connects run at once, shared by many hosts: each host gets a fair share of
 * the budget, so one silent (filtered) host cannot hold up the rest. Timeouts adapt per host
 * from measured round trips (RFC 6298); the open-file limit bounds the budget and an EMFILE
 * that happens anyway lowers it and retries the probe instead of reporting a port state.
 */
import { RuntimeError } from "../cli/errors.ts";
import {
  classifyErrno,
  createNativeConnect,
  type NativeConnect,
  nativeConnectAvailable,
} from "../native/connect.ts";
import type { ScanEvent } from "./events.ts";
import { safeConcurrency } from "./fd_limit.ts";
import { createPermutation, type Permutation } from "./permutation.ts";
import type { ScanPlan, Target } from "./plan_types.ts";
import { RateLimiter } from "./rate.ts";
import { RttEstimator } from "./timing.ts";

/** Why a connect was answered by an ICMP error (or refused locally by the firewall). */
export type UnreachableReason =
  | "host-unreach"
  | "net-unreach"
  | "admin-prohibited"
  | "error";

/** The outcome of one connect attempt. */
export type ConnectResult =
  | { kind: "open"; rttMs: number }
  | { kind: "refused"; rttMs: number }
  | { kind: "timeout" }
  | { kind: "unreachable"; reason: UnreachableReason }
  | { kind: "resource"; message?: string };

/**
 * The transport the connect scan uses: try one TCP connect, give up after `timeoutMs`, and
 * never reject (errors are results). Tests replace it with a fake.
 */
export type ConnectFn = (
  address: string,
  port: number,
  timeoutMs: number,
) => Promise<ConnectResult>;

/** Options for `connectScan`. */
export interface ConnectScanOptions {
  /** Stops the scan; the `end` event then says `partial: true`. */
  signal?: AbortSignal;
  /**
   * Transport; default the native reactor (`native/connect.ts`) when the FFI permission is
   * granted and libc loads, else `createDenoConnect()`, bound to the scan's signal.
   */
  connect?: ConnectFn;
  /**
   * Which default transport to use when `connect` is not given: `auto` (default) prefers
   * the native one; `deno` forces `Deno.connect` (for comparisons and diagnosis).
   */
  transport?: "auto" | "deno";
  /** Wall clock for event timestamps, milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Connects in flight at most; default from the open-file limit and the timing plan. */
  concurrency?: number;
  /**
   * Treat loopback targets as up without probing them (default true, as nmap does). Tests
   * turn it off to exercise discovery against loopback addresses with a fake transport.
   */
  loopbackAlwaysUp?: boolean;
  /**
   * Longest pause after the system runs out of sockets (EMFILE and the like), doubling
   * from 20 ms; default 1000. After 40 such failures with nothing in flight the scan fails.
   */
  maxResourceBackoffMs?: number;
}

/** Options for `createDenoConnect`. */
export interface DenoConnectOptions {
  /** Aborts connects in flight (they report `timeout`). */
  signal?: AbortSignal;
}

const OS_ERROR = /os error (\d+)/;

/**
 * Turn an error thrown by `Deno.connect` into a result, by errno where the message carries
 * one ("(os error 111)") and by Deno's error class otherwise.
 */
export function classifyConnectError(error: unknown, rttMs: number): ConnectResult {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  const errno = Number(OS_ERROR.exec(message)?.[1] ?? NaN);
  if (Number.isFinite(errno)) {
    // One errno table for both transports: the native one's.
    const verdict = classifyErrno(errno, rttMs);
    if (verdict.kind === "resource") return { kind: "resource", message };
    if (verdict.kind !== "unreachable" || verdict.reason !== "error") return verdict;
  }
  switch (name) {
    case "ConnectionRefused":
    case "ConnectionReset":
      return { kind: "refused", rttMs };
    case "NetworkUnreachable":
      return { kind: "unreachable", reason: "net-unreach" };
    case "TimedOut":
    case "AbortError":
      return { kind: "timeout" };
    case "AddrNotAvailable":
      return { kind: "resource", message };
    case "PermissionDenied":
    case "NotCapable":
      // Deno's own permission system said no: that is a setup error, not a port state.
      throw error;
  }
  return { kind: "unreachable", reason: "error" };
}

/**
 * The default transport: `Deno.connect` with a timeout. A timed-out connect is aborted,
 * which closes its socket, so no descriptor outlives its probe; a connection that completes
 * is closed at once.
 */
export function createDenoConnect(options: DenoConnectOptions = {}): ConnectFn {
  const outer = options.signal;
  return async (address, port, timeoutMs) => {
    const controller = new AbortController();
    // When the timer fires, answers that already arrived may still sit in the event loop's
    // queue (a busy loop runs late); one more turn lets them win before we give up.
    let timer = setTimeout(() => {
      timer = setTimeout(() => controller.abort(), 0);
    }, timeoutMs);
    const onAbort = () => controller.abort();
    outer?.addEventListener("abort", onAbort, { once: true });
    const start = performance.now();
    try {
      const conn = await Deno.connect({
        hostname: address,
        port,
        signal: controller.signal,
        autoSelectFamily: false,
      });
      const rttMs = performance.now() - start;
      const self = isSelfConnect(conn);
      try {
        conn.close();
      } catch {
        // Already closed by the peer: nothing to release.
      }
      // A loopback connect can pick the destination port as its own source port and
      // "connect" to itself (TCP simultaneous open): nothing listens there, so it is closed.
      return self ? { kind: "refused", rttMs } : { kind: "open", rttMs };
    } catch (error) {
      return classifyConnectError(error, performance.now() - start);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    }
  };
}

function isSelfConnect(conn: Deno.Conn): boolean {
  const local = conn.localAddr as Deno.NetAddr;
  const remote = conn.remoteAddr as Deno.NetAddr;
  return local.port === remote.port && local.hostname === remote.hostname;
}

/**
 * True for addresses that never leave the machine: 127.0.0.0/8, `::1` and IPv4-mapped
 * loopback. Such hosts are always up ("localhost-response").
 */
export function isLoopback(address: string): boolean {
  const lower = address.toLowerCase();
  if (lower === "::1" || lower === "0:0:0:0:0:0:0:1") return true;
  const v4 = lower.startsWith("::ffff:") ? lower.slice(7) : lower;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Ports a connect "ping" tries, as nmap does without raw-socket rights. */
export const DISCOVERY_PORTS: readonly number[] = [80, 443];

/** Ports a connect "ping" tries for `plan`: its -PS and -PA ports, else 80 and 443. */
export function connectPingPorts(plan: Pick<ScanPlan, "discovery">): number[] {
  const d = plan.discovery;
  const named = d ? [...new Set([...d.tcpSyn, ...d.tcpAck])].sort((a, b) => a - b) : [];
  return named.length > 0 ? named : [...DISCOVERY_PORTS];
}

interface Probe {
  host: HostState;
  port: number;
  /** 0 for the first attempt, 1 for the first retry, ... */
  tryNo: number;
  discovery: boolean;
}

interface HostState {
  index: number;
  target: Target;
  phase: "discovery" | "ports" | "done";
  order: Permutation | undefined;
  next: number;
  /** Probes waiting to be sent again (timeouts, EMFILE), oldest first. */
  again: Probe[];
  inFlight: number;
  rtt: RttEstimator;
  /** Highest retry number that got an answer: evidence of loss, which earns more retries. */
  maxAnsweredTry: number;
  lastSend: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  discoveryUnreach: string | undefined;
  /** Ports with a verdict, so a host timeout can account for the rest in `done`. */
  decided: number;
}

/**
 * Connects started per event-loop turn, except with the native transport (which polls its
 * own sockets). Starting many more `Deno.connect`s at once leaves some of them unpolled
 * until the loop goes idle (seen with Deno 2.9: beyond ~128 new socket operations in one
 * turn, the excess stalls for seconds), which would turn closed ports into timeouts.
 */
const LAUNCHES_PER_TURN = 48;
/** Events waiting for the consumer before the scheduler stops launching probes. */
const BACKLOG_HIGH = 50_000;
const PROGRESS_INTERVAL_MS = 1000;
/** Resource failures with nothing of ours in flight before we give up. */
const MAX_IDLE_RESOURCE_FAILURES = 40;
/** How long connects in flight may still complete after the scan is aborted. */
const ABORT_GRACE_MS = 250;

/**
 * Run a connect scan of every target and TCP port in the plan.
 *
 * Events: `start`; per host `host` (up or down), then `port` for every port (closed too),
 * then `host-done` (hosts found down get no port scan and no `host-done`); `progress` at
 * most about once a second; `warning`s; finally `end` (`partial` when aborted).
 *
 * @example
 * ```ts
 * for await (const event of connectScan(plan, { signal })) {
 *   if (event.type === "port" && event.state === "open") console.log(event.port);
 * }
 * ```
 */
export async function* connectScan(
  plan: ScanPlan,
  options: ConnectScanOptions = {},
): AsyncGenerator<ScanEvent, void, undefined> {
  const internal = new AbortController();
  const outer = options.signal;
  const onOuterAbort = () => internal.abort();
  if (outer?.aborted) internal.abort();
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  const signal = internal.signal;

  // Connects in flight outlive an abort by a short grace, so their answers are not lost.
  const transportAbort = new AbortController();
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  signal.addEventListener("abort", () => {
    graceTimer = setTimeout(() => transportAbort.abort(), ABORT_GRACE_MS);
  }, { once: true });
  const clock = options.now ?? Date.now;
  const loopbackAlwaysUp = options.loopbackAlwaysUp ?? true;
  const maxBackoffMs = options.maxResourceBackoffMs ?? 1000;
  let native: NativeConnect | undefined;
  if (!options.connect && options.transport !== "deno" && nativeConnectAvailable()) {
    try {
      native = createNativeConnect({ signal: transportAbort.signal });
    } catch {
      // No eventfd or no libc after all: Deno.connect still works.
    }
  }
  const connect = options.connect ?? native ??
    createDenoConnect({ signal: transportAbort.signal });
  const launchesPerTurn = native ? Infinity : LAUNCHES_PER_TURN;
  const timing = plan.timing;
  const ports = plan.ports.tcp;
  const hostCount = plan.targets.size;
  const total = hostCount * ports.length;
  const limiter = new RateLimiter({
    maxRate: timing.maxRate,
    minRate: timing.minRate,
    signal,
  });

  // Event queue: a plain array with a moving head, compacted now and then.
  const queue: ScanEvent[] = [];
  let head = 0;
  let consumerWake: (() => void) | undefined;
  function emit(event: ScanEvent): void {
    queue.push(event);
    const wake = consumerWake;
    consumerWake = undefined;
    wake?.();
  }

  let schedulerWake: (() => void) | undefined;
  let wakeTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeAt = Infinity;
  function notify(): void {
    const wake = schedulerWake;
    schedulerWake = undefined;
    wake?.();
  }
  function wakeLater(at: number): void {
    if (at >= wakeAt) return;
    if (wakeTimer !== undefined) clearTimeout(wakeTimer);
    wakeAt = at;
    wakeTimer = setTimeout(() => {
      wakeTimer = undefined;
      wakeAt = Infinity;
      notify();
    }, Math.max(0, at - performance.now()));
  }
  signal.addEventListener("abort", notify, { once: true });

  let concurrency = Math.max(1, options.concurrency ?? safeConcurrency(timing));
  const pingPorts = connectPingPorts(plan);
  let inFlight = 0;
  let sent = 0;
  let done = 0;
  let nextHost = 0;
  const active: HostState[] = [];
  let cursor = 0;
  let pausedUntil = 0;
  let backoffMs = 0;
  let idleResourceFailures = 0;
  let warnedResource = false;
  let failure: unknown;

  function admitHosts(): void {
    while (active.length < Math.max(1, timing.hostParallelism) && nextHost < hostCount) {
      const index = nextHost++;
      const target = plan.targets.at(index);
      if (plan.skip?.host(target.address)) {
        done += ports.length;
        continue;
      }
      const host: HostState = {
        index,
        target,
        phase: "discovery",
        order: plan.sequentialPorts
          ? undefined
          : createPermutation(ports.length, plan.seed + index * 0x9e3779b1),
        next: 0,
        again: [],
        inFlight: 0,
        rtt: new RttEstimator(timing),
        maxAnsweredTry: 0,
        lastSend: -Infinity,
        timer: undefined,
        discoveryUnreach: undefined,
        decided: 0,
      };
      active.push(host);
      if (timing.hostTimeoutMs !== undefined) {
        host.timer = setTimeout(() => hostTimedOut(host), timing.hostTimeoutMs);
      }
      if (plan.skipDiscovery) {
        startPorts(host, { reason: "user-set" });
      } else if (loopbackAlwaysUp && isLoopback(target.address)) {
        startPorts(host, { reason: "localhost-response" });
      } else {
        for (const port of pingPorts) {
          host.again.push({ host, port, tryNo: 0, discovery: true });
        }
      }
    }
  }

  function startPorts(host: HostState, why: { reason: string; latencyMs?: number }): void {
    host.phase = "ports";
    // Leftover discovery probes must not be sent once the host is known to be up.
    host.again = [];
    emit({
      type: "host",
      address: host.target.address,
      ...(host.target.hostname !== undefined ? { hostname: host.target.hostname } : {}),
      status: "up",
      reason: why.reason,
      ...(why.latencyMs !== undefined ? { latencyMs: why.latencyMs } : {}),
    });
    maybeFinishHost(host);
  }

  function retire(host: HostState): void {
    host.phase = "done";
    if (host.timer !== undefined) clearTimeout(host.timer);
    host.timer = undefined;
    const at = active.indexOf(host);
    if (at >= 0) active.splice(at, 1);
  }

  function maybeFinishHost(host: HostState): void {
    if (host.inFlight > 0 || host.again.length > 0) return;
    if (host.phase === "discovery") {
      retire(host);
      emit({
        type: "host",
        address: host.target.address,
        ...(host.target.hostname !== undefined ? { hostname: host.target.hostname } : {}),
        status: "down",
        reason: host.discoveryUnreach ?? "no-response",
      });
      // A down host's ports count as decided, so progress still reaches the total.
      done += ports.length;
    } else if (host.phase === "ports" && host.next >= ports.length) {
      retire(host);
      emit({ type: "host-done", address: host.target.address, timedOut: false });
    }
  }

  function hostTimedOut(host: HostState): void {
    host.timer = undefined;
    if (host.phase === "done") return;
    const wasScanning = host.phase === "ports";
    const undecided = ports.length - host.decided;
    retire(host);
    done += Math.max(0, undecided);
    if (!wasScanning) {
      emit({
        type: "warning",
        message: `host timeout reached for ${host.target.address} during discovery`,
      });
    }
    emit({ type: "host-done", address: host.target.address, timedOut: true });
    notify();
  }

  function allowedRetries(host: HostState): number {
    // Without evidence of loss one retry suffices; each retry that did get an answer
    // earns one more, up to the plan's maximum (nmap's documented behaviour).
    return Math.min(timing.maxRetries, host.maxAnsweredTry + 1);
  }

  function takeProbe(host: HostState): Probe | undefined {
    const again = host.again.shift();
    if (again) return again;
    if (host.phase !== "ports") return undefined;
    while (host.next < ports.length) {
      const slot = host.next++;
      const port = ports[host.order ? host.order.at(slot) : slot];
      if (plan.skip?.port(host.target.address, "tcp", port)) {
        // Settled by the interrupted run this scan resumes.
        host.decided++;
        done++;
        continue;
      }
      return { host, port, tryNo: 0, discovery: false };
    }
    return undefined;
  }

  function pickProbe(): Probe | undefined {
    if (signal.aborted || failure !== undefined) return undefined;
    if (inFlight >= concurrency) return undefined;
    if (queue.length - head > BACKLOG_HIGH) return undefined;
    const now = performance.now();
    if (now < pausedUntil) {
      wakeLater(pausedUntil);
      return undefined;
    }
    admitHosts();
    const count = active.length;
    if (count === 0) return undefined;
    const delay = timing.scanDelayMs > 0 && !limiter.belowMinRate() ? timing.scanDelayMs : 0;
    const share = delay > 0 ? 1 : Math.ceil(concurrency / count);
    for (let k = 0; k < count; k++) {
      const host = active[(cursor + k) % count];
      if (host.inFlight >= share) continue;
      if (delay > 0 && now < host.lastSend + delay) {
        wakeLater(host.lastSend + delay);
        continue;
      }
      const probe = takeProbe(host);
      if (!probe) continue;
      cursor = (cursor + k + 1) % count;
      // Reserve the slot now: the probe may wait for the rate limiter before it is sent,
      // and meanwhile its host must not look finished.
      inFlight++;
      host.inFlight++;
      return probe;
    }
    return undefined;
  }

  function launch(probe: Probe): void {
    const host = probe.host;
    sent++;
    host.lastSend = performance.now();
    let pending: Promise<ConnectResult>;
    try {
      pending = connect(host.target.address, probe.port, host.rtt.timeoutMs());
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (result) => settle(probe, result),
      (error) => {
        failure ??= error;
        settle(probe, { kind: "timeout" });
      },
    );
  }

  function record(
    probe: Probe,
    outcome: { state: "open" | "closed" | "filtered"; reason: string; rttMs?: number },
  ): void {
    const host = probe.host;
    const { state, reason, rttMs } = outcome;
    host.decided++;
    done++;
    emit({
      type: "port",
      address: host.target.address,
      protocol: "tcp",
      port: probe.port,
      state,
      reason,
      ...(rttMs !== undefined ? { rttMs } : {}),
    });
  }

  function settle(probe: Probe, result: ConnectResult): void {
    const host = probe.host;
    inFlight--;
    host.inFlight--;
    if (result.kind === "resource") {
      if (inFlight === 0) idleResourceFailures++;
      if (idleResourceFailures > MAX_IDLE_RESOURCE_FAILURES) {
        failure ??= new RuntimeError(
          `cannot open sockets even with none in flight: ${result.message ?? "out of resources"}`,
        );
      }
      // Lower the budget below what was in flight when the kernel said no, pause, retry.
      const lowered = Math.max(1, Math.floor((inFlight + 1) * 0.8));
      if (lowered < concurrency) {
        concurrency = lowered;
        if (!warnedResource) {
          warnedResource = true;
          emit({
            type: "warning",
            message: `out of sockets or file descriptors (${
              result.message ?? "EMFILE"
            }); lowering connect parallelism to ${concurrency}`,
          });
        }
      }
      backoffMs = Math.min(maxBackoffMs, backoffMs > 0 ? backoffMs * 2 : 20);
      pausedUntil = performance.now() + backoffMs;
      if (host.phase !== "done") host.again.unshift(probe);
      notify();
      return;
    }
    idleResourceFailures = 0;
    backoffMs = 0;
    if (signal.aborted && result.kind === "timeout" && host.phase !== "done") {
      // Cut short by the interrupt, not unanswered: the port stays undecided (and its host
      // unfinished), so a resumed scan probes it again.
      host.again.unshift(probe);
      notify();
      return;
    }
    if (host.phase === "done" || (probe.discovery && host.phase !== "discovery")) {
      notify();
      return;
    }
    if (probe.discovery) {
      settleDiscovery(probe, result);
    } else {
      settlePort(probe, result);
    }
    maybeFinishHost(host);
    notify();
  }

  function settleDiscovery(probe: Probe, result: ConnectResult): void {
    const host = probe.host;
    switch (result.kind) {
      case "open":
      case "refused":
        host.rtt.sample(result.rttMs);
        startPorts(host, {
          reason: result.kind === "open" ? "syn-ack" : "conn-refused",
          latencyMs: result.rttMs,
        });
        return;
      case "unreachable":
        host.discoveryUnreach = result.reason;
        return;
      case "timeout":
        // Pings get one retry at most: discovery should not cost a full retry budget.
        if (probe.tryNo < Math.min(1, timing.maxRetries)) {
          host.again.push({ ...probe, tryNo: probe.tryNo + 1 });
        }
        return;
    }
  }

  function settlePort(probe: Probe, result: ConnectResult): void {
    const host = probe.host;
    switch (result.kind) {
      case "open":
      case "refused":
        host.rtt.sample(result.rttMs);
        host.maxAnsweredTry = Math.max(host.maxAnsweredTry, probe.tryNo);
        record(
          probe,
          result.kind === "open"
            ? { state: "open", reason: "syn-ack", rttMs: result.rttMs }
            : { state: "closed", reason: "conn-refused", rttMs: result.rttMs },
        );
        return;
      case "unreachable":
        record(probe, { state: "filtered", reason: result.reason });
        return;
      case "timeout":
        if (probe.tryNo < allowedRetries(host)) {
          host.again.push({ ...probe, tryNo: probe.tryNo + 1 });
        } else {
          record(probe, { state: "filtered", reason: "no-response" });
        }
        return;
    }
  }

  function finished(): boolean {
    if (inFlight > 0) return false;
    if (signal.aborted || failure !== undefined) return true;
    return nextHost >= hostCount && active.length === 0;
  }

  async function schedule(): Promise<void> {
    let launchedThisTurn = 0;
    while (!finished()) {
      if (launchedThisTurn >= launchesPerTurn) {
        // Wait for the event loop: either a connect settles (which means the loop polled
        // I/O) or a zero timer fires, whichever comes first. A bare timer costs ~2 ms a turn.
        launchedThisTurn = 0;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(notify, 0);
          schedulerWake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        continue;
      }
      const probe = pickProbe();
      if (!probe) {
        // Admitting hosts can finish them with nothing to send (a loopback target of -sn is
        // up at once): then no probe will ever wake this loop.
        if (finished()) break;
        await new Promise<void>((resolve) => (schedulerWake = resolve));
        continue;
      }
      if (limiter.limited) {
        await limiter.take();
        if (signal.aborted) {
          // Reserved but never sent: release the slot.
          inFlight--;
          probe.host.inFlight--;
          continue;
        }
      } else {
        limiter.take();
      }
      launch(probe);
      launchedThisTurn++;
    }
  }

  let progressTimer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<void> | undefined;
  let completed = false;
  try {
    yield {
      type: "start",
      time: clock(),
      scanType: plan.pingScan ? "ping" : "connect",
      ports: { tcp: ports.length, udp: 0 },
      hosts: hostCount,
    };
    if (plan.ports.udp.length > 0) {
      emit({
        type: "warning",
        message: `the connect scan covers TCP only; ${plan.ports.udp.length} UDP ports skipped`,
      });
    }

    let lastProgressDone = -1;
    progressTimer = setInterval(() => {
      if (done === lastProgressDone && done > 0) return;
      lastProgressDone = done;
      emit({ type: "progress", sent, done, total, rate: Math.round(limiter.rate()) });
    }, PROGRESS_INTERVAL_MS);

    running = schedule().finally(() => {
      completed = true;
      const wake = consumerWake;
      consumerWake = undefined;
      wake?.();
    });

    while (true) {
      while (head < queue.length) {
        const event = queue[head];
        head++;
        if (head > 4096 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
          notify(); // the backlog shrank: the scheduler may launch again
        }
        yield event;
      }
      if (completed) break;
      await new Promise<void>((resolve) => (consumerWake = resolve));
    }
    await running;
    if (failure !== undefined) throw failure;
    yield { type: "end", time: clock(), partial: signal.aborted };
  } finally {
    // Runs on normal completion, on error, and when the consumer stops early.
    internal.abort();
    if (running) await running;
    clearTimeout(graceTimer);
    transportAbort.abort();
    clearInterval(progressTimer);
    if (wakeTimer !== undefined) clearTimeout(wakeTimer);
    for (const host of active) {
      if (host.timer !== undefined) clearTimeout(host.timer);
    }
    outer?.removeEventListener("abort", onOuterAbort);
    native?.close();
  }
}
