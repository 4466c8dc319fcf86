/**
 * The network lab: Linux network namespaces that a test builds, scans and
 * deletes, so that a scanner's packets never leave the machine (see
 * /work/shared/LAB.md and tests/lab/README.md).
 *
 * Topology: a scanner namespace (no default route) and one namespace per
 * target host, each joined by a veth pair to a bridge that lives in a third
 * namespace. IPv4 from 198.18.0.0/24 (RFC 2544 benchmarking range), IPv6 from
 * the ULA prefix fd00:5054::/64, on the same links.
 *
 * @example
 * ```ts
 * const lab = await startLab({ hosts: [{ name: "web", tcpOpen: [80], tcpDropped: [81] }] });
 * try {
 *   const web = lab.host("web");
 *   const r = await lab.exec(["nmap", "-sT", "-Pn", "-p", "80,81", web.ipv4]);
 *   console.log(r.stdout, expectedState(web, { protocol: "tcp", port: 81 }));
 * } finally {
 *   await lab.close();
 * }
 * ```
 *
 * @module
 */

/** Transport protocol of a lab port. */
export type LabProtocol = "tcp" | "udp";

/** What a correct scanner must report for one port (nmap's state names). */
export type LabPortState = "open" | "closed" | "filtered" | "open|filtered";

/** Ground truth for one port of one address. */
export interface ExpectedPort {
  /** The state a correct scanner reports. */
  state: LabPortState;
  /**
   * Why, as a raw-packet scan (nmap -sS / -sU) words it: "syn-ack", "reset",
   * "no-response", "admin-prohibited", "udp-response", "port-unreach".
   */
  reason: string;
  /**
   * Why, as a connect() scan (nmap -sT) words it: "syn-ack", "conn-refused",
   * "no-response", "host-unreach" (ICMP admin-prohibited over IPv4). Absent for UDP.
   */
  connectReason?: string;
  /** Which rule of the lab decides it, for messages: "listener", "nft drop", "kernel", ... */
  cause: string;
}

/** AnyIP: one target namespace answers for a whole IPv4 block. */
export interface AnyIpSpec {
  /** IPv4 block inside 198.18.0.0/15 but outside the link subnet 198.18.0.0/24, e.g. "198.19.0.0/16". */
  cidr: string;
  /** TCP port that a listener on the wildcard address answers on. */
  tcpPort: number;
  /**
   * Only every Nth address of the block answers (N a power of two, default 1):
   * addresses whose offset in the block is a multiple of N. All traffic to the
   * others is dropped, so they look like absent hosts.
   */
  answerEvery?: number;
}

/** One target host of the lab. */
export interface LabHostSpec {
  /** Name used by {@link Lab.host}; unique within the lab. */
  name: string;
  /** TCP ports with a listener on the host's own addresses (accepts and echoes). */
  tcpOpen?: number[];
  /** UDP ports with an echo responder on the host's own addresses. */
  udpOpen?: number[];
  /** TCP ports whose SYNs nft drops: filtered, no-response. */
  tcpDropped?: number[];
  /** TCP ports nft rejects with a TCP reset: closed, reset. */
  tcpRejectedRst?: number[];
  /** TCP ports nft rejects with ICMP admin-prohibited: filtered, admin-prohibited. */
  tcpRejectedIcmp?: number[];
  /** UDP ports whose datagrams nft drops (no ICMP unreachable): open|filtered. */
  udpDropped?: number[];
  /** UDP ports nft rejects with ICMP admin-prohibited: filtered. */
  udpRejectedIcmp?: number[];
  /** Per-namespace sysctls, e.g. {"net.ipv4.ip_default_ttl": "128", "net.ipv4.tcp_timestamps": "0"}. */
  sysctls?: Record<string, string>;
  /** Make this host answer for a whole IPv4 block. */
  anyIp?: AnyIpSpec;
}

/** Options of {@link startLab}. */
export interface StartLabOptions {
  /** Namespace name prefix of the suite (default "ptl-"); lower-case letters, digits, "-". */
  name?: string;
  /** Target hosts (default: one host "target" with TCP port 80 open). */
  hosts?: LabHostSpec[];
}

/** AnyIP block of a running host, with helpers over its addresses. */
export interface LabAnyIp {
  cidr: string;
  tcpPort: number;
  answerEvery: number;
  /** Number of addresses in the block. */
  size: number;
  /** True if the address lies in the block. */
  contains(address: string): boolean;
  /** True if the address lies in the block and answers (is not dropped). */
  answers(address: string): boolean;
  /** The answering addresses, in order. */
  answering(): Generator<string>;
}

