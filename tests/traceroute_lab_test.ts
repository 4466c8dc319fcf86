/**
 * Traceroute through real routers: four namespaces in a line (scanner, r1, r2, target)
 * joined by veth pairs, forwarding on in the routers, the scanner with no default route.
 * Portolan's trace must list r1, r2 and the target with RTTs, and agree with
 * `nmap --traceroute` run in the same namespace.
 *
 * ```
 * scan 198.18.10.2/30 -- .1 r1 .5 -- .6 r2 .9 -- .10 dst   (listener on :80)
 *      fd00:7472:1::2/64 -- ::1 r1 fd00:7472:2::1 -- ::2 r2 fd00:7472:3::1 -- ::2 dst
 * ```
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { labIgnore, labPrerequisites } from "./lab/lab.ts";
import { formatTracerouteNormal, formatTracerouteXml } from "../probes/traceroute/format.ts";
import type { TraceResult } from "../probes/traceroute/traceroute.ts";

const PREFIX = "ptl-tr-";
const RUNNER = new URL("../probes/traceroute/runner.ts", import.meta.url).pathname;
const missing = labPrerequisites();
const ignore = labIgnore(missing);

const DST = "198.18.10.10";
const HOPS4 = ["198.18.10.1", "198.18.10.6", DST];
const DST6 = "fd00:7472:3::2";
const HOPS6 = ["fd00:7472:1::1", "fd00:7472:2::2", DST6];
const OPEN_PORT = 80;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], stdin?: string): Promise<Run> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function must(argv: string[], stdin?: string): Promise<string> {
  const r = await run(argv, stdin);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

async function namespaces(): Promise<string[]> {
  const out = await must(["ip", "netns", "list"]);
  return out.split("\n").map((l) => l.split(" ")[0]).filter((n) => n);
}

/** Delete `ptl-tr-<pid>x...` namespaces whose owning test process has died. */
async function sweepStale(): Promise<void> {
  const pattern = new RegExp(`^${PREFIX}(\\d+)x[0-9a-f]+-[a-z0-9]+$`);
  for (const name of await namespaces()) {
    const m = pattern.exec(name);
    if (m && !pidAlive(Number(m[1]))) await run(["ip", "netns", "delete", name]);
  }
}

function onPath(cmd: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(":").some((d) => {
    try {
      Deno.statSync(`${d}/${cmd}`);
      return true;
    } catch {
      return false;
    }
  });
}

interface Topology {
  ns: { scan: string; r1: string; r2: string; dst: string };
  listener: Deno.ChildProcess;
}

