/**
 * Guard tests of the network lab: the scanner namespace cannot reach anything
 * outside the lab, every firewall behaviour does what the ground truth says
 * (checked with raw sockets and with nmap as an outside oracle), and the lab
 * cleans up after itself.
 */
import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import {
  expectedState,
  type Lab,
  type LabHost,
  labIgnore,
  labPrerequisites,
  type LabProtocol,
  labPython,
  startLab,
  sweepStaleLabs,
} from "./lab.ts";

const missing = labPrerequisites();
const ignore = labIgnore(missing);

function requireLab(): void {
  if (missing !== undefined) throw new Error(`network lab unavailable: ${missing}`);
}

/**
 * Probes from inside a namespace: each argument "tcp|udp,address,port,timeout"
 * prints one outcome per line: "ok", "timeout" or the errno name.
 */
const PROBE_PY = `
import errno, socket, sys, threading
out = [None] * (len(sys.argv) - 1)
def one(i, spec):
    proto, addr, port, timeout = spec.split(",")
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.settimeout(float(timeout))
    try:
        s.connect((addr, int(port)))
        if proto == "udp":
            s.send(b"ptl")
            s.recv(100)
        out[i] = "ok"
    except socket.timeout:
        out[i] = "timeout"
    except OSError as e:
        out[i] = errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()
# In parallel, so the probes that must time out cost one timeout in all.
threads = [threading.Thread(target=one, args=(i, a)) for i, a in enumerate(sys.argv[1:])]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\\n".join(out))
`;

interface Probe {
  protocol: LabProtocol;
  address: string;
  port: number;
}

async function probe(lab: Lab, probes: Probe[], timeout = 0.5): Promise<string[]> {
  const args = probes.map((p) => `${p.protocol},${p.address},${p.port},${timeout}`);
  const r = await lab.exec([labPython(), "-S", "-c", PROBE_PY, ...args]);
  ok(r.success, `probe script failed: ${r.stderr}`);
  return r.stdout.trim().split("\n");
}

/** The socket outcomes a port's ground truth allows. */
function allowedOutcomes(host: LabHost, p: Probe): string[] {
  const e = expectedState(host, p);
  const reason = p.protocol === "tcp" ? e.connectReason : e.reason;
  if (e.state === "open") return ["ok"];
  if (reason === "no-response") return ["timeout"];
  if (reason === "conn-refused" || reason === "port-unreach") return ["ECONNREFUSED"];
  if (reason === "host-unreach") return ["EHOSTUNREACH"];
  // UDP and ICMP admin-prohibited: EHOSTUNREACH over IPv4, EACCES over IPv6.
  if (reason === "admin-prohibited") return ["EHOSTUNREACH", "EACCES"];
  throw new Error(`no socket outcome for ${JSON.stringify(e)}`);
}

interface NmapPort {
  address: string;
  protocol: string;
  port: number;
  state: string;
  reason: string;
}

function parseNmapXml(xml: string): NmapPort[] {
  const out: NmapPort[] = [];
  for (const host of xml.split("<host ").slice(1)) {
    const address = /<address addr="([^"]+)"/.exec(host)?.[1] ?? "";
    const re = /<port protocol="(\w+)" portid="(\d+)"><state state="([^"]+)" reason="([^"]+)"/g;
    for (const m of host.matchAll(re)) {
      out.push({ address, protocol: m[1], port: Number(m[2]), state: m[3], reason: m[4] });
    }
  }
  return out;
}

const MIXED = {
  name: "mixed",
  tcpOpen: [22, 80],
  tcpDropped: [81],
  tcpRejectedRst: [82],
  tcpRejectedIcmp: [83],
  udpOpen: [53],
  udpDropped: [54],
  udpRejectedIcmp: [55],
  sysctls: { "net.ipv4.ip_default_ttl": "128" },
};
const TCP_PORTS = [22, 80, 81, 82, 83, 84];
const UDP_PORTS = [53, 54, 55, 56];
const SPARSE = {
  name: "sparse",
  anyIp: { cidr: "198.19.0.0/24", tcpPort: 8080, answerEvery: 16 },
};