/** A running target host. */
export interface LabHost {
  name: string;
  /** The spec it was built from, lists de-duplicated and sorted. */
  spec: Required<Omit<LabHostSpec, "anyIp">> & { anyIp?: AnyIpSpec };
  /** Its namespace. */
  netns: string;
  /** Interface facing the lab link, inside {@link netns}. */
  interface: string;
  ipv4: string;
  ipv6: string;
  /** MAC of {@link interface}: the next hop for this host's addresses. */
  mac: string;
  /** Pid of the listener process (TCP and UDP responders), if the host has any. */
  listenerPid?: number;
  anyIp?: LabAnyIp;
}

/** The scanner side of the lab. */
export interface LabScanner {
  netns: string;
  /** Interface to pass to raw scanners (`-e`, masscan `--adapter`, zmap `-i`). */
  interface: string;
  ipv4: string;
  ipv6: string;
  mac: string;
}

/** Result of {@link Lab.exec}. */
export interface ExecResult {
  code: number;
  success: boolean;
  stdout: string;
  stderr: string;
  /** True when `timeoutMs` ran out and the command was killed. */
  timedOut: boolean;
}

/** Options of {@link Lab.exec}. */
export interface ExecOptions {
  /** Run in this target host's namespace instead of the scanner's. */
  host?: string;
  /** Text written to the command's stdin. */
  stdin?: string | Uint8Array;
  /** Kill the command after this many milliseconds (default 60 000). */
  timeoutMs?: number;
  env?: Record<string, string>;
  cwd?: string;
}

/** Options of {@link Lab.spawn}. */
export interface SpawnOptions {
  /** Run in this target host's namespace instead of the scanner's. */
  host?: string;
  env?: Record<string, string>;
  cwd?: string;
  stdin?: "piped" | "inherit" | "null";
  stdout?: "piped" | "inherit" | "null";
  stderr?: "piped" | "inherit" | "null";
}

/** Lab link subnet and its fixed addresses. */
const V4_PREFIX = "198.18.0.";
const V6_PREFIX = "fd00:5054::";
const SCANNER_OCTET = 1;
const FIRST_HOST_OCTET = 10;
const MAX_HOSTS = 240;
const LINK_IF = "eth0";
const DEFAULT_PREFIX = "ptl-";

/**
 * Sysctls of every target namespace. ICMP rate limits off so that every closed
 * UDP port gets its port-unreachable (Linux otherwise sends about one per
 * second per peer after a burst, and closed ports would look open|filtered).
 */
const TARGET_SYSCTLS: Record<string, string> = {
  "net.ipv4.icmp_ratelimit": "0",
  "net.ipv4.icmp_msgs_per_sec": "1000000",
  "net.ipv4.icmp_msgs_burst": "1000000",
  "net.ipv6.icmp.ratelimit": "0",
  "net.ipv6.conf.all.accept_dad": "0",
  "net.ipv6.conf.default.accept_dad": "0",
};

/** The scanner namespace gets addresses usable at once; no router solicitations. */
const SCANNER_SYSCTLS: Record<string, string> = {
  "net.ipv6.conf.all.accept_dad": "0",
  "net.ipv6.conf.default.accept_dad": "0",
  "net.ipv6.conf.default.router_solicitations": "0",
};

/** The bridge namespace needs no IPv6 of its own: keeps captures free of its chatter. */
const BRIDGE_SYSCTLS: Record<string, string> = {
  "net.ipv6.conf.all.disable_ipv6": "1",
  "net.ipv6.conf.default.disable_ipv6": "1",
};

/**
 * The responder: one process per host binds every TCP and UDP port it must
 * serve, echoes what it gets, and dies with its parent (PR_SET_PDEATHSIG) so a
 * crashed test run leaves no listener behind. It imports only C modules
 * (`_socket`, `select`): `socket` and `json` would triple its start-up time.
 */
const LISTENER_PY = `
import _socket as S, select, sys
try:
    import ctypes
    ctypes.CDLL(None).prctl(1, 15)
except Exception:
    pass
ep = select.epoll()
socks = {}
for spec in sys.argv[1:]:
    kind, port, addr = spec.split(",", 2)
    s = S.socket(S.AF_INET6 if ":" in addr else S.AF_INET, S.SOCK_STREAM if kind == "t" else S.SOCK_DGRAM)
    if kind == "t":
        s.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1)
        if addr == "::":
            s.setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, 0)
    s.bind((addr, int(port)))
    if kind == "t":
        s.listen(4096)
    s.setblocking(False)
    socks[s.fileno()] = (kind, s)
    ep.register(s.fileno(), select.EPOLLIN)
sys.stdout.write("ready\\n")
sys.stdout.flush()
while True:
    for fd, _ in ep.poll():
        if fd not in socks:
            continue
        kind, s = socks[fd]
        try:
            if kind == "t":
                cfd, _ = s._accept()
                c = S.socket(fileno=cfd)
                c.setblocking(False)
                socks[cfd] = ("c", c)
                ep.register(cfd, select.EPOLLIN)
            elif kind == "u":
                d, peer = s.recvfrom(65535)
                s.sendto(d, peer)
            else:
                d = s.recv(65536)
                if not d:
                    raise EOFError
                s.send(d)
        except BlockingIOError:
            pass
        except (OSError, EOFError):
            if kind == "c":
                ep.unregister(fd)
                del socks[fd]
                s.close()
`;

