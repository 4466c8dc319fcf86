/**
 * service: `-sV` of real services (Debian packages) on one lab host, Portolan against nmap.
 * The host runs nginx (HTTP and TLS), OpenSSH, Redis, memcached, PostgreSQL, vsftpd, dnsmasq
 * (TCP and UDP DNS) and Net-SNMP (bench/service_lab.ts). Both tools get the same ports and
 * flags; what each identified is put side by side per port, with what the package itself says
 * its version is, and the median wall times are compared.
 *
 * Acceptance (issue "Service and version detection"): Portolan gives the same product and
 * version wherever nmap gives one, is specific on at least one port where nmap is vague, and
 * takes no longer than nmap.
 *
 * @module
 */
import { startLab } from "../tests/lab/lab.ts";
import {
  type BenchResult,
  benchRounds,
  EgressWatch,
  median,
  portolanArgv,
  type PortolanReport,
  roundOrder,
  seconds,
  timedLabRun,
  verdict,
} from "./common.ts";
import {
  SERVICE_TCP_PORTS,
  SERVICE_UDP_PORTS,
  serviceVersions,
  startServices,
} from "./service_lab.ts";

/** What one tool identified on one port. */
export interface Identified {
  /** Port state ("open", ...). */
  state: string;
  /** Service name, "ssl/" prefixed inside TLS. */
  name?: string;
  product?: string;
  version?: string;
  extraInfo?: string;
}

/** Identifications keyed "21/tcp", "161/udp". */
export type Identifications = Map<string, Identified>;

/** How Portolan's answer on one port compares with nmap's. */
export interface Agreement {
  /** Same service, product and version information. */
  agree: boolean;
  /** One line for the table: "same", "same, split: ...", or what differs. */
  note: string;
}

function unescapeXml(s: string): string {
  return s.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">")
    .replaceAll("&apos;", "'").replaceAll("&amp;", "&");
}

/** Every port's state and `<service>` of the first host in an nmap XML report (`-oX`). */
export function parseNmapServices(xml: string): Identifications {
  const out: Identifications = new Map();
  for (const m of xml.matchAll(/<port protocol="(\w+)" portid="(\d+)">([\s\S]*?)<\/port>/g)) {
    const attrs = new Map<string, string>();
    const svc = /<service ([^>]*?)\/?>/.exec(m[3]);
    for (const a of svc?.[1].matchAll(/(\w+)="([^"]*)"/g) ?? []) {
      attrs.set(a[1], unescapeXml(a[2]));
    }
    const tunnel = attrs.get("tunnel");
    const name = attrs.get("name");
    out.set(`${m[2]}/${m[1]}`, {
      state: /<state state="([^"]*)"/.exec(m[3])?.[1] ?? "?",
      name: name !== undefined && tunnel !== undefined ? `${tunnel}/${name}` : name,
      product: attrs.get("product"),
      version: attrs.get("version"),
      extraInfo: attrs.get("extrainfo"),
    });
  }
  return out;
}

/** A Portolan JSON report port with version detection's findings (docs/json-schema.md). */
interface ServicePort {
  protocol: string;
  port: number;
  state: string;
  service?: string;
  serviceInfo?: { name: string; product?: string; version?: string; extraInfo?: string };
}

/** Every port's state and identification of the first host of a Portolan JSON report. */
export function portolanServices(report: PortolanReport): Identifications {
  const out: Identifications = new Map();
  for (const p of (report.hosts[0]?.ports ?? []) as ServicePort[]) {
    const s = p.serviceInfo;
    out.set(`${p.port}/${p.protocol}`, {
      state: p.state,
      name: s?.name,
      product: s?.product,
      version: s?.version,
      extraInfo: s?.extraInfo,
    });
  }
  return out;
}

/** "ssh OpenSSH 9.2p1 (Debian 2+deb12u10; protocol 2.0)", or "-" when nothing was found. */
export function describe(id: Identified | undefined, withExtra = true): string {
  if (id === undefined) return "-";
  const extra = withExtra && id.extraInfo ? `(${id.extraInfo})` : "";
  const text = [id.name, id.product, id.version, extra].filter((x) => x).join(" ");
  return text === "" ? `(${id.state}, no service)` : text;
}

/** Lower-case, with separators other than dots folded to single spaces. */
function norm(s: string): string {
  return s.toLowerCase().replace(/[;,()\s]+/g, " ").trim();
}

