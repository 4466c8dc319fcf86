/**
 * Hand-written event streams behind the golden files in this folder, shared by the output
 * writers' tests. Service names come from a fixed stub so registry changes do not move goldens.
 *
 * @module
 */
import type { PortEvent, Protocol, ScanEvent } from "../../engine/events.ts";
import type { ReportMeta, ServiceNamer } from "../../output/report.ts";

/** A small, fixed stand-in for the service registry. */
export const STUB_SERVICES: ServiceNamer = (port: number, protocol: Protocol) =>
  ({
    "tcp/21": "ftp",
    "tcp/22": "ssh",
    "tcp/25": "smtp",
    "tcp/80": "http",
    "tcp/443": "https",
    "udp/53": "domain",
    "udp/123": "ntp",
  } as Record<string, string>)[`${protocol}/${port}`];

/** 2026-11-26 03:00:00 UTC. */
export const T0 = Date.UTC(2026, 10, 26, 3, 0, 0);

/** Metadata for a connect scan. */
export function meta(args: string[], scanType = "connect"): ReportMeta {
  return { args, version: "0.1.0", scanType };
}

/** Port events for every port in `[from, to]`, with `special` overriding the default. */
export function portRange(
  address: string,
  range: { protocol: Protocol; from: number; to: number },
  fill: Omit<PortEvent, "type" | "address" | "protocol" | "port">,
  special: Record<number, Omit<PortEvent, "type" | "address" | "protocol" | "port">> = {},
): PortEvent[] {
  const out: PortEvent[] = [];
  for (let port = range.from; port <= range.to; port++) {
    out.push({ type: "port", address, protocol: range.protocol, port, ...(special[port] ?? fill) });
  }
  return out;
}

/** `portolan -sT -p 20-30 127.0.0.1`: 22 open, the rest refused. */
export function basicEvents(): ScanEvent[] {
  // Deliberately out of port order: the report must sort.
  const ports = portRange("127.0.0.1", { protocol: "tcp", from: 20, to: 30 }, {
    state: "closed",
    reason: "conn-refused",
  }, { 22: { state: "open", reason: "syn-ack", rttMs: 0.09 } }).reverse();
  return [
    { type: "start", time: T0, scanType: "connect", ports: { tcp: 11, udp: 0 }, hosts: 1 },
    {
      type: "host",
      address: "127.0.0.1",
      hostname: "localhost",
      status: "up",
      reason: "localhost-response",
      latencyMs: 0.12,
    },
    { type: "progress", sent: 5, done: 5, total: 11, rate: 1000 },
    ...ports,
    { type: "host-done", address: "127.0.0.1", timedOut: false },
    { type: "end", time: T0 + 60, partial: false },
  ];
}

/** A SYN scan of ports 1-1000: two open, one filtered, the rest reset (ttl known). */
export function synEvents(): ScanEvent[] {
  const ports = portRange("127.0.0.1", { protocol: "tcp", from: 1, to: 1000 }, {
    state: "closed",
    reason: "reset",
    reasonTtl: 64,
  }, {
    22: { state: "open", reason: "syn-ack", reasonTtl: 64, rttMs: 0.05 },
    80: { state: "open", reason: "syn-ack", reasonTtl: 64, rttMs: 0.06 },
    443: { state: "filtered", reason: "no-response" },
  });
  return [
    { type: "start", time: T0, scanType: "syn", ports: { tcp: 1000, udp: 0 }, hosts: 1 },
    {
      type: "host",
      address: "127.0.0.1",
      hostname: "localhost",
      status: "up",
      reason: "user-set",
      latencyMs: 0.0996,
    },
    ...ports,
    { type: "host-done", address: "127.0.0.1", timedOut: false },
    { type: "end", time: T0 + 1234, partial: false },
  ];
}

/** Three targets: one up with an open port, one up with nothing open, one down. */
export function multiHostEvents(): ScanEvent[] {
  const special = { 22: { state: "open" as const, reason: "syn-ack" } };
  return [
    { type: "start", time: T0, scanType: "connect", ports: { tcp: 4, udp: 0 }, hosts: 3 },
    { type: "host", address: "127.0.0.3", status: "down", reason: "no-response" },
    {
      type: "host",
      address: "127.0.0.1",
      hostname: "localhost",
      status: "up",
      reason: "conn-refused",
      latencyMs: 0.16,
    },
    { type: "host", address: "127.0.0.2", status: "up", reason: "conn-refused", latencyMs: 2.2 },
    ...portRange("127.0.0.1", { protocol: "tcp", from: 20, to: 22 }, {
      state: "closed",
      reason: "conn-refused",
    }, special),
    ...portRange("127.0.0.2", { protocol: "tcp", from: 20, to: 22 }, {
      state: "closed",
      reason: "conn-refused",
    }),
    {
      type: "port",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 40022,
      state: "closed",
      reason: "conn-refused",
    },
    {
      type: "port",
      address: "127.0.0.2",
      protocol: "tcp",
      port: 40022,
      state: "open",
      reason: "syn-ack",
    },
    { type: "host-done", address: "127.0.0.1", timedOut: false },
    { type: "host-done", address: "127.0.0.2", timedOut: false },
    { type: "end", time: T0 + 2410, partial: false },
  ];
}

/** 1000 TCP ports, all refused. */
export function allClosedEvents(): ScanEvent[] {
  return [
    { type: "start", time: T0, scanType: "connect", ports: { tcp: 1000, udp: 0 }, hosts: 1 },
    {
      type: "host",
      address: "127.0.0.1",
      hostname: "localhost",
      status: "up",
      reason: "localhost-response",
      latencyMs: 0.13,
    },
    ...portRange("127.0.0.1", { protocol: "tcp", from: 1, to: 1000 }, {
      state: "closed",
      reason: "conn-refused",
    }),
    { type: "host-done", address: "127.0.0.1", timedOut: false },
    { type: "end", time: T0 + 60, partial: false },
  ];
}

/**
 * TCP and UDP on ::1, interrupted: 100 UDP ports open|filtered (hidden), mixed filtered reasons,
 * a warning raised twice, and a host cut short by --host-timeout.
 */
export function mixedPartialEvents(): ScanEvent[] {
  return [
    { type: "start", time: T0, scanType: "syn", ports: { tcp: 40, udp: 100 }, hosts: 2 },
    { type: "warning", message: "--max-rate 10 is low; the scan will take a while" },
    { type: "host", address: "::1", hostname: "localhost", status: "up", reason: "echo-reply" },
    ...portRange("::1", { protocol: "tcp", from: 1, to: 40 }, {
      state: "filtered",
      reason: "no-response",
    }, {
      5: { state: "filtered", reason: "admin-prohibited", reasonTtl: 64 },
      6: { state: "filtered", reason: "admin-prohibited", reasonTtl: 64 },
      25: { state: "open", reason: "syn-ack", reasonTtl: 64 },
    }),
    ...portRange("::1", { protocol: "udp", from: 50, to: 149 }, {
      state: "open|filtered",
      reason: "no-response",
    }, {
      53: { state: "open", reason: "udp-response", reasonTtl: 64 },
      123: { state: "closed", reason: "port-unreach", reasonTtl: 64 },
    }),
    { type: "warning", message: "--max-rate 10 is low; the scan will take a while" },
    { type: "host-done", address: "::1", timedOut: true },
    { type: "warning", message: "interrupted by user" },
    { type: "end", time: T0 + 95_500, partial: true },
  ];
}