/**
 * Why the lab cannot run here, or undefined when it can: needs Linux, root,
 * and ip, nft, sysctl and python3 on PATH.
 */
export function labPrerequisites(): string | undefined {
  if (Deno.build.os !== "linux") return "network lab needs Linux network namespaces";
  if (Deno.uid() !== 0) return "network lab needs root (ip netns, nft); run the tests as root";
  const missing = ["ip", "nft", "sysctl", "python3"].filter((c) => !onPath(c));
  if (missing.length > 0) {
    return `network lab needs ${missing.join(", ")} on PATH ` +
      `(Debian packages: see .ci/lab_packages.txt)`;
  }
  return undefined;
}

/**
 * Value for `Deno.test({ ignore })`: true (skip, with a warning) when the lab
 * cannot run locally; false in CI (`CI=true`), so the test runs and fails with
 * the message from {@link labPrerequisites}.
 */
export function labIgnore(missing: string | undefined = labPrerequisites()): boolean {
  if (missing === undefined) return false;
  if (Deno.env.get("CI") === "true") return false;
  console.warn(`skipping network lab tests: ${missing}`);
  return true;
}

/**
 * Delete namespaces left by lab runs that died: names `<prefix><pid>x<id>-...`
 * whose owning process no longer exists. Processes still inside them are killed
 * by pid first. Labs of live processes (concurrent test files) are left alone.
 * Returns the deleted namespace names.
 */
export async function sweepStaleLabs(prefix: string = DEFAULT_PREFIX): Promise<string[]> {
  checkPrefix(prefix);
  const pattern = new RegExp(`^${escapeRegExp(prefix)}(\\d+)x[0-9a-f]+-[a-z0-9]+$`);
  const stale: string[] = [];
  for (const name of await listNamespaces()) {
    const m = pattern.exec(name);
    if (m && !processAlive(Number(m[1]))) stale.push(name);
  }
  await deleteNamespaces(stale);
  return stale;
}

/**
 * Build a lab: sweep stale labs with the same prefix, create the namespaces,
 * links, addresses, firewall rules, sysctls and listeners, and wait until every
 * link is up and every listener bound. On failure everything built so far is
 * torn down before the error is rethrown.
 */
export async function startLab(options: StartLabOptions = {}): Promise<Lab> {
  const missing = labPrerequisites();
  if (missing !== undefined) throw new Error(missing);
  const prefix = options.name ?? DEFAULT_PREFIX;
  checkPrefix(prefix);
  const specs = normaliseSpecs(options.hosts ?? [{ name: "target", tcpOpen: [80] }]);
  await sweepStaleLabs(prefix);
  const id = `${Deno.pid}x${randomHex(3)}`;
  const lab = new Lab(prefix + id, specs);
  try {
    await lab.build();
  } catch (e) {
    await lab.close();
    throw e;
  }
  return lab;
}

/**
 * Ground truth: what a correct scanner reports for `port` on one of `host`'s
 * addresses (default its IPv4 address; its IPv6 address gives the same answer;
 * an address of its AnyIP block gives that block's answer).
 */
export function expectedState(
  host: LabHost,
  probe: { protocol: LabProtocol; port: number; address?: string },
): ExpectedPort {
  const { protocol, port } = probe;
  const address = probe.address ?? host.ipv4;
  if (address !== host.ipv4 && !sameV6(address, host.ipv6)) {
    if (!host.anyIp?.contains(address)) {
      throw new Error(`${address} is not an address of lab host ${host.name}`);
    }
    return expectedAnyIp(host.anyIp, protocol, port, address);
  }
  const s = host.spec;
  if (protocol === "tcp") {
    if (s.tcpDropped.includes(port)) return tcpFiltered("nft drop");
    if (s.tcpRejectedRst.includes(port)) {
      return {
        state: "closed",
        reason: "reset",
        connectReason: "conn-refused",
        cause: "nft reject tcp reset",
      };
    }
    if (s.tcpRejectedIcmp.includes(port)) {
      return {
        state: "filtered",
        reason: "admin-prohibited",
        // connect() sees EHOSTUNREACH for IPv4 (nmap: "host-unreach"); Linux ignores an ICMPv6
        // admin-prohibited in SYN_SENT, so an IPv6 connect() simply times out.
        connectReason: address.includes(":") ? "no-response" : "host-unreach",
        cause: "nft reject icmp admin-prohibited",
      };
    }
    if (s.tcpOpen.includes(port) || host.anyIp?.tcpPort === port) return tcpOpen("listener");
    return tcpClosed("kernel");
  }
  if (s.udpDropped.includes(port)) return udpSilent("nft drop");
  if (s.udpRejectedIcmp.includes(port)) {
    return {
      state: "filtered",
      reason: "admin-prohibited",
      cause: "nft reject icmp admin-prohibited",
    };
  }
  if (s.udpOpen.includes(port)) return { state: "open", reason: "udp-response", cause: "udp echo" };
  return udpClosed("kernel");
}

