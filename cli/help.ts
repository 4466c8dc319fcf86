/**
 * The `--help` and `--version` texts. The help lists only options that `parseArgs`
 * accepts today; `help_test.ts` holds it to that.
 *
 * @module
 */
import meta from "../deno.json" with { type: "json" };

/** Portolan's version, read from `deno.json` so a compiled binary carries it. */
export const VERSION: string = meta.version;

const HELP = `Portolan ${VERSION} - a port scanner with nmap's command-line grammar
Usage: portolan [Scan Type(s)] [Options] {target specification}
TARGET SPECIFICATION:
  Can pass hostnames, IP addresses, networks, etc.
  Ex: example.com, 127.0.0.1, 127.0.0.0/24, 127.0.0.1-20, 198.18.0.0/15, -6 ::1
  With no target at all, Portolan scans 127.0.0.1.
  -iL <inputfilename>: Input from list of hosts/networks ("-" reads standard input)
  --exclude <host1[,host2][,host3],...>: Exclude hosts/networks
  --excludefile <exclude_file>: Exclude list from file
  -6: Enable IPv6 scanning
  -n/-R: Never do DNS resolution/Always resolve [default: sometimes]
HOST DISCOVERY:
  -sL: List Scan - simply list targets to scan
  -sn: Ping Scan - disable port scan
  -Pn: Treat all hosts as online -- skip host discovery
  -PS/-PA/-PU[portlist]: TCP SYN/ACK or UDP discovery to given ports (defaults: 80, 80, 40125)
  -PE/-PP/-PM: ICMP echo, timestamp, and netmask request discovery probes
    (ICMPv6 echo for IPv6; raw probes need privileges, else a TCP connect to the -PS/-PA
    ports, or 80 and 443)
  --disable-arp-ping: No ARP or IPv6 neighbour discovery of hosts on the local network
    With no discovery option, privileged discovery sends ICMP echo, SYN to 443, ACK to 80 and
    ICMP timestamp, and asks hosts on the local Ethernet by ARP.
SCAN TECHNIQUES:
  -sS/-sT/-sA/-sW: TCP SYN/Connect()/ACK/Window scans
  -sN/-sF/-sX: TCP Null, FIN, and Xmas scans
  -sU: UDP Scan
  Without raw-socket privileges Portolan falls back to a connect scan (-sT).
PORT SPECIFICATION AND SCAN ORDER:
  -p <port ranges>: Only scan specified ports
    Ex: -p22; -p1-65535; -p-; -p U:53,111,137,T:21-25,80,139,8080
  --exclude-ports <port ranges>: Exclude the specified ports from scanning
  -F: Fast mode - Scan fewer ports than the default scan
  -r: Scan ports sequentially - don't randomize
  --top-ports <number>: Scan <number> most common ports
SERVICE/VERSION DETECTION:
  -sV: Probe open ports to determine service/version info
  --version-intensity <level>: Set from 0 (light) to 9 (try all probes)
  --version-light: Limit to most likely probes (intensity 2)
  --version-all: Try every single probe (intensity 9)
SCRIPT SCAN:
  -sC: equivalent to --script=default
  --script=<scripts>: a comma-separated list of script names, categories, globs,
           boolean expressions ("default or safe"), or your own .ts files and folders
  --script-args=<n1=v1,[n2=v2,...]>: provide arguments to scripts
  --script-args-file=filename: provide script args in a file
  --script-help=<scripts>: Show help about scripts.
  --script-timeout <time>: Give up on a script after this long (default 30s)
OS DETECTION:
  -O: Enable OS detection (needs raw sockets)
  --osscan-limit: Limit OS detection to promising targets
  --osscan-guess: Guess OS more aggressively
  --max-os-tries <tries>: Rounds of OS probes against a target (default 2)
  Privileged SYN scans print a passive OS hint from the replies they already received.
  --os-passive <file.pcap>: Passive OS hints for every host seen in a capture; no scan
TIMING AND PERFORMANCE:
  Options which take <time> are in seconds, or append 'ms' (milliseconds),
  's' (seconds), 'm' (minutes), or 'h' (hours) to the value (e.g. 30m, 0.5s).
  -T<0-5>: Set timing template (higher is faster); also -T paranoid|sneaky|polite|
    normal|aggressive|insane
  --min-rtt-timeout/--max-rtt-timeout/--initial-rtt-timeout <time>: Specifies
      probe round trip time.
  --max-retries <tries>: Caps number of port scan probe retransmissions.
  --host-timeout <time>: Give up on target after this long
  --min-rate <number>: Send packets no slower than <number> per second
  --max-rate <number>: Send packets no faster than <number> per second
  --seed <number>: Fix the pseudo-random probe order so a scan can be repeated
  --shard <i>/<n>: Scan only slice i of n of the target x port walk (raw scans; give
    every shard the same --seed)
OUTPUT:
  -oN <file>: Output scan in normal format ("-" writes to standard output)
  -oX/-oG/-oJ <file>: Output scan in XML (nmap-compatible), grepable, or JSON format
  -oH <file>: Output a self-contained HTML report
  -oA <basename>: Output in the major formats at once (.nmap, .xml, .gnmap, .json)
  --json-lines <file>: Stream one JSON object per event as it happens ("-" for stdout)
  --append-output: Append to rather than clobber specified output files
  --resume <file>: Continue an interrupted scan (Ctrl-C or SIGTERM writes the outputs,
    marked partial, and <first output>.resume.json or ./portolan.resume.json; exit 130)
  -v: Increase verbosity level (use -vv, -vvv or -v<level> for more)
  -d: Increase debugging level (use -dd or -d<level> for more)
  --reason: Display the reason a port is in a particular state
  --open: Only show open (or possibly open) ports
  --stats-every <time>: Print a status line this often (also: press Enter during a scan;
    v/V raise/lower verbosity, d/D debugging)
MISC:
  -A: Enable OS detection, version detection, script scanning, and traceroute
  --traceroute: Trace hop path to each host (needs raw sockets)
  --audit: Rate every open port's risk and say how to secure it (best with -sV --script vuln)
  -V/--version: Print version number
  -h/--help: Print this help summary page.
EXAMPLES:
  portolan -v 127.0.0.1
  portolan -sT -p22,80,443 --open 127.0.0.1 127.0.0.2
  portolan -6 -p- ::1
  portolan -Pn -T4 --top-ports 100 -oJ scan.json 198.18.0.0/15
  portolan -sL -n 127.0.0.0/29
  portolan -sn -PS22,80 -PE 127.0.0.0/29
  portolan -sU -p U:53,123 --reason example.com
`;

/**
 * The grouped `--help` text, in the layout nmap users know.
 *
 * @example
 * ```ts
 * console.log(helpText());
 * ```
 */
export function helpText(): string {
  return HELP;
}

/**
 * The `--version` text: Portolan's version, then the runtime and platform it runs on.
 *
 * @example
 * ```ts
 * versionText().split("\n")[0]; // "Portolan 0.1.0 (Deno 2.9.6, TypeScript ...)"
 * ```
 */
export function versionText(): string {
  return [
    `Portolan ${VERSION} (Deno ${Deno.version.deno}, TypeScript ${Deno.version.typescript})`,
    `Platform: ${Deno.build.target}`,
  ].join("\n") + "\n";
}
