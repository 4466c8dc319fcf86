/**
 * raw: `-sS -p- -T4 -n -Pn` of one lab host (a few open, dropped, reset and ICMP-rejected
 * ports; all other ports closed by the kernel), Portolan against nmap. Every one of the
 * 65535 port states must agree; target time ratio Portolan/nmap <= 0.5.
 *
 * @module
 */
import type { BenchResult } from "./common.ts";
import { stateBench } from "./lab_compare.ts";

/** The lab host: edges of the port range included (1 open, 65535 dropped). */
export const RAW_HOST = {
  name: "raw",
  tcpOpen: [1, 22, 80, 443, 8080, 31337],
  tcpDropped: [23, 3389, 40000, 65535],
  tcpRejectedRst: [25, 8443],
  tcpRejectedIcmp: [110, 50000],
};

/** Run the raw SYN benchmark. */
export function rawBench(): Promise<BenchResult> {
  const ports = Array.from({ length: 65535 }, (_, i) => i + 1);
  return stateBench({
    name: "raw",
    title: "-sS -p- -T4 -n -Pn of one lab host, portolan vs nmap",
    host: RAW_HOST,
    protocol: "tcp",
    ports,
    args: ["-sS", "-p-", "-T4", "-n", "-Pn"],
    target: 0.5,
  });
}