/**
 * Equal products, ignoring case, or one naming the other as a whole word: nmap joins several
 * products in one string ("SNMPv1 server; net-snmp SNMPv3 server").
 */
function sameProduct(ours: string | undefined, theirs: string): boolean {
  if (ours === undefined) return false;
  const [a, b] = [norm(ours), norm(theirs)];
  const within = (x: string, y: string) => ` ${y} `.includes(` ${x} `);
  return a === b || within(a, b) || within(b, a);
}

/**
 * A version that names one release ("9.2p1 Debian 2+deb12u10", "1.22.1"), not a bound or a
 * range ("9.6.0 or later", "2.0 - 3.1", "5.X").
 */
export function isExactVersion(version: string | undefined): boolean {
  if (version === undefined) return false;
  return /^\d/.test(version) && !/\bor (?:later|earlier)\b|\s-\s|\bx\b|\*/i.test(version);
}

/**
 * Compare Portolan's identification with nmap's. Service names must be equal, products the
 * same (see {@link sameProduct}) and nmap's version Portolan's, where nmap has them. nmap folds a distribution's package
 * revision into the version ("9.2p1 Debian 2+deb12u10") and puts a version bound there
 * ("9.6.0 or later"), where Portolan keeps the upstream version and puts the rest in its extra
 * information: that is the same information, reported as "same, split".
 */
export function compareIdentified(
  ours: Identified | undefined,
  theirs: Identified | undefined,
): Agreement {
  if (theirs === undefined || theirs.name === undefined) {
    return { agree: true, note: "nmap: no service" };
  }
  if (ours === undefined || ours.name === undefined) {
    return { agree: false, note: "portolan: no service" };
  }
  if (ours.name !== theirs.name) {
    return { agree: false, note: `service ${ours.name} vs ${theirs.name}` };
  }
  if (theirs.product !== undefined && !sameProduct(ours.product, theirs.product)) {
    return { agree: false, note: `product "${ours.product ?? ""}" vs "${theirs.product}"` };
  }
  if (theirs.version === undefined || ours.version === theirs.version) {
    return { agree: true, note: "same" };
  }
  const extra = norm(ours.extraInfo ?? "");
  const v = norm(theirs.version);
  if (ours.version !== undefined && v.startsWith(norm(ours.version) + " ")) {
    const rest = v.slice(norm(ours.version).length).trim();
    if (extra.includes(rest)) {
      return { agree: true, note: `same, split: nmap's "${rest}" is in our extra info` };
    }
  }
  if (ours.version === undefined && !isExactVersion(theirs.version) && extra.includes(v)) {
    return { agree: true, note: `same, split: nmap's version "${v}" is our extra info` };
  }
  return { agree: false, note: `version "${ours.version ?? ""}" vs "${theirs.version}"` };
}

/**
 * True when Portolan is specific where nmap is vague: an exact version where nmap has none
 * (or only a bound), or a product where nmap has none.
 */
export function moreSpecific(ours: Identified | undefined, theirs: Identified | undefined) {
  if (ours === undefined) return false;
  if (isExactVersion(ours.version) && !isExactVersion(theirs?.version)) return true;
  return ours.product !== undefined && theirs?.product === undefined;
}

/** One invocation of each tool: a scan type and its port list. */
interface Invocation {
  label: string;
  /** Scan-type flags, the same for both tools. */
  scan: string[];
  ports: string;
}

interface ToolRun {
  ms: number;
  /** Portolan's own `elapsedMs`, summed over the invocations. */
  selfMs: number;
  ids: Identifications;
  frames: number;
}