async function buildTopology(): Promise<Topology> {
  const id = `${Deno.pid}x${crypto.randomUUID().slice(0, 6)}`;
  const ns = {
    scan: `${PREFIX}${id}-scan`,
    r1: `${PREFIX}${id}-r1`,
    r2: `${PREFIX}${id}-r2`,
    dst: `${PREFIX}${id}-dst`,
  };
  const all = Object.values(ns);
  await must(["ip", "-batch", "-"], all.map((n) => `netns add ${n}\n`).join(""));
  const links = [
    // [namespace A, ifname in A, namespace B, ifname in B]
    [ns.scan, "r1", ns.r1, "scan"],
    [ns.r1, "r2", ns.r2, "r1"],
    [ns.r2, "dst", ns.dst, "r2"],
  ];
  await must(
    ["ip", "-batch", "-"],
    links.map(([a, ia, b, ib]) =>
      `link add ${ia} netns ${a} type veth peer name ${ib} netns ${b}\n`
    )
      .join(""),
  );
  const sh = (n: string, script: string) => must(["ip", "netns", "exec", n, "sh", "-ec", script]);
  // No duplicate address detection: link-local addresses would stay tentative for a
  // second, and neighbour discovery (so the first probes) would wait for them.
  const common = "sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0\n" +
    "for i in $(ls /proc/sys/net/ipv6/conf); do sysctl -qw net.ipv6.conf.$i.accept_dad=0; done\n" +
    "ip link set lo up\n" +
    "sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0\n" +
    "sysctl -qw net.ipv4.icmp_msgs_per_sec=1000000 net.ipv4.icmp_msgs_burst=1000000 || true\n";
  const router = "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1\n";
  await Promise.all([
    sh(
      ns.scan,
      common +
        "ip addr add 198.18.10.2/30 dev r1\nip addr add fd00:7472:1::2/64 dev r1 nodad\n" +
        "ip link set r1 up\n" +
        // Only the target's subnets, never a default route: stray probes fail locally.
        "ip route add 198.18.10.8/30 via 198.18.10.1\n" +
        "ip -6 route add fd00:7472:3::/64 via fd00:7472:1::1\n",
    ),
    sh(
      ns.r1,
      common + router +
        "ip addr add 198.18.10.1/30 dev scan\nip addr add fd00:7472:1::1/64 dev scan nodad\n" +
        "ip addr add 198.18.10.5/30 dev r2\nip addr add fd00:7472:2::1/64 dev r2 nodad\n" +
        "ip link set scan up\nip link set r2 up\n" +
        "ip route add 198.18.10.8/30 via 198.18.10.6\n" +
        "ip -6 route add fd00:7472:3::/64 via fd00:7472:2::2\n",
    ),
    sh(
      ns.r2,
      common + router +
        "ip addr add 198.18.10.6/30 dev r1\nip addr add fd00:7472:2::2/64 dev r1 nodad\n" +
        "ip addr add 198.18.10.9/30 dev dst\nip addr add fd00:7472:3::1/64 dev dst nodad\n" +
        "ip link set r1 up\nip link set dst up\n" +
        "ip route add 198.18.10.0/30 via 198.18.10.5\n" +
        "ip -6 route add fd00:7472:1::/64 via fd00:7472:2::1\n",
    ),
    sh(
      ns.dst,
      common +
        "ip addr add 198.18.10.10/30 dev r2\nip addr add fd00:7472:3::2/64 dev r2 nodad\n" +
        "ip link set r2 up\n" +
        "ip route add 198.18.10.0/30 via 198.18.10.9\n" +
        "ip -6 route add fd00:7472:1::/64 via fd00:7472:3::1\n",
    ),
  ]);
  const listener = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      ns.dst,
      "python3",
      "-c",
      "import socket,sys\n" +
      "s=socket.socket(socket.AF_INET6);s.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,0)\n" +
      `s.bind(('::',${OPEN_PORT}));s.listen(64);print('ready',flush=True);sys.stdin.read()`,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = listener.stdout.getReader();
  const first = await reader.read();
  reader.releaseLock();
  if (!new TextDecoder().decode(first.value ?? new Uint8Array()).includes("ready")) {
    throw new Error("listener in the target namespace did not start");
  }
  return { ns, listener };
}

