/**
 * udp: `-sU` of Portolan's own top 100 UDP ports on one lab host, Portolan against nmap.
 * nmap's `--top-ports` ranking is its own, so both tools get the same explicit
 * `-p U:<list>` (Portolan's top 100) and scan exactly the same ports. A few ports answer
 * (echo responders), a few are dropped (open|filtered) or rejected with ICMP
 * admin-prohibited (filtered); the rest get the kernel's port unreachable (closed).
 *
 * @module
 */
import { topPorts } from "../registry/services.ts";
import type { BenchResult } from "./common.ts";
import { stateBench } from "./lab_compare.ts";

/** Portolan's top `n` UDP ports, ascending. */
export function udpTopPorts(n = 100): number[] {
  return topPorts(n, "udp").sort((a, b) => a - b);
}

/** Run the UDP benchmark. */
export function udpBench(): Promise<BenchResult> {
  const ports = udpTopPorts();
  // Behaviours on ports of the list, chosen from both ends of the ranking.
  const pick = (wanted: number[]) => wanted.filter((p) => ports.includes(p));
  const host = {
    name: "udp",
    udpOpen: pick([53, 123, 161, 5353, 51820]),
    udpDropped: pick([69, 500, 1900, 11211]),
    udpRejectedIcmp: pick([137, 514, 4500]),
  };
  return stateBench({
    name: "udp",
    title:
      `-sU -p U:<portolan top ${ports.length} udp> -T4 -n -Pn of one lab host, portolan vs nmap`,
    host,
    protocol: "udp",
    ports,
    args: ["-sU", "-p", `U:${ports.join(",")}`, "-T4", "-n", "-Pn"],
  });
}
