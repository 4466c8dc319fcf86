/**
 * Folds the engine's event stream into one immutable {@link ScanReport}: the shape every report
 * writer (normal text, JSON, XML) formats. Streaming writers read events directly instead.
 *
 * @module
 */
import type {
  OsEvent,
  PortState,
  Protocol,
  ScanEvent,
  ScriptEvent,
  ServiceEvent,
  TracerouteEvent,
} from "../engine/events.ts";
import { lookupService } from "../registry/services.ts";
import { mayBeOpen } from "./hidden.ts";

/** What the report needs to know that the events do not carry. */
export interface ReportMeta {
  /** The command line, without the program name. */
  args: string[];
  /** Portolan's version ("0.1.0"). */
  version: string;
  /** Scan technique requested; the start event's value wins because it records any fallback. */
  scanType: string;
  /** Milliseconds since the epoch; when absent, the start event's time is used. */
  startedAt?: number;
}

/** One port's final state on one host. */
export interface PortResult {
  protocol: Protocol;
  port: number;
  state: PortState;
  /** What decided the state ("syn-ack", "conn-refused", "no-response", ...). */
  reason: string;
  /** TTL of the deciding reply, when known. */
  reasonTtl?: number;
  /** Round-trip time of the deciding probe, milliseconds. */
  rttMs?: number;
  /** Service name: what version detection found, else the registry's name for the port. */
  service?: string;
  /** What version detection (`-sV`) found, when it ran. */
  serviceInfo?: ServiceInfo;
  /** Port scripts' results, in the order they finished. */
  scripts?: ScriptRecord[];
  /** `--audit`: risk and what to do about this port. */
  audit?: PortAudit;
}

/** The audit of one open port: the seed's advice, made concrete. */
export interface PortAudit {
  risk: "info" | "low" | "medium" | "high" | "critical";
  findings: string[];
  recommendation: string;
}

/** One script's result: a script event without its addressing. */
export type ScriptRecord = Omit<ScriptEvent, "type" | "address" | "port" | "protocol">;

/** Version detection's findings for one port: a service event without its addressing. */
export type ServiceInfo = Omit<ServiceEvent, "type" | "address" | "protocol" | "port">;

/** Everything known about one host. */
export interface HostReport {
  address: string;
  hostname?: string;
  status: "up" | "down";
  /** Why the host is thought up or down ("localhost-response", "user-set", "no-response"). */
  reason: string;
  /** Discovery round-trip latency, milliseconds. */
  latencyMs?: number;
  /** Hardware address, when the host answered ARP (same link). */
  mac?: string;
  /** Sorted by protocol (tcp before udp), then port number. */
  ports: PortResult[];
  /** True when `--host-timeout` cut this host short. */
  timedOut: boolean;
  /** Operating system: the passive hint and/or active detection's result. */
  os?: HostOs;
  /** Host scripts' results. */
  hostScripts?: ScriptRecord[];
  /** `--traceroute`: the route to the host. */
  trace?: Omit<TracerouteEvent, "type" | "address">;
  /** `--audit`: the host's risk summary. */
  audit?: { counts: Record<PortAudit["risk"], number>; headline: string };
}

/** What is known about a host's operating system. */
export type HostOs = Pick<OsEvent, "passive" | "active">;

/** The folded result of a whole scan. */
export interface ScanReport {
  version: string;
  args: string[];
  scanType: string;
  /** Milliseconds since the epoch. */
  startedAt: number;
  /** Milliseconds since the epoch. */
  endedAt: number;
  elapsedMs: number;
  /** True when the scan was interrupted or the report was built before the end event. */
  partial: boolean;
  /** In the order hosts were first seen in the event stream. */
  hosts: HostReport[];
  hostsUp: number;
  hostsDown: number;
  /** Target addresses in the scan (from the start event; hosts seen when there was none). */
  hostsTotal: number;
  /** Ports scanned per host, by protocol. */
  portsPerHost: { tcp: number; udp: number };
  /** Warning messages in the order first raised, without repeats. */
  warnings: string[];
}

