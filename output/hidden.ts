/**
 * Which ports a report lists one by one and which it summarises ("Not shown: 997 closed tcp
 * ports"), by nmap's rule: a non-open state with more than 25 x (verbosity + 1) ports on one
 * protocol is summarised; with `--open`, everything that cannot be open is. Every writer uses
 * this one rule, so text, XML, grepable and HTML always agree.
 *
 * @module
 */
import type { PortState, Protocol } from "../engine/events.ts";
import type { HostReport, PortResult, ScanReport } from "./report.ts";

/** nmap hides a non-open state once more than this many ports share it (times verbosity + 1). */
export const HIDE_THRESHOLD = 25;

/** States `--open` keeps: the ones that may be open. */
export const OPEN_STATES: ReadonlySet<PortState> = new Set(["open", "open|filtered"]);

/** Ports sharing one state and protocol, summarised instead of listed. */
export interface IgnoredGroup {
  state: PortState;
  protocol: Protocol;
  /** Sorted port numbers in the group. */
  ports: number[];
  /** Reason name to the sorted ports with it, in first-seen order of the reasons. */
  reasons: Map<string, number[]>;
}

/**
 * Splits ports into those listed one by one and the groups summarised as ignored. Groups come
 * largest first; equal groups keep first-seen order.
 *
 * @example
 * ```ts
 * const { shown, ignored } = partitionIgnored(host.ports, { verbosity: 0 });
 * ```
 */
export function partitionIgnored(
  ports: PortResult[],
  options: { verbosity?: number; openOnly?: boolean } = {},
): { shown: PortResult[]; ignored: IgnoredGroup[] } {
  const limit = HIDE_THRESHOLD * (Math.max(0, options.verbosity ?? 0) + 1);
  // Most hosts of a sweep have a port or two: nothing to hide, nothing to count.
  if (options.openOnly ? ports.every((p) => OPEN_STATES.has(p.state)) : ports.length <= limit) {
    return { shown: ports.slice(), ignored: [] };
  }
  // A -p- report has 65535 ports: one cheap pass to count, one to split, and sorts only
  // where the input was not already in order (reports keep ports sorted). Groups are numbered
  // (state x protocol) instead of keyed by text.
  const counts = new Int32Array(GROUPS);
  for (let i = 0; i < ports.length; i++) counts[groupOf(ports[i])]++;
  const shown: PortResult[] = [];
  const groups: (IgnoredGroup | undefined)[] = new Array(GROUPS);
  const order: number[] = []; // groups in first-seen order
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i];
    const g = groupOf(p);
    const hidden = options.openOnly
      ? !OPEN_STATES.has(p.state)
      : p.state !== "open" && counts[g] > limit;
    if (!hidden) {
      shown.push(p);
      continue;
    }
    let group = groups[g];
    if (group === undefined) {
      group = { state: p.state, protocol: p.protocol, ports: [], reasons: new Map() };
      groups[g] = group;
      order.push(g);
    }
    group.ports.push(p.port);
    const same = group.reasons.get(p.reason);
    if (same === undefined) group.reasons.set(p.reason, [p.port]);
    else same.push(p.port);
  }
  const ignored: IgnoredGroup[] = [];
  for (const g of order) {
    const group = groups[g]!;
    sortIfNeeded(group.ports);
    for (const list of group.reasons.values()) sortIfNeeded(list);
    ignored.push(group);
  }
  // Largest first; equal groups keep first-seen order (the sort is stable).
  ignored.sort((a, b) => b.ports.length - a.ports.length);
  return { shown, ignored };
}

const STATE_INDEX: Readonly<Record<PortState, number>> = {
  "open": 0,
  "closed": 1,
  "filtered": 2,
  "unfiltered": 3,
  "open|filtered": 4,
  "closed|filtered": 5,
};
const GROUPS = 12;

/** A port's group: its state and protocol as one small number. */
function groupOf(p: PortResult): number {
  return STATE_INDEX[p.state] * 2 + (p.protocol === "tcp" ? 0 : 1);
}

function sortIfNeeded(list: number[]): void {
  for (let i = 1; i < list.length; i++) {
    if (list[i - 1] > list[i]) {
      list.sort((a, b) => a - b);
      return;
    }
  }
}

/**
 * Whether `--open` shows `host`: nmap leaves a host out of every output (normal, XML,
 * grepable) when none of its ports may be open, though it still counts it as up. A scan
 * without ports (`-sn`) shows every host.
 */
export function shownWithOpen(host: HostReport, report: ScanReport): boolean {
  if (report.portsPerHost.tcp + report.portsPerHost.udp === 0) return true;
  return mayBeOpen(host.ports);
}

/** Whether any of `ports` is open or open|filtered: what `--open` keeps. */
export function mayBeOpen(ports: readonly PortResult[]): boolean {
  return ports.some((p) => OPEN_STATES.has(p.state));
}