/** A running lab; build it with {@link startLab}, always {@link Lab.close} it. */
export class Lab {
  /** Namespace stem: prefix, owning pid and a random id, e.g. "ptl-4242xa1b2c3". */
  readonly id: string;
  /** The scanner namespace, its interface and addresses. */
  readonly scanner: LabScanner;
  /** Namespace holding the bridge br0 that joins every link. */
  readonly bridgeNs: string;
  /** The target hosts, in spec order. */
  readonly hosts: LabHost[];
  #children = new Set<Deno.ChildProcess>();
  #live = new Set<Deno.ChildProcess>();
  #created: string[] = [];
  #drains: Promise<unknown>[] = [];
  #closing?: Promise<void>;

  /** Use {@link startLab}; the constructor builds nothing. */
  constructor(id: string, specs: LabHost["spec"][]) {
    this.id = id;
    this.bridgeNs = `${id}-b`;
    this.scanner = {
      netns: `${id}-s`,
      interface: LINK_IF,
      ipv4: V4_PREFIX + SCANNER_OCTET,
      ipv6: V6_PREFIX + SCANNER_OCTET,
      mac: macFor(SCANNER_OCTET),
    };
    this.hosts = specs.map((spec, i) => {
      const octet = FIRST_HOST_OCTET + i;
      const host: LabHost = {
        name: spec.name,
        spec,
        netns: `${id}-t${i}`,
        interface: LINK_IF,
        ipv4: V4_PREFIX + octet,
        // Same digits as the IPv4 last octet, for readability (fd00:5054::10 ~ 198.18.0.10).
        ipv6: V6_PREFIX + octet,
        mac: macFor(octet),
      };
      if (spec.anyIp) host.anyIp = makeAnyIp(spec.anyIp);
      return host;
    });
  }

  /** Name of the scanner namespace (scanners under test run here). */
  get scannerNs(): string {
    return this.scanner.netns;
  }

