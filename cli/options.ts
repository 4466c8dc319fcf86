/**
 * The validated result of parsing the command line. `cli/args.ts` builds it;
 * `engine/plan.ts` turns it into a `ScanPlan`. Plain data only (JSON-serialisable).
 */

/** Scan techniques, named after nmap's `-s?` letters. */
export type ScanType =
  | "connect" // -sT
  | "syn" // -sS
  | "ack" // -sA
  | "fin" // -sF
  | "null" // -sN
  | "xmas" // -sX
  | "window" // -sW
  | "udp"; // -sU

/** How names are resolved: `-n` never, `-R` always (reverse for every target), else default. */
export type ResolveMode = "default" | "never" | "always";

/** The `-P*` discovery probes as typed; a present port list replaces nmap's default for it. */
export interface DiscoveryProbeOptions {
  /** `-PS[portlist]`: TCP SYN ping (default port 80). */
  tcpSyn?: string;
  /** `-PA[portlist]`: TCP ACK ping (default port 80). */
  tcpAck?: string;
  /** `-PU[portlist]`: UDP ping (default port 40125). */
  udp?: string;
  /** `-PE`: ICMP echo (ICMPv6 echo for IPv6 targets). */
  icmpEcho?: boolean;
  /** `-PP`: ICMP timestamp (IPv4 only). */
  icmpTimestamp?: boolean;
  /** `-PM`: ICMP address mask (IPv4 only). */
  icmpMask?: boolean;
}

/** Every option Portolan understands. Durations are in milliseconds. */
export interface Options {
  /** Target specifications exactly as typed (addresses, CIDR, ranges, names). */
  targets: string[];
  /** `-iL FILE` (`-` for stdin). */
  inputFile?: string;
  /** `--exclude a,b,c` specifications. */
  exclude: string[];
  /** `--excludefile FILE`. */
  excludeFile?: string;
  /** `-sL`: list the targets and stop. */
  listScan: boolean;
  /** `-6`: IPv6 targets. */
  ipv6: boolean;
  /** `-n` / `-R`. */
  resolve: ResolveMode;
  /** `-p SPEC` as typed, if given. */
  ports?: string;
  /** `--top-ports N`. */
  topPorts?: number;
  /** `-F`: top 100 ports. */
  fast: boolean;
  /** `--exclude-ports SPEC`. */
  excludePorts?: string;
  /** `-r`: scan ports in order rather than in a random permutation. */
  sequentialPorts: boolean;
  /** Scan types asked for explicitly; empty means the default for the privilege level. */
  scanTypes: ScanType[];
  /** `-sV`: probe open ports for the service and its version. */
  serviceDetection: boolean;
  /** `--version-intensity 0-9` (`--version-light` 2, `--version-all` 9); 7 when not given. */
  versionIntensity?: number;
  /** `--script EXPR` / `-sC` ("default"): the scripts to run. */
  scripts?: string;
  /** `--script-args` (and `--script-args-file`, joined with commas). */
  scriptArgs?: string;
  /** `--script-args-file FILE`. */
  scriptArgsFile?: string;
  /** `--script-timeout`. */
  scriptTimeout?: number;
  /** `--script-help EXPR`: describe the selected scripts and stop. */
  scriptHelp?: string;
  /** `-O`: active OS detection. */
  osDetection: boolean;
  /** `--osscan-guess`: guess more aggressively. */
  osscanGuess: boolean;
  /** `--osscan-limit`: only hosts with an open and a closed TCP port. */
  osscanLimit: boolean;
  /** `--max-os-tries N`. */
  maxOsTries?: number;
  /** `--audit`: risk and a recommendation for every open port, summarised per host. */
  audit?: boolean;
  /** `--traceroute`: trace the route to each host after the scan. */
  traceroute: boolean;
  /** `-A`: -O -sV -sC --traceroute. */
  aggressive: boolean;
  /** `--os-passive FILE.pcap`: passive OS hints for the hosts seen in a capture; no scan. */
  osPassiveFile?: string;
  /** `-Pn`: treat every host as up. */
  skipDiscovery: boolean;
  /** `-sn` (`-sP`): host discovery only, no port scan. */
  pingScan?: boolean;
  /**
   * `-PS`, `-PA`, `-PU`, `-PE`, `-PP`, `-PM`: the discovery probes asked for; absent means the
   * defaults for the privilege level. Port lists are kept as typed (checked by the plan).
   */
  discoveryProbes?: DiscoveryProbeOptions;
  /** `--disable-arp-ping`: no ARP (or neighbour discovery) for on-link targets. */
  disableArpPing?: boolean;
  /** `-T0`..`-T5`; 3 (normal) when not given. */
  timing: number;
  /** `--min-rate` packets (connects) per second. */
  minRate?: number;
  /** `--max-rate` packets (connects) per second. */
  maxRate?: number;
  /** `--max-retries N`. */
  maxRetries?: number;
  /** `--host-timeout`. */
  hostTimeout?: number;
  /** `--min-rtt-timeout`. */
  minRttTimeout?: number;
  /** `--max-rtt-timeout`. */
  maxRttTimeout?: number;
  /** `--initial-rtt-timeout`. */
  initialRttTimeout?: number;
  /** `--seed N`: fixes the probe permutation. */
  seed?: number;
  /** `--shard I/N`: scan only slice I (1-based) of N of the seeded target x port walk. */
  shard?: { index: number; count: number };
  /** `--open`: show only open (and possibly open) ports. */
  openOnly: boolean;
  /** `-v` count. */
  verbosity: number;
  /** `-d` count. */
  debug: number;
  /** `--stats-every TIME`: print a status line this often (milliseconds). */
  statsEvery?: number;
  /** `--reason`. */
  reason: boolean;
  /** `-oN FILE`. */
  normalOutput?: string;
  /** `-oJ FILE`. */
  jsonOutput?: string;
  /** `-oX FILE`: nmap-compatible XML. */
  xmlOutput?: string;
  /** `-oH FILE`: a self-contained HTML report. */
  htmlOutput?: string;
  /** `-oG FILE`: grepable. */
  grepableOutput?: string;
  /** `--json-lines FILE`: one JSON object per event as it happens (`-` for stdout). */
  eventsOutput?: string;
  /**
   * `--resume FILE`: continue an interrupted scan; every other option comes from the file, so
   * nothing else may be given with it.
   */
  resumeFile?: string;
  /** `--append-output`: append to output files instead of replacing them. */
  appendOutput: boolean;
  /** `-h` / `--help`. */
  help: boolean;
  /** `-V` / `--version`. */
  version: boolean;
}

/** The options a bare `portolan` starts from. */
export function defaultOptions(): Options {
  return {
    targets: [],
    exclude: [],
    listScan: false,
    ipv6: false,
    resolve: "default",
    fast: false,
    sequentialPorts: false,
    scanTypes: [],
    serviceDetection: false,
    osDetection: false,
    osscanGuess: false,
    osscanLimit: false,
    aggressive: false,
    traceroute: false,
    skipDiscovery: false,
    timing: 3,
    openOnly: false,
    verbosity: 0,
    debug: 0,
    reason: false,
    appendOutput: false,
    help: false,
    version: false,
  };
}