async function teardown(t: Topology | undefined, names: string[]): Promise<void> {
  if (t) {
    try {
      // Kill by pid: `ip netns exec` replaces itself with python, so this is the listener.
      Deno.kill(t.listener.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await t.listener.status;
    await t.listener.stdout.cancel().catch(() => {});
  }
  const existing = new Set(await namespaces());
  const doomed = names.filter((n) => existing.has(n));
  if (doomed.length > 0) {
    await run(["ip", "-batch", "-"], doomed.map((n) => `netns delete ${n}\n`).join(""));
  }
}

async function trace(ns: string, args: string[]): Promise<{ result: TraceResult; text: string }> {
  const r = await run(["ip", "netns", "exec", ns, Deno.execPath(), "run", "-A", RUNNER, ...args]);
  equal(r.code, 0, `runner failed: ${r.stderr}`);
  const newline = r.stdout.indexOf("\n");
  return {
    result: JSON.parse(r.stdout.slice(0, newline)),
    text: r.stdout.slice(newline + 1).trimEnd(),
  };
}

/** The TRACEROUTE block of nmap's normal output: header line and hop rows. */
function nmapTraceBlock(stdout: string): string[] {
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => l.startsWith("TRACEROUTE"));
  if (start < 0) return [];
  const out: string[] = [];
  for (let i = start; i < lines.length && lines[i].trim() !== ""; i++) out.push(lines[i]);
  return out;
}

function hopAddresses(block: string[]): string[] {
  return block.slice(2).map((l) => l.trim().split(/\s+/).at(-1)!);
}

Deno.test({
  name: "traceroute through two routers matches the topology and nmap --traceroute",
  ignore,
  async fn() {
    if (missing) throw new Error(missing);
    await sweepStale();
    let topo: Topology | undefined;
    const names: string[] = [];
    try {
      topo = await buildTopology();
      names.push(...Object.values(topo.ns));
      const { ns } = topo;

      // The guard: nothing outside the lab is routable from the scanner namespace, so a
      // wrong target fails before a probe leaves.
      const routes = await must(["ip", "-n", ns.scan, "route", "show"]);
      ok(!routes.includes("default"), `scanner namespace has a default route: ${routes}`);
      const stray = await run([
        "ip",
        "netns",
        "exec",
        ns.scan,
        Deno.execPath(),
        "run",
        "-A",
        RUNNER,
        "198.18.99.1",
      ]);
      ok(stray.code !== 0 && /no route/.test(stray.stderr), `stray target: ${stray.stderr}`);

      const tcp = await trace(ns.scan, [DST, "--port", String(OPEN_PORT), "--timeout", "1500"]);
      ok(tcp.result.reached, JSON.stringify(tcp.result));
      deepEqual(tcp.result.hops.map((h) => h.address), HOPS4);
      deepEqual(tcp.result.hops.map((h) => h.ttl), [1, 2, 3]);
      for (const h of [...tcp.result.hops]) {
        ok(h.rttMs !== undefined && h.rttMs >= 0 && h.rttMs < 1000, `hop ${h.ttl} rtt ${h.rttMs}`);
      }
      equal(formatTracerouteNormal(tcp.result), tcp.text);

      const icmp = await trace(ns.scan, [DST, "--timeout", "1500"]);
      ok(icmp.result.reached);
      equal(icmp.result.protocol, "icmp");
      deepEqual(icmp.result.hops.map((h) => h.address), HOPS4);

      const udp = await trace(ns.scan, [DST, "--protocol", "udp", "--port", "33434"]);
      ok(udp.result.reached, "port unreachable from the target ends a UDP trace");
      deepEqual(udp.result.hops.map((h) => h.address), HOPS4);

      const v6 = await trace(ns.scan, [DST6, "--port", String(OPEN_PORT)]);
      ok(v6.result.reached, JSON.stringify(v6.result));
      deepEqual(v6.result.hops.map((h) => h.address), HOPS6);
      // Neighbour discovery is prompt (no DAD): every hop answers the first burst.
      ok(v6.result.hops.every((h) => h.rttMs! < 500), v6.text);
      const v6icmp = await trace(ns.scan, [DST6]);
      deepEqual(v6icmp.result.hops.map((h) => h.address), HOPS6);

      // A hop limit below the distance: the routers only, not reached.
      const short = await trace(ns.scan, [
        DST,
        "--port",
        "80",
        "--max-hops",
        "2",
        "--timeout",
        "300",
      ]);
      equal(short.result.reached, false);
      deepEqual(short.result.hops.map((h) => h.address), HOPS4.slice(0, 2));

      if (!onPath("nmap")) {
        const why = "nmap is not on PATH: the traceroute oracle cannot run";
        if (Deno.env.get("CI") === "true") throw new Error(why);
        console.warn(`skipping the nmap comparison: ${why}`);
        return;
      }
      const nmap = async (args: string[]) => {
        const r = await run(["ip", "netns", "exec", ns.scan, "nmap", ...args]);
        equal(r.code, 0, r.stderr);
        return r.stdout;
      };
      const synOut = await nmap(["-sS", "-p", String(OPEN_PORT), "--traceroute", "-Pn", "-n", DST]);
      const block = nmapTraceBlock(synOut);
      ok(block.length > 2, `no TRACEROUTE section in nmap output:\n${synOut}`);
      deepEqual(hopAddresses(block), HOPS4, block.join("\n"));
      // Same header and hop addresses as nmap; RTTs differ run to run.
      const ours = tcp.text.split("\n");
      equal(ours[0], block[0]);
      equal(ours[1], block[1]);
      deepEqual(hopAddresses(ours), hopAddresses(block));
      for (
        const [args, mine] of [[["-sn", "-PE", DST], icmp.text], [
          ["-6", "-sn", "-PE", DST6],
          v6icmp.text,
        ]] as const
      ) {
        const b = nmapTraceBlock(await nmap([...args, "--traceroute", "-n"]));
        const m = mine.split("\n");
        equal(m[0], b[0], "ICMP traces name the protocol as nmap does");
        deepEqual(hopAddresses(m), hopAddresses(b));
      }
      // XML: nmap's <trace> element, RTTs aside, is ours.
      const xml = await nmap([
        "-sS",
        "-p",
        String(OPEN_PORT),
        "--traceroute",
        "-Pn",
        "-n",
        "-oX",
        "-",
        DST,
      ]);
      const theirs = /<trace[ >][\s\S]*?<\/trace>/.exec(xml)?.[0];
      ok(theirs, `no <trace> in nmap XML:\n${xml}`);
      const noRtt = (x: string) => x.replace(/ rtt="[0-9.]+"/g, ' rtt="-"');
      equal(noRtt(formatTracerouteXml(tcp.result)), noRtt(theirs));
    } finally {
      await teardown(
        topo,
        names.length > 0
          ? names
          : (await namespaces()).filter((n) => n.startsWith(`${PREFIX}${Deno.pid}x`)),
      );
      const left = (await namespaces()).filter((n) => n.startsWith(`${PREFIX}${Deno.pid}x`));
      deepEqual(left, [], "every namespace of this run is deleted");
    }
  },
});