  /** The host called `name`; throws if there is none. */
  host(name: string): LabHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no lab host named ${name}`);
    return h;
  }

  /**
   * MAC of the next hop from the scanner to `host` (its own interface, also the
   * gateway for its AnyIP block): masscan `--router-mac`, zmap `-G`.
   */
  gatewayMac(host: string | LabHost): string {
    return (typeof host === "string" ? this.host(host) : host).mac;
  }

  /** Ground truth for one port of a host by name; see {@link expectedState}. */
  expected(
    host: string,
    probe: { protocol: LabProtocol; port: number; address?: string },
  ): ExpectedPort {
    return expectedState(this.host(host), probe);
  }

  /** Run a command to completion inside the scanner namespace (or a host's, with `host`). */
  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.#checkOpen();
    const ns = options.host ? this.host(options.host).netns : this.scanner.netns;
    return await run(["ip", "netns", "exec", ns, ...argv], {
      stdin: options.stdin,
      timeoutMs: options.timeoutMs ?? 60_000,
      check: false,
      env: options.env,
      cwd: options.cwd,
    });
  }

  /**
   * Start a long-running command inside the scanner namespace (or a host's).
   * `ip netns exec` execs the command, so the child's pid is the command's;
   * {@link close} kills it if it is still running.
   */
  spawn(argv: string[], options: SpawnOptions = {}): Deno.ChildProcess {
    this.#checkOpen();
    const ns = options.host ? this.host(options.host).netns : this.scanner.netns;
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", ns, ...argv],
      env: options.env,
      cwd: options.cwd,
      stdin: options.stdin ?? "null",
      stdout: options.stdout ?? "piped",
      stderr: options.stderr ?? "piped",
    }).spawn();
    this.#track(child);
    return child;
  }

  /**
   * Kill every process the lab started (by pid, then any left inside its
   * namespaces) and delete every namespace. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#teardown();
    return this.#closing;
  }

  /** Create everything; called once by {@link startLab}. */
  async build(): Promise<void> {
    const all = [this.scanner.netns, this.bridgeNs, ...this.hosts.map((h) => h.netns)];
    await run(["ip", "-batch", "-"], { stdin: lines(all.map((n) => `netns add ${n}`)) });
    this.#created = all;

    // One shell per namespace keeps process spawns (the slow part on a busy machine) to a minimum.
    const bridge = [
      "link add br0 type bridge stp_state 0 mcast_snooping 0",
      `link add s0 type veth peer name ${LINK_IF} address ${this.scanner.mac} netns ${this.scanner.netns}`,
      ...this.hosts.map((h, i) =>
        `link add t${i} type veth peer name ${LINK_IF} address ${h.mac} netns ${h.netns}`
      ),
      ...["s0", ...this.hosts.map((_, i) => `t${i}`)].flatMap((p) => [
        `link set ${p} master br0`,
        `link set ${p} up`,
      ]),
      "link set br0 up",
    ];
    await run([
      "ip",
      "netns",
      "exec",
      this.bridgeNs,
      "sh",
      "-ec",
      setupScript({
        sysctls: [[BRIDGE_SYSCTLS, true]],
        ip: bridge,
      }),
    ]);

    await Promise.all([
      run([
        "ip",
        "netns",
        "exec",
        this.scanner.netns,
        "sh",
        "-ec",
        setupScript({
          sysctls: [[SCANNER_SYSCTLS, true]],
          ip: this.#scannerIp(),
        }),
      ]),
      ...this.hosts.map((h) => this.#setUpHost(h)),
    ]);
    await this.#waitLinksUp();
  }

  #scannerIp(): string[] {
    const s = this.scanner;
    return [
      "link set lo up",
      `link set ${LINK_IF} up`,
      `addr add ${s.ipv4}/24 dev ${LINK_IF}`,
      `addr add ${s.ipv6}/64 dev ${LINK_IF} nodad`,
      // Static neighbours: the first probe to a host is not delayed or lost to ARP/ND.
      ...this.hosts.flatMap((h) => [
        `neigh replace ${h.ipv4} lladdr ${h.mac} dev ${LINK_IF} nud permanent`,
        `neigh replace ${h.ipv6} lladdr ${h.mac} dev ${LINK_IF} nud permanent`,
      ]),
      ...this.hosts.filter((h) => h.anyIp).map((h) =>
        `route add ${h.anyIp!.cidr} via ${h.ipv4} dev ${LINK_IF} onlink`
      ),
    ];
  }

  #hostIp(h: LabHost): string[] {
    const s = this.scanner;
    return [
      "link set lo up",
      `link set ${LINK_IF} up`,
      `addr add ${h.ipv4}/24 dev ${LINK_IF}`,
      `addr add ${h.ipv6}/64 dev ${LINK_IF} nodad`,
      `neigh replace ${s.ipv4} lladdr ${s.mac} dev ${LINK_IF} nud permanent`,
      `neigh replace ${s.ipv6} lladdr ${s.mac} dev ${LINK_IF} nud permanent`,
      ...(h.anyIp ? [`route add local ${h.anyIp.cidr} dev lo`] : []),
    ];
  }

  /**
   * Sysctls, addresses, routes and nft rules of one host, then its listener:
   * the setup shell execs the listener, so "ready" on stdout means all of it is done.
   */
  async #setUpHost(h: LabHost): Promise<void> {
    // Listener arguments: "t|u,port,address".
    const sockets: string[] = [];
    const anyPort = h.anyIp?.tcpPort;
    // The AnyIP port listens on the wildcard (dual-stack), which also covers the host's own addresses.
    if (anyPort !== undefined) sockets.push(`t,${anyPort},::`);
    for (const p of h.spec.tcpOpen) {
      if (p !== anyPort) sockets.push(`t,${p},${h.ipv4}`, `t,${p},${h.ipv6}`);
    }
    for (const p of h.spec.udpOpen) sockets.push(`u,${p},${h.ipv4}`, `u,${p},${h.ipv6}`);
    const listen = sockets.length > 0;
    const script = setupScript({
      sysctls: [[TARGET_SYSCTLS, true], [h.spec.sysctls, false]],
      ip: this.#hostIp(h),
      nft: nftRules(h),
      exec: listen ? `code=$1; shift; exec ${labPython()} -S -c "$code" "$@"` : undefined,
    });
    const args = ["netns", "exec", h.netns, "sh", "-ec", script, "sh"];
    if (!listen) {
      await run(["ip", ...args]);
      return;
    }
    const child = new Deno.Command("ip", {
      args: [...args, LISTENER_PY, ...sockets],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#track(child);
    h.listenerPid = child.pid;
    const stderr = collect(child.stderr);
    this.#drains.push(stderr);
    const reader = child.stdout.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const deadline = setTimeout(() => child.kill("SIGKILL"), 10_000);
    try {
      while (!text.includes("ready\n")) {
        const { value, done } = await reader.read();
        if (done) {
          throw new Error(`setting up lab host ${h.name} failed: ${(await stderr).trim()}`);
        }
        text += decoder.decode(value, { stream: true });
      }
    } finally {
      clearTimeout(deadline);
      reader.releaseLock();
      // Keep draining so the pipe never fills; the text is not needed.
      this.#drains.push(collect(child.stdout));
    }
  }

  async #waitLinksUp(): Promise<void> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const r = await run(["ip", "-n", this.bridgeNs, "-j", "link", "show"]);
      const links = JSON.parse(r.stdout) as { ifname: string; operstate: string }[];
      const down = links.filter((l) => l.ifname !== "lo" && l.operstate !== "UP");
      if (down.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`lab links still down: ${down.map((l) => l.ifname).join(", ")}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  #track(child: Deno.ChildProcess): void {
    this.#children.add(child);
    this.#live.add(child);
    child.status.then(() => this.#live.delete(child), () => this.#live.delete(child));
  }

