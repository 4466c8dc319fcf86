/**
 * Which ports a report lists one by one and which it summarises ("Not shown: 997 closed tcp
 * ports"), by nmap's rule: a non-open state with more than 25 x (verbosity + 1) ports on one
 * protocol is summarised; with `--open`, everything that cannot be open is. Every writer uses
 * this one rule, so text, XML, grepable and HTML always agree.
 *
 * @module
 */
import type { PortState, Protocol } from "../engine/events.ts";
import type { PortResult } from "./report.ts";

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
  const key = (p: PortResult): string => `${p.state} ${p.protocol}`;
  const counts = new Map<string, number>();
  for (const p of ports) counts.set(key(p), (counts.get(key(p)) ?? 0) + 1);
  const limit = HIDE_THRESHOLD * (Math.max(0, options.verbosity ?? 0) + 1);
  const isHidden = (p: PortResult): boolean =>
    options.openOnly
      ? !OPEN_STATES.has(p.state)
      : p.state !== "open" && (counts.get(key(p)) ?? 0) > limit;
  const shown: PortResult[] = [];
  const groups = new Map<string, IgnoredGroup>();
  for (const p of ports) {
    if (!isHidden(p)) {
      shown.push(p);
      continue;
    }
    let group = groups.get(key(p));
    if (group === undefined) {
      group = { state: p.state, protocol: p.protocol, ports: [], reasons: new Map() };
      groups.set(key(p), group);
    }
    group.ports.push(p.port);
    const same = group.reasons.get(p.reason);
    if (same === undefined) group.reasons.set(p.reason, [p.port]);
    else same.push(p.port);
  }
  for (const group of groups.values()) {
    group.ports.sort((a, b) => a - b);
    for (const list of group.reasons.values()) list.sort((a, b) => a - b);
  }
  const ignored = [...groups.values()].sort((a, b) => b.ports.length - a.ports.length);
  return { shown, ignored };
}