Deno.test({
  name: "lab: scanner namespace is sealed; sockets and nmap agree with the ground truth",
  ignore,
  async fn() {
    requireLab();
    const lab = await startLab({ hosts: [MIXED, SPARSE] });
    try {
      const mixed = lab.host("mixed");
      const sparse = lab.host("sparse");

      // The guard: nothing outside the lab is routable from the scanner namespace.
      for (const family of ["-4", "-6"]) {
        const r = await lab.exec(["ip", family, "route", "show", "default"]);
        equal(r.stdout.trim(), "", `scanner namespace has a ${family} default route`);
      }
      // ENETUNREACH (not a timeout) is the proof that nothing left: the kernel found no route.
      const outside = await probe(lab, [
        { protocol: "tcp", address: "198.51.100.1", port: 80 },
        { protocol: "tcp", address: "2001:db8::1", port: 80 },
      ], 1);
      deepStrictEqual(outside, ["ENETUNREACH", "ENETUNREACH"]);

      // Raw sockets against every behaviour, both address families, plus AnyIP.
      const probes: [LabHost, Probe][] = [];
      for (const address of [mixed.ipv4, mixed.ipv6]) {
        for (const port of TCP_PORTS) probes.push([mixed, { protocol: "tcp", address, port }]);
        for (const port of UDP_PORTS) probes.push([mixed, { protocol: "udp", address, port }]);
      }
      for (const address of ["198.19.0.0", "198.19.0.16", "198.19.0.17", "198.19.0.255"]) {
        for (const port of [8080, 81]) probes.push([sparse, { protocol: "tcp", address, port }]);
      }
      const outcomes = await probe(lab, probes.map(([, p]) => p));
      probes.forEach(([host, p], i) => {
        const allowed = allowedOutcomes(host, p);
        ok(
          allowed.includes(outcomes[i]),
          `${p.protocol} ${p.address}:${p.port}: got ${outcomes[i]}, want ${allowed.join("|")}`,
        );
      });

      // IPv6 over the ULA works, and per-namespace sysctls take effect.
      const ping6 = await lab.exec(["ping", "-6", "-c", "1", "-W", "1", mixed.ipv6]);
      ok(ping6.success, `ping6 failed: ${ping6.stdout}${ping6.stderr}`);
      const ping4 = await lab.exec(["ping", "-c", "1", "-W", "1", mixed.ipv4]);
      ok(/ttl=128/.test(ping4.stdout), `ip_default_ttl=128 not seen: ${ping4.stdout}`);

      // nmap as the outside oracle (connect scans on both families, a UDP scan).
      const nmap = (args: string[]) =>
        lab.exec([
          "nmap",
          "-n",
          "-Pn",
          "--reason",
          "-T4",
          "--max-retries",
          "1",
          "-oX",
          "-",
          ...args,
        ]);
      const [tcp4, tcp6, udp4] = await Promise.all([
        nmap([
          "-sT",
          "-p",
          [...TCP_PORTS, 8080].join(","),
          mixed.ipv4,
          "198.19.0.16",
          "198.19.0.17",
        ]),
        nmap(["-6", "-sT", "-p", TCP_PORTS.join(","), mixed.ipv6]),
        nmap(["-sU", "-p", UDP_PORTS.join(","), mixed.ipv4]),
      ]);
      const hostOf = (address: string) => sparse.anyIp!.contains(address) ? sparse : mixed;
      const check = (xml: string, expectReason: boolean, count: number) => {
        const ports = parseNmapXml(xml);
        equal(ports.length, count, `nmap reported ${ports.length} ports:\n${xml}`);
        for (const p of ports) {
          const want = expectedState(hostOf(p.address), {
            protocol: p.protocol as LabProtocol,
            port: p.port,
            address: p.address,
          });
          const where = `${p.protocol} ${p.address}:${p.port}`;
          equal(p.state, want.state, `${where}: nmap says ${p.state}, lab says ${want.state}`);
          const reason = p.protocol === "tcp" ? want.connectReason : want.reason;
          if (expectReason) equal(p.reason, reason, `${where}: reason`);
        }
      };
      // nmap's IPv6 connect() reason for ICMPv6 admin-prohibited varies between runs: states only.
      check(tcp4.stdout, true, 3 * (TCP_PORTS.length + 1));
      check(tcp6.stdout, false, TCP_PORTS.length);
      check(udp4.stdout, true, UDP_PORTS.length);
    } finally {
      await lab.close();
    }
  },
});