  #checkOpen(): void {
    if (this.#closing) throw new Error(`lab ${this.id} is closed`);
  }

  async #teardown(): Promise<void> {
    const errors: unknown[] = [];
    await Promise.all([...this.#children].map(async (child) => {
      if (this.#live.has(child)) {
        try {
          child.kill("SIGTERM");
        } catch { /* exited meanwhile */ }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* exited meanwhile */ }
        }, 2_000);
        await child.status.catch(() => {});
        clearTimeout(timer);
      }
      await child.status.catch((e) => errors.push(e));
      // Release pipes a caller of spawn() never read, so Deno's resource sanitizer stays quiet.
      for (const stream of pipes(child)) {
        if (!stream.locked) await stream.cancel().catch(() => {});
      }
    }));
    await Promise.all(this.#drains);
    try {
      await deleteNamespaces(this.#created);
    } catch (e) {
      errors.push(e);
    }
    if (errors.length > 0) throw new AggregateError(errors, `closing lab ${this.id} failed`);
  }
}

function expectedAnyIp(
  anyIp: LabAnyIp,
  protocol: LabProtocol,
  port: number,
  address: string,
): ExpectedPort {
  if (!anyIp.answers(address)) {
    return protocol === "tcp" ? tcpFiltered("anyip nft drop") : udpSilent("anyip nft drop");
  }
  if (protocol === "udp") return udpClosed("kernel");
  return port === anyIp.tcpPort ? tcpOpen("anyip listener") : tcpClosed("kernel");
}

function tcpOpen(cause: string): ExpectedPort {
  return { state: "open", reason: "syn-ack", connectReason: "syn-ack", cause };
}

function tcpClosed(cause: string): ExpectedPort {
  return { state: "closed", reason: "reset", connectReason: "conn-refused", cause };
}

function tcpFiltered(cause: string): ExpectedPort {
  return { state: "filtered", reason: "no-response", connectReason: "no-response", cause };
}

function udpClosed(cause: string): ExpectedPort {
  return { state: "closed", reason: "port-unreach", cause };
}

function udpSilent(cause: string): ExpectedPort {
  return { state: "open|filtered", reason: "no-response", cause };
}

/** The nft ruleset of one host, or undefined when it needs none. */
function nftRules(h: LabHost): string | undefined {
  const s = h.spec;
  const rules: string[] = [];
  const own = [`ip daddr ${h.ipv4}`, `ip6 daddr ${h.ipv6}`];
  const add = (ports: number[], match: string, verdict: string) => {
    if (ports.length === 0) return;
    for (const dst of own) rules.push(`${dst} ${match} { ${ports.join(", ")} } ${verdict}`);
  };
  add(s.tcpDropped, "tcp dport", "drop");
  add(s.tcpRejectedRst, "tcp dport", "reject with tcp reset");
  add(s.tcpRejectedIcmp, "tcp dport", "reject with icmpx type admin-prohibited");
  add(s.udpDropped, "udp dport", "drop");
  add(s.udpRejectedIcmp, "udp dport", "reject with icmpx type admin-prohibited");
  if (h.anyIp && h.anyIp.answerEvery > 1) {
    const mask = intToIpv4(h.anyIp.answerEvery - 1);
    rules.push(`ip daddr ${h.anyIp.cidr} ip daddr & ${mask} != 0.0.0.0 drop`);
  }
  if (rules.length === 0) return undefined;
  return [
    "table inet ptl {",
    "  chain input {",
    "    type filter hook input priority 0; policy accept;",
    ...rules.map((r) => `    ${r}`),
    "  }",
    "}",
    "",
  ].join("\n");
}