/** Run the service benchmark (root, the lab, nmap and the service packages needed). */
export async function serviceBench(): Promise<BenchResult> {
  const rounds = benchRounds();
  const tcp = SERVICE_TCP_PORTS.join(",");
  const udp = SERVICE_UDP_PORTS.join(",");
  console.log(
    `\n## service: -sV -Pn -n of real services on one lab host (TCP ${tcp}; UDP ${udp}), ` +
      `portolan vs nmap`,
  );
  const dir = await Deno.makeTempDir({ prefix: "ptl-bench-" });
  const lab = await startLab({ name: "ptlb-", hosts: [{ name: "svc" }] });
  try {
    const addr = lab.host("svc").ipv4;
    // The services run as their own users (postgres, nobody): they must reach their dirs.
    await Deno.chmod(dir, 0o755);
    await Deno.mkdir(`${dir}/svc`);
    await startServices(lab, "svc", { dir: `${dir}/svc` });
    const truth = await serviceVersions();
    const watch = await EgressWatch.install(lab);
    const jsonFile = `${dir}/portolan.json`;
    const xmlFile = `${dir}/nmap.xml`;

    const runPortolan = async (inv: Invocation, ports = inv.ports) => {
      const args = [...inv.scan, "-sV", "-Pn", "-n", "-p", ports, "-oJ", jsonFile, addr];
      const r = await timedLabRun(lab, portolanArgv(args));
      const report = JSON.parse(await Deno.readTextFile(jsonFile)) as PortolanReport;
      if (report.partial) throw new Error("portolan report is partial");
      return { ms: r.ms, selfMs: report.elapsedMs, ids: portolanServices(report) };
    };
    const runNmap = async (inv: Invocation, ports = inv.ports) => {
      const args = [...inv.scan, "-sV", "-Pn", "-n", "-p", ports, "-oX", xmlFile, addr];
      const r = await timedLabRun(lab, ["nmap", ...args]);
      return { ms: r.ms, selfMs: 0, ids: parseNmapServices(await Deno.readTextFile(xmlFile)) };
    };

    // One invocation with -sS -sU when Portolan takes it; otherwise TCP and UDP separately for
    // both tools, times summed. This first run also loads Portolan's modules into Deno's cache.
    const both: Invocation = { label: "tcp+udp", scan: ["-sS", "-sU"], ports: `T:${tcp},U:${udp}` };
    let invocations = [both];
    try {
      await runPortolan(both);
      console.log("mode: one invocation per tool, -sS -sU -sV");
    } catch (error) {
      invocations = [
        { label: "tcp", scan: [], ports: tcp },
        { label: "udp", scan: ["-sU"], ports: `U:${udp}` },
      ];
      const why = error instanceof Error ? error.message.split("\n").at(-1) : String(error);
      console.log(
        `mode: portolan failed with -sS -sU (${why?.slice(-120)}); both tools run TCP ` +
          `(-sV) and UDP (-sU -sV) as two invocations, times summed`,
      );
      await runPortolan(invocations[0]);
    }

    const runs: Record<string, ToolRun[]> = { portolan: [], nmap: [] };
    for (let i = 0; i < rounds; i++) {
      for (const tool of roundOrder(["portolan", "nmap"], i)) {
        const before = await watch.read();
        const run: ToolRun = { ms: 0, selfMs: 0, ids: new Map(), frames: 0 };
        for (const inv of invocations) {
          const r = tool === "portolan" ? await runPortolan(inv) : await runNmap(inv);
          run.ms += r.ms;
          run.selfMs += r.selfMs;
          for (const [k, v] of r.ids) run.ids.set(k, v);
        }
        run.frames = (await watch.read()).inLab - before.inLab;
        runs[tool].push(run);
        console.log(`  round ${i + 1} ${tool.padEnd(8)} ${seconds(run.ms)}, ${run.frames} frames`);
      }
    }

    // Where the time goes: each port alone, once per tool.
    const perPort: { key: string; portolan: number; nmap: number }[] = [];
    for (const inv of invocations) {
      const keys = inv.label === "udp" ? SERVICE_UDP_PORTS.map((p) => `${p}/udp`) : [
        ...SERVICE_TCP_PORTS.map((p) => `${p}/tcp`),
        ...(inv.label === "tcp+udp" ? SERVICE_UDP_PORTS.map((p) => `${p}/udp`) : []),
      ];
      for (const key of keys) {
        const [port, proto] = key.split("/");
        const ports = `${proto === "udp" ? "U" : "T"}:${port}`;
        const scan = proto === "udp" ? ["-sU"] : inv.scan.filter((f) => f !== "-sU");
        const one = { label: key, scan, ports };
        const p = await runPortolan(one, ports);
        const n = await runNmap(one, ports);
        perPort.push({ key, portolan: p.ms, nmap: n.ms });
      }
    }
    const egress = await watch.read();

    const lines: string[] = [];
    const say = (line: string) => {
      console.log(line);
      lines.push(line);
    };
    const ours = runs.portolan[0].ids;
    const theirs = runs.nmap[0].ids;
    const keys = [
      ...SERVICE_TCP_PORTS.map((p) => `${p}/tcp`),
      ...SERVICE_UDP_PORTS.map((p) => `${p}/udp`),
    ];
    const packageOf: Record<string, string> = {
      "21/tcp": `vsftpd ${truth.vsftpd}`,
      "22/tcp": `openssh-server ${truth.openssh}`,
      "53/tcp": `dnsmasq ${truth.dnsmasq}`,
      "80/tcp": `nginx ${truth.nginx}`,
      "443/tcp": `nginx ${truth.nginx}`,
      "5432/tcp": `postgresql ${truth.postgresql}`,
      "6379/tcp": `redis ${truth.redis}`,
      "11211/tcp": `memcached ${truth.memcached}`,
      "16379/tcp": `redis ${truth.redis}`,
      "53/udp": `dnsmasq ${truth.dnsmasq}`,
      "161/udp": `net-snmp ${truth.snmpd}`,
    };
    console.log("\n| port | portolan | nmap | package | agree? | portolan more specific? |");
    console.log("| ---- | -------- | ---- | ------- | ------ | ----------------------- |");
    const disagree: string[] = [];
    const specific: string[] = [];
    let nmapVersions = 0;
    for (const key of keys) {
      const a = compareIdentified(ours.get(key), theirs.get(key));
      const more = moreSpecific(ours.get(key), theirs.get(key));
      if (!a.agree) disagree.push(`${key} (${a.note})`);
      if (more) specific.push(key);
      if (theirs.get(key)?.version !== undefined) nmapVersions++;
      console.log(
        `| ${key} | ${describe(ours.get(key))} | ${describe(theirs.get(key))} | ` +
          `${packageOf[key]} | ${a.agree ? "yes" : "**no**"}: ${a.note} | ${more ? "yes" : ""} |`,
      );
    }
    // nmap's extra info carries changing values (memcached uptime): compare without it.
    const stable = (tool: string) =>
      runs[tool].every((r) =>
        keys.every((k) =>
          describe(r.ids.get(k), false) === describe(runs[tool][0].ids.get(k), false)
        )
      );
    say(
      `identifications the same in every round: portolan ${stable("portolan") ? "yes" : "NO"}, ` +
        `nmap ${stable("nmap") ? "yes" : "NO"}`,
    );
    say(
      `same service, product and version as nmap on ${
        keys.length - disagree.length
      }/${keys.length} ` +
        `ports (nmap gives a version on ${nmapVersions}): ${verdict(disagree.length === 0)}` +
        (disagree.length > 0 ? `; differs on ${disagree.join(", ")}` : ""),
    );
    say(
      `specific where nmap is vague (exact version or product nmap lacks): ` +
        `${specific.length > 0 ? specific.join(", ") : "none"}: ${verdict(specific.length > 0)}`,
    );
    const p = median(runs.portolan.map((r) => r.ms));
    const n = median(runs.nmap.map((r) => r.ms));
    const ratio = p / n;
    say(
      `median wall time over ${rounds} rounds (${invocations.map((i) => i.label).join(" + ")}): ` +
        `portolan ${seconds(p)}, nmap ${seconds(n)}; time ratio portolan/nmap ` +
        `${ratio.toFixed(2)} (target <= 1: ${verdict(ratio <= 1)})`,
    );
    say(
      `portolan's own elapsed time (report elapsedMs), median: ${
        seconds(median(runs.portolan.map((r) => r.selfMs)))
      }`,
    );
    console.log("\nsingle-port runs (one each, wall time):");
    console.log("| port | portolan | nmap |");
    console.log("| ---- | -------- | ---- |");
    for (const r of perPort) {
      console.log(`| ${r.key} | ${seconds(r.portolan)} | ${seconds(r.nmap)} |`);
    }
    const slowest = (tool: "portolan" | "nmap") =>
      perPort.reduce((a, b) => (b[tool] > a[tool] ? b : a));
    say(
      `slowest single port: portolan ${slowest("portolan").key} ${
        seconds(slowest("portolan").portolan)
      }, nmap ${slowest("nmap").key} ${seconds(slowest("nmap").nmap)}`,
    );
    const pf = median(runs.portolan.map((r) => r.frames));
    const nf = median(runs.nmap.map((r) => r.frames));
    say(`median frames sent: portolan ${pf}, nmap ${nf}; ratio ${(pf / nf).toFixed(2)}`);
    say(
      `frames from the scanner namespace, whole benchmark: to lab addresses ${egress.inLab}, ` +
        `to anything else ${egress.outside}${egress.outside === 0 ? "" : " (LEAK)"}`,
    );
    return { name: "service", lines };
  } finally {
    await lab.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
