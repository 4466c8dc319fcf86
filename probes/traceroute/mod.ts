/**
 * Traceroute (`--traceroute`): TTL-limited probes in parallel, hops matched by the probe
 * each ICMP time-exceeded quotes, and nmap-style text and XML renderings of the result.
 *
 * @module
 */
export * from "./traceroute.ts";
export * from "./format.ts";