function makeAnyIp(spec: AnyIpSpec): LabAnyIp {
  const [base, bits] = parseCidr(spec.cidr);
  const size = 2 ** (32 - bits);
  const every = spec.answerEvery ?? 1;
  const contains = (a: string) => {
    const n = ipv4ToInt(a);
    return n !== undefined && n >= base && n < base + size;
  };
  return {
    cidr: `${intToIpv4(base)}/${bits}`,
    tcpPort: spec.tcpPort,
    answerEvery: every,
    size,
    contains,
    answers: (a) => contains(a) && (ipv4ToInt(a)! - base) % every === 0,
    *answering() {
      for (let off = 0; off < size; off += every) yield intToIpv4(base + off);
    },
  };
}

function normaliseSpecs(specs: LabHostSpec[]): LabHost["spec"][] {
  if (specs.length > MAX_HOSTS) throw new Error(`a lab holds at most ${MAX_HOSTS} hosts`);
  const names = new Set<string>();
  const blocks: [number, number][] = [];
  return specs.map((spec) => {
    if (!spec.name || names.has(spec.name)) {
      throw new Error(`lab host names must be unique and non-empty: ${JSON.stringify(spec.name)}`);
    }
    names.add(spec.name);
    const ports = (list: number[] | undefined, what: string) => {
      const out = [...new Set(list ?? [])].sort((a, b) => a - b);
      for (const p of out) {
        if (!Number.isInteger(p) || p < 1 || p > 65535) {
          throw new Error(`lab host ${spec.name}: bad ${what} port ${p}`);
        }
      }
      return out;
    };
    const n = {
      name: spec.name,
      tcpOpen: ports(spec.tcpOpen, "tcpOpen"),
      udpOpen: ports(spec.udpOpen, "udpOpen"),
      tcpDropped: ports(spec.tcpDropped, "tcpDropped"),
      tcpRejectedRst: ports(spec.tcpRejectedRst, "tcpRejectedRst"),
      tcpRejectedIcmp: ports(spec.tcpRejectedIcmp, "tcpRejectedIcmp"),
      udpDropped: ports(spec.udpDropped, "udpDropped"),
      udpRejectedIcmp: ports(spec.udpRejectedIcmp, "udpRejectedIcmp"),
      sysctls: { ...(spec.sysctls ?? {}) },
      anyIp: spec.anyIp,
    };
    // Each port gets exactly one behaviour, so the ground truth is never ambiguous.
    for (
      const group of [["tcpOpen", "tcpDropped", "tcpRejectedRst", "tcpRejectedIcmp"], [
        "udpOpen",
        "udpDropped",
        "udpRejectedIcmp",
      ]] as const
    ) {
      const seen = new Map<number, string>();
      for (const key of group) {
        for (const p of n[key]) {
          if (seen.has(p)) {
            throw new Error(
              `lab host ${spec.name}: port ${p} is in both ${seen.get(p)} and ${key}`,
            );
          }
          seen.set(p, key);
        }
      }
    }
    for (const [k, v] of Object.entries(n.sysctls)) {
      if (!/^net\.[a-z0-9_.]+$/.test(k) || !/^[\w .:-]*$/.test(v)) {
        throw new Error(`lab host ${spec.name}: sysctl ${k}=${v} is not a net.* setting`);
      }
    }
    if (spec.anyIp) checkAnyIp(spec, blocks);
    return n;
  });
}

function checkAnyIp(spec: LabHostSpec, blocks: [number, number][]): void {
  const a = spec.anyIp!;
  const [base, bits] = parseCidr(a.cidr);
  const size = 2 ** (32 - bits);
  const [labBase] = parseCidr("198.18.0.0/15");
  const [linkBase] = parseCidr("198.18.0.0/24");
  if (base < labBase || base + size > labBase + 2 ** 17) {
    throw new Error(`lab host ${spec.name}: anyIp ${a.cidr} must lie inside 198.18.0.0/15`);
  }
  for (const [b, s] of [[linkBase, 256], ...blocks]) {
    if (base < b + s && b < base + size) {
      throw new Error(`lab host ${spec.name}: anyIp ${a.cidr} overlaps another lab subnet`);
    }
  }
  blocks.push([base, size]);
  const every = a.answerEvery ?? 1;
  if (!Number.isInteger(every) || every < 1 || (every & (every - 1)) !== 0 || every > size) {
    throw new Error(
      `lab host ${spec.name}: anyIp answerEvery must be a power of two no larger than the block`,
    );
  }
  if (!Number.isInteger(a.tcpPort) || a.tcpPort < 1 || a.tcpPort > 65535) {
    throw new Error(`lab host ${spec.name}: bad anyIp tcpPort ${a.tcpPort}`);
  }
}