/** Maps a port to the service name shown beside it, or undefined when unknown. */
export type ServiceNamer = (port: number, protocol: Protocol) => string | undefined;

/** Options for {@link ReportBuilder} and {@link foldEvents}. */
export interface ReportOptions {
  /** Service names for ports; defaults to the registry's `lookupService`. */
  serviceName?: ServiceNamer;
}

/** Options for {@link ReportBuilder.build}. */
export interface BuildOptions {
  /** End time (ms since the epoch) to use when no end event has arrived yet. */
  now?: number;
  /**
   * `--open`: leave out hosts none of whose ports may be open (when ports were scanned), as
   * every output does then; `hostsUp` and `hostsDown` still count them.
   */
  openOnly?: boolean;
}

function registryServiceName(port: number, protocol: Protocol): string | undefined {
  return lookupService(port, protocol)?.name;
}

interface MutableHost {
  address: string;
  hostname?: string;
  status: "up" | "down";
  reason: string;
  latencyMs?: number;
  mac?: string;
  /** By {@link portKey}; a repeated port replaces its earlier result. */
  ports: PortTable;
  timedOut: boolean;
  os?: HostOs;
  hostScripts?: ScriptRecord[];
  trace?: Omit<TracerouteEvent, "type" | "address">;
}

const PROTOCOL_ORDER: Record<Protocol, number> = { tcp: 0, udp: 1 };

/** A number for (protocol, port) that sorts tcp before udp, then by port. */
function portKey(protocol: Protocol, port: number): number {
  return PROTOCOL_ORDER[protocol] * 65536 + port;
}

/** Hosts with up to this many ports are searched in place; more get an index. */
const LINEAR_PORTS = 8;

/**
 * One host's port results: a plain list (a sweep's host has one port, and a Map each would
 * cost a /16 tens of megabytes), indexed once it holds more than {@link LINEAR_PORTS}.
 */
class PortTable {
  #list: PortResult[] = [];
  #index?: Map<number, number>;
  /** Whether results were added in key order (then no sort is needed). */
  #ordered = true;
  #lastKey = -1;

  get size(): number {
    return this.#list.length;
  }

