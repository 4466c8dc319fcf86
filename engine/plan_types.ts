/**
 * The shapes a scan plan is made of. The plan is immutable once built and, apart from
 * the lazy `TargetSet`, plain data; `engine/plan.ts` builds it from `Options`.
 */
import type { ResolveMode, ScanType } from "../cli/options.ts";

/** One address to scan. */
export interface Target {
  /** Canonical textual address (IPv4 dotted quad, or compressed IPv6). */
  address: string;
  family: 4 | 6;
  /** The name the user typed, when the target came from a hostname. */
  hostname?: string;
}

/**
 * A lazy, indexable set of targets: never a materialised list of millions of addresses.
 * `at(i)` for `0 <= i < size` returns the i-th target, exclusions already applied.
 */
export interface TargetSet {
  readonly size: number;
  at(index: number): Target;
  /**
   * The target at `index` as a 32-bit number when it is an IPv4 address without a name, so a
   * sweep can route and index its targets before making their text; else undefined.
   */
  ipv4At?(index: number): number | undefined;
}

/** Port numbers per protocol, sorted ascending, without duplicates. */
export interface PortSet {
  tcp: number[];
  udp: number[];
}

/** Timing decided from `-T` and the explicit timing options. Durations in milliseconds. */
export interface TimingPlan {
  /** The `-T` level, 0..5. */
  level: number;
  minRate?: number;
  maxRate?: number;
  maxRetries: number;
  hostTimeoutMs?: number;
  initialRttMs: number;
  minRttMs: number;
  maxRttMs: number;
  /** Fixed delay between probes to one host (T0..T2). */
  scanDelayMs: number;
  /** Upper bound on probes in flight at once (also bounded by file descriptors). */
  maxParallelism: number;
  /** How many hosts are scanned at once. */
  hostParallelism: number;
}

/**
 * Probes an interrupted scan already settled (`--resume`, engine/resume.ts): the engines send
 * nothing for them.
 */
export interface ProbeSkip {
  /** True when the target needs no probe at all (its scan ended, it timed out, or it is down). */
  host(address: string): boolean;
  /** True when this port of the target already has a result. */
  port(address: string, protocol: "tcp" | "udp", port: number): boolean;
}

/**
 * The host-discovery probes of a run (nmap's `-P*` options). Raw engines send them all; the
 * connect engine, without raw packets, connects to the `tcpSyn` and `tcpAck` ports.
 */
export interface DiscoveryPlan {
  /** `-PS`: TCP SYN to these ports. */
  tcpSyn: number[];
  /** `-PA`: TCP ACK to these ports. */
  tcpAck: number[];
  /** `-PU`: UDP to these ports. */
  udp: number[];
  /** `-PE`: ICMP echo (ICMPv6 echo for IPv6 targets). */
  icmpEcho: boolean;
  /** `-PP`: ICMP timestamp (IPv4 only). */
  icmpTimestamp: boolean;
  /** `-PM`: ICMP address mask (IPv4 only). */
  icmpMask: boolean;
  /** ARP (IPv4) and neighbour discovery (IPv6) for on-link targets on Ethernet (off with `--disable-arp-ping`). */
  arp: boolean;
}

/** Everything the engine needs to run a scan. */
export interface ScanPlan {
  targets: TargetSet;
  ports: PortSet;
  /** The technique that will run (after any privilege fallback); the TCP one when several. */
  scanType: ScanType;
  /**
   * Every technique of the run when there is more than one (`-sS -sU`: one TCP technique
   * plus UDP, in one raw scan); absent for a single technique, which is `scanType`.
   */
  scanTypes?: ScanType[];
  /** Why a requested technique was replaced (shown to the user once), if it was. */
  fallbackReason?: string;
  /** `-Pn`: skip host discovery. */
  skipDiscovery: boolean;
  /** `-sn`: host discovery only; `ports` is empty. */
  pingScan?: boolean;
  /** The discovery probes; absent means the engine's defaults (nmap's, per privilege level). */
  discovery?: DiscoveryPlan;
  timing: TimingPlan;
  /** Seed of the probe permutation. */
  seed: number;
  /**
   * `--shard index/count` (index from 1): probe only this slice of the seeded walk over
   * (target index x port index), ports numbered TCP first, then UDP.
   */
  shard?: { index: number; count: number };
  /** `-r`: keep ports in ascending order. */
  sequentialPorts: boolean;
  resolve: ResolveMode;
  /** `-sV`: version detection after the port scan, at this intensity (0-9). */
  serviceDetection?: { intensity: number };
  /** `-O`: active OS detection after version detection. */
  osDetection?: { guess: boolean; limit: boolean; maxTries: number };
  /** `--traceroute`: trace each host after OS detection. */
  traceroute?: { resolveNames: boolean };
  /** `--script`/`-sC`: scripts to run after OS detection. */
  scripts?: {
    /** The selection as typed ("default or safe", "http-*", "./mine.ts"). */
    expression: string;
    /** `--script-args`, as typed. */
    args: string;
    /** `--script-timeout`, per script run. */
    timeoutMs: number;
  };
  /** Hosts and ports to leave alone because a resumed scan already has them. */
  skip?: ProbeSkip;
}