function parseCidr(cidr: string): [number, number] {
  const [addr, len] = cidr.split("/");
  const n = ipv4ToInt(addr);
  const bits = Number(len);
  if (n === undefined || !Number.isInteger(bits) || bits < 8 || bits > 32) {
    throw new Error(`bad IPv4 CIDR ${cidr}`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [(n & mask) >>> 0, bits];
}

function ipv4ToInt(a: string): number | undefined {
  const parts = a.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function sameV6(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Locally administered MAC; labs live on separate bridges, so reusing it across labs is fine. */
function macFor(octet: number): string {
  return `02:50:54:00:00:${octet.toString(16).padStart(2, "0")}`;
}

function lines(list: string[]): string {
  return list.map((l) => l + "\n").join("");
}

/** A `sh -e` script: sysctls, an `ip -batch`, an nft ruleset, then optionally an exec. */
function setupScript(parts: {
  sysctls: [Record<string, string>, boolean][];
  ip: string[];
  nft?: string;
  exec?: string;
}): string {
  const out: string[] = [];
  for (const [values, lenient] of parts.sysctls) {
    const args = Object.entries(values).map(([k, v]) => shq(`${k}=${v}`));
    if (args.length === 0) continue;
    // Lenient for the lab's own settings: older kernels lack some (e.g. per-netns icmp_msgs_per_sec).
    out.push(`sysctl -q ${lenient ? "-e " : ""}-w ${args.join(" ")} >/dev/null`);
  }
  out.push("ip -batch - <<'PTL_EOF'", ...parts.ip, "PTL_EOF");
  if (parts.nft) out.push("nft -f - <<'PTL_EOF'", parts.nft.trimEnd(), "PTL_EOF");
  if (parts.exec) out.push(parts.exec);
  return lines(out);
}

function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

async function deleteNamespaces(names: string[]): Promise<void> {
  const existing = new Set(await listNamespaces());
  const present = names.filter((n) => existing.has(n));
  if (present.length === 0) return;
  // Children of our processes (e.g. a scanner's helpers) may still sit in the namespaces:
  // kill them by pid, or the namespaces would outlive their names.
  const script = [
    `for n in ${present.join(" ")}; do`,
    `  for p in $(ip netns pids "$n"); do kill -9 "$p" 2>/dev/null || true; done`,
    "done",
    "ip -force -batch - <<'PTL_EOF'",
    ...present.map((n) => `netns del ${n}`),
    "PTL_EOF",
  ];
  await run(["sh", "-ec", lines(script)]);
}

/** Names of all network namespaces (what `ip netns list` reads), without spawning `ip`. */
async function listNamespaces(): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir("/run/netns")) names.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names;
}

async function run(
  argv: string[],
  options: {
    stdin?: string | Uint8Array;
    check?: boolean;
    timeoutMs?: number;
    env?: Record<string, string>;
    cwd?: string;
  } = {},
): Promise<ExecResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  try {
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      env: options.env,
      cwd: options.cwd,
      signal: controller.signal,
    }).spawn();
    if (options.stdin !== undefined) {
      const w = child.stdin.getWriter();
      const data = typeof options.stdin === "string"
        ? new TextEncoder().encode(options.stdin)
        : options.stdin;
      await w.write(data).catch(() => {});
      await w.close().catch(() => {});
    }
    const out = await child.output();
    const d = new TextDecoder();
    const result: ExecResult = {
      code: out.code,
      success: out.success,
      stdout: d.decode(out.stdout),
      stderr: d.decode(out.stderr),
      timedOut,
    };
    // Lab plumbing must not half-fail silently; exec() callers judge the result themselves.
    if ((options.check ?? true) && !result.success) {
      throw new Error(`${argv.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

function pipes(child: Deno.ChildProcess): ReadableStream<Uint8Array>[] {
  const out: ReadableStream<Uint8Array>[] = [];
  for (const get of [() => child.stdout, () => child.stderr]) {
    try {
      out.push(get());
    } catch { /* not piped */ }
  }
  return out;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  const d = new TextDecoder();
  try {
    for await (const chunk of stream) {
      if (text.length < 65536) text += d.decode(chunk, { stream: true });
    }
  } catch { /* stream closed by kill */ }
  return text;
}

/**
 * The Python interpreter to run inside lab namespaces: the system one when
 * present, since version-manager shims (pyenv) take a second to start.
 */
export function labPython(): string {
  return exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

function onPath(cmd: string): boolean {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"]);
  return dirs.some((d) => d && exists(`${d}/${cmd}`));
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  return exists(`/proc/${pid}`);
}

function checkPrefix(prefix: string): void {
  if (!/^[a-z][a-z0-9-]{0,11}$/.test(prefix)) {
    throw new Error(`lab prefix must be 1-12 lower-case letters, digits or "-": ${prefix}`);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}