  /** True when a port is open or open|filtered (what `--open` shows). */
  anyOpen(): boolean {
    return mayBeOpen(this.#list);
  }

  get(key: number): PortResult | undefined {
    const i = this.#find(key);
    return i < 0 ? undefined : this.#list[i];
  }

  set(key: number, result: PortResult): void {
    const i = this.#find(key);
    if (i >= 0) {
      this.#list[i] = result;
      return;
    }
    const list = this.#list;
    list.push(result);
    if (key < this.#lastKey) this.#ordered = false;
    this.#lastKey = key;
    if (this.#index) this.#index.set(key, list.length - 1);
    else if (list.length > LINEAR_PORTS) {
      this.#index = new Map();
      for (let k = 0; k < list.length; k++) {
        this.#index.set(portKey(list[k].protocol, list[k].port), k);
      }
    }
  }

  /**
   * The results sorted by protocol (tcp first), then port. Keys and positions sort together
   * as numbers in a typed array, natively: a -p- host has 65535 ports, and a comparator
   * called a million times costs more than the rest of the report.
   */
  sorted(): PortResult[] {
    const list = this.#list;
    if (this.#ordered) return list.slice();
    const keys = new Float64Array(list.length);
    for (let i = 0; i < list.length; i++) {
      keys[i] = portKey(list[i].protocol, list[i].port) * POSITIONS + i;
    }
    keys.sort();
    const out: PortResult[] = new Array(list.length);
    for (let k = 0; k < keys.length; k++) out[k] = list[keys[k] % POSITIONS];
    return out;
  }

  #find(key: number): number {
    if (this.#index) return this.#index.get(key) ?? -1;
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      if (portKey(list[i].protocol, list[i].port) === key) return i;
    }
    return -1;
  }
}

/** Positions in a {@link PortTable} are below this (keys are unique, and fewer than 2^17). */
const POSITIONS = 1 << 18;

/**
 * Accumulates events one at a time, so a report can be built at any moment (for example when
 * the user interrupts the scan) without keeping the event list.
 *
 * @example
 * ```ts
 * const builder = new ReportBuilder({ args: ["-p", "22", "127.0.0.1"], version: "0.1.0", scanType: "connect" });
 * for await (const event of scan(options)) builder.add(event);
 * const report = builder.build();
 * ```
 */
export class ReportBuilder {
  #meta: ReportMeta;
  #serviceName: ServiceNamer;
  /** Service names by protocol and port (null: none): a sweep asks for one name per host. */
  #names: Partial<Record<Protocol, (string | null | undefined)[]>> = {};
  /** The host of the previous event: a -p- scan's events are all for one host. */
  #last?: MutableHost;
  #hosts = new Map<string, MutableHost>();
  #warnings: string[] = [];
  #start?: { time: number; scanType: string; ports: { tcp: number; udp: number }; hosts: number };
  #end?: { time: number; partial: boolean };

  /** Starts an empty report for the scan described by `meta`. */
  constructor(meta: ReportMeta, options: ReportOptions = {}) {
    this.#meta = meta;
    this.#serviceName = options.serviceName ?? registryServiceName;
  }

  /** Folds one event in. Progress events are ignored; a repeated port event replaces the earlier one. */
  add(event: ScanEvent): void {
    switch (event.type) {
      case "start":
        this.#start = {
          time: event.time,
          scanType: event.scanType,
          ports: { ...event.ports },
          hosts: event.hosts,
        };
        break;
      case "host": {
        const host = this.#host(event.address);
        host.status = event.status;
        host.reason = event.reason;
        if (event.hostname !== undefined) host.hostname = event.hostname;
        if (event.latencyMs !== undefined) host.latencyMs = event.latencyMs;
        if (event.mac !== undefined) host.mac = event.mac;
        break;
      }
      case "port": {
        const result: PortResult = {
          protocol: event.protocol,
          port: event.port,
          state: event.state,
          reason: event.reason,
        };
        if (event.reasonTtl !== undefined) result.reasonTtl = event.reasonTtl;
        if (event.rttMs !== undefined) result.rttMs = event.rttMs;
        const key = portKey(event.protocol, event.port);
        const names = this.#names[event.protocol] ??= new Array(65536);
        let service = names[event.port];
        if (service === undefined) {
          service = this.#serviceName(event.port, event.protocol) ?? null;
          names[event.port] = service;
        }
        if (service !== null) result.service = service;
        this.#host(event.address).ports.set(key, result);
        break;
      }
      case "service": {
        const ports = this.#host(event.address).ports;
        const key = portKey(event.protocol, event.port);
        const port = ports.get(key);
        if (port === undefined) break; // version detection only follows a port result
        const { type: _type, address: _address, protocol: _protocol, port: _port, ...info } = event;
        // Results are replaced, never changed: reports already built share them.
        ports.set(key, { ...port, service: event.name, serviceInfo: info });
        break;
      }
      case "os": {
        const host = this.#host(event.address);
        host.os = { ...host.os };
        if (event.passive) host.os.passive = event.passive;
        if (event.active) host.os.active = event.active;
        break;
      }
      case "script": {
        const host = this.#host(event.address);
        const { type: _type, address: _address, port: _port, protocol: _protocol, ...record } =
          event;
        if (event.port === undefined) {
          (host.hostScripts ??= []).push(record);
          break;
        }
        const key = portKey(event.protocol!, event.port);
        const port = host.ports.get(key);
        if (port) host.ports.set(key, { ...port, scripts: [...(port.scripts ?? []), record] });
        break;
      }
      case "traceroute": {
        const { type: _type, address: _address, ...trace } = event;
        this.#host(event.address).trace = trace;
        break;
      }
      case "host-done":
        // A host-done with timedOut=false must not clear an earlier timeout.
        if (event.timedOut) this.#host(event.address).timedOut = true;
        else this.#host(event.address);
        break;
      case "warning":
        if (!this.#warnings.includes(event.message)) this.#warnings.push(event.message);
        break;
      case "end":
        this.#end = { time: event.time, partial: event.partial };
        break;
      case "progress":
        break;
    }
  }

  /** The report as of now; the builder stays usable and later calls see later events. */
  build(options: BuildOptions = {}): ScanReport {
    const portScan = this.#start
      ? this.#start.ports.tcp + this.#start.ports.udp > 0
      : [...this.#hosts.values()].some((h) => h.ports.size > 0);
    const skip = options.openOnly === true && portScan;
    let up = 0;
    let down = 0;
    const hosts: HostReport[] = [];
    for (const h of this.#hosts.values()) {
      if (h.status === "up") up++;
      else down++;
      if (skip && !h.ports.anyOpen()) continue;
      const host: HostReport = {
        address: h.address,
        status: h.status,
        reason: h.reason,
        ports: h.ports.sorted(),
        timedOut: h.timedOut,
      };
      if (h.hostname !== undefined) host.hostname = h.hostname;
      if (h.latencyMs !== undefined) host.latencyMs = h.latencyMs;
      if (h.mac !== undefined) host.mac = h.mac;
      // Replaced whole by each os event, never changed: a shallow copy is enough.
      if (h.os !== undefined) host.os = { ...h.os };
      if (h.hostScripts !== undefined) host.hostScripts = structuredClone(h.hostScripts);
      if (h.trace !== undefined) host.trace = structuredClone(h.trace);
      hosts.push(host);
    }
    const startedAt = this.#meta.startedAt ?? this.#start?.time ?? options.now ?? 0;
    const endedAt = this.#end?.time ?? options.now ?? startedAt;
    return {
      version: this.#meta.version,
      args: [...this.#meta.args],
      scanType: this.#start?.scanType ?? this.#meta.scanType,
      startedAt,
      endedAt,
      elapsedMs: Math.max(0, endedAt - startedAt),
      partial: this.#end === undefined || this.#end.partial,
      hosts,
      hostsUp: up,
      hostsDown: down,
      hostsTotal: this.#start?.hosts ?? up + down,
      portsPerHost: this.#start ? { ...this.#start.ports } : maxPortsSeen(hosts),
      warnings: [...this.#warnings],
    };
  }

  #host(address: string): MutableHost {
    if (this.#last?.address === address) return this.#last;
    let host = this.#hosts.get(address);
    if (host === undefined) {
      // A port result without a host event still proves the host answered.
      host = { address, status: "up", reason: "unknown", ports: new PortTable(), timedOut: false };
      this.#hosts.set(address, host);
    }
    this.#last = host;
    return host;
  }
}

function maxPortsSeen(hosts: HostReport[]): { tcp: number; udp: number } {
  const counts = { tcp: 0, udp: 0 };
  for (const host of hosts) {
    const tcp = host.ports.filter((p) => p.protocol === "tcp").length;
    counts.tcp = Math.max(counts.tcp, tcp);
    counts.udp = Math.max(counts.udp, host.ports.length - tcp);
  }
  return counts;
}

/**
 * Folds a complete event list into a report.
 *
 * @example
 * ```ts
 * const report = foldEvents(events, { args: [], version: "0.1.0", scanType: "connect" });
 * ```
 */
export function foldEvents(
  events: Iterable<ScanEvent>,
  meta: ReportMeta,
  options: ReportOptions & BuildOptions = {},
): ScanReport {
  const builder = new ReportBuilder(meta, { serviceName: options.serviceName });
  for (const event of events) builder.add(event);
  return builder.build({ now: options.now });
}