Deno.test({
  name: "lab: close removes every namespace and process; sweep removes only dead labs",
  ignore,
  async fn() {
    requireLab();
    const lab = await startLab({ hosts: [{ name: "web", tcpOpen: [80] }] });
    const names = [lab.scannerNs, lab.bridgeNs, ...lab.hosts.map((h) => h.netns)];
    const pid = lab.hosts[0].listenerPid;
    const sleeper = lab.spawn(["sleep", "30"], { stdout: "null", stderr: "null" });
    try {
      ok(pid !== undefined, "listener pid recorded");
      ok(await procExists(pid), "listener running");
      ok((await netnsNames()).includes(lab.scannerNs), "scanner namespace created");
    } finally {
      await lab.close();
    }
    await lab.close(); // idempotent
    const after = await netnsNames();
    for (const n of names) ok(!after.includes(n), `namespace ${n} left behind`);
    ok(!(await procExists(pid!)), "listener still running after close");
    ok((await sleeper.status).signal !== null, "spawned process was not killed");

    // A lab of a dead process is swept, one of a live process (ours) is not.
    const pidMax = Number((await Deno.readTextFile("/proc/sys/kernel/pid_max")).trim());
    const dead = `ptl-${pidMax + 1}xdead01-s`;
    const live = `ptl-${Deno.pid}xbeef01-s`;
    await run(["ip", "netns", "add", dead]);
    await run(["ip", "netns", "add", live]);
    try {
      const swept = await sweepStaleLabs("ptl-");
      ok(swept.includes(dead), `stale ${dead} not swept: ${swept}`);
      ok(!swept.includes(live), "a live lab was swept");
      const now = await netnsNames();
      ok(!now.includes(dead) && now.includes(live));
    } finally {
      await run(["ip", "netns", "del", live]).catch(() => {});
      await run(["ip", "netns", "del", dead]).catch(() => {});
    }
  },
});

Deno.test({
  name: "lab: contradictory host specs are refused before anything is built",
  ignore,
  async fn() {
    requireLab();
    await rejects(
      () => startLab({ hosts: [{ name: "x", tcpOpen: [80], tcpDropped: [80] }] }),
      /port 80/,
    );
    await rejects(
      () => startLab({ hosts: [{ name: "x", anyIp: { cidr: "10.0.0.0/8", tcpPort: 80 } }] }),
      /198\.18\.0\.0\/15/,
    );
    await rejects(
      () =>
        startLab({
          hosts: [{ name: "x", anyIp: { cidr: "198.19.0.0/16", tcpPort: 80, answerEvery: 3 } }],
        }),
      /power of two/,
    );
  },
});

async function run(argv: string[]): Promise<void> {
  const r = await new Deno.Command(argv[0], { args: argv.slice(1), stdout: "null" }).output();
  if (!r.success) throw new Error(`${argv.join(" ")} failed`);
}

async function netnsNames(): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir("/run/netns")) names.push(e.name);
  } catch { /* no namespaces at all */ }
  return names;
}

async function procExists(pid: number): Promise<boolean> {
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}
