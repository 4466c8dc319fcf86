/**
 * The raw engine against the network lab: every scan type's port states checked against
 * the lab's ground truth, -sS and -sU also against nmap run in the same namespace, host
 * discovery, and -sS -p- timed against nmap -sS -p- -T4.
 */
import { equal, ok } from "node:assert/strict";
import {
  expectedState,
  type Lab,
  type LabHost,
  labIgnore,
  labPrerequisites,
  startLab,
} from "./lab/lab.ts";
import type { ScanEvent } from "../engine/events.ts";

const missing = labPrerequisites();
const ignore = labIgnore(missing);
const RUNNER = new URL("./raw_lab_runner.ts", import.meta.url).pathname;

const TCP_PORTS = [22, 80, 81, 82, 83, 84];
const UDP_PORTS = [53, 54, 55, 56];

function nmapPath(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      Deno.statSync(`${dir}/nmap`);
      return `${dir}/nmap`;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function scan(lab: Lab, args: string[]): Promise<{ events: ScanEvent[]; ms: number }> {
  const start = performance.now();
  const r = await lab.exec([Deno.execPath(), "run", "--allow-all", RUNNER, ...args], {
    timeoutMs: 120_000,
  });
  const ms = performance.now() - start;
  ok(r.success, `runner failed (${r.code}): ${r.stderr}`);
  const events = r.stdout.trim().split("\n").filter((l) => l).map((l) => JSON.parse(l));
  return { events, ms };
}

function portStates(events: ScanEvent[]): Map<number, { state: string; reason: string }> {
  const out = new Map<number, { state: string; reason: string }>();
  for (const e of events) {
    if (e.type === "port") out.set(e.port, { state: e.state, reason: e.reason });
  }
  return out;
}

/** What a technique reports for a lab port, from the -sS ground truth. */
function expectedFor(
  host: LabHost,
  scanType: string,
  port: number,
): { state: string; reason: string } {
  const truth = expectedState(host, { protocol: scanType === "udp" ? "udp" : "tcp", port });
  if (scanType === "syn" || scanType === "udp") return truth;
  const silent = truth.reason === "no-response" || truth.state === "open";
  const icmp = truth.state === "filtered" && truth.reason !== "no-response";
  if (icmp) return { state: "filtered", reason: truth.reason };
  switch (scanType) {
    case "ack":
      return truth.reason === "no-response"
        ? { state: "filtered", reason: "no-response" }
        : { state: "unfiltered", reason: "reset" };
    case "window":
      // Linux resets carry a zero window: every reachable port reads closed.
      return truth.reason === "no-response"
        ? { state: "filtered", reason: "no-response" }
        : { state: "closed", reason: "reset" };
    default: // fin, null, xmas: a listener stays silent, so does a drop
      return silent
        ? { state: "open|filtered", reason: "no-response" }
        : { state: "closed", reason: "reset" };
  }
}

async function nmapStates(
  lab: Lab,
  args: string[],
): Promise<{ states: Map<number, string>; ms: number }> {
  const start = performance.now();
  const r = await lab.exec([nmapPath()!, "-n", "-Pn", "-oX", "-", ...args], { timeoutMs: 300_000 });
  const ms = performance.now() - start;
  ok(r.success, `nmap failed: ${r.stderr}`);
  const states = new Map<number, string>();
  for (
    const m of r.stdout.matchAll(/<port protocol="\w+" portid="(\d+)"><state state="([^"]+)"/g)
  ) {
    states.set(Number(m[1]), m[2]);
  }
  return { states, ms };
}

Deno.test({
  name: "raw engine: every scan type matches the lab's ground truth (IPv4 and IPv6)",
  ignore,
  sanitizeResources: false,
  async fn() {
    if (missing) throw new Error(`network lab unavailable: ${missing}`);
    const lab = await startLab({
      name: "ptlraw-",
      hosts: [{
        name: "t",
        tcpOpen: [22, 80],
        tcpDropped: [81],
        tcpRejectedRst: [82],
        tcpRejectedIcmp: [83],
        udpOpen: [53],
        udpDropped: [54],
        udpRejectedIcmp: [55],
      }],
    });
    try {
      const host = lab.host("t");
      const types = ["syn", "ack", "fin", "null", "xmas", "window", "udp"];
      const runs = await Promise.all(types.map((t) => {
        const ports = (t === "udp" ? UDP_PORTS : TCP_PORTS).join(",");
        return scan(lab, [t, t === "udp" ? "udp" : "tcp", ports, host.ipv4, "-T4", "-Pn"]);
      }));
      types.forEach((t, i) => {
        const got = portStates(runs[i].events);
        for (const port of t === "udp" ? UDP_PORTS : TCP_PORTS) {
          const want = expectedFor(host, t, port);
          const have = got.get(port);
          equal(
            `${t} ${port} ${have?.state} ${have?.reason}`,
            `${t} ${port} ${want.state} ${want.reason}`,
          );
        }
        const end = runs[i].events.at(-1);
        ok(end?.type === "end" && !end.partial, `${t}: scan ended normally`);
      });

      // IPv6: the same answers from the host's ULA address.
      const v6 = await scan(lab, ["syn", "tcp", TCP_PORTS.join(","), host.ipv6, "-T4", "-Pn"]);
      const got6 = portStates(v6.events);
      for (const port of TCP_PORTS) {
        const want = expectedState(host, { protocol: "tcp", port, address: host.ipv6 });
        equal(
          `${port} ${got6.get(port)?.state} ${got6.get(port)?.reason}`,
          `${port} ${want.state} ${want.reason}`,
        );
      }

      // Discovery: on the lab's Ethernet bridge the host answers ARP (with its MAC); an
      // unused lab address does not. Over IPv6 the IP probes are used.
      const up = await scan(lab, ["syn", "tcp", "22", host.ipv4, "-T4"]);
      const hostEvent = up.events.find((e) => e.type === "host");
      ok(hostEvent?.type === "host" && hostEvent.status === "up", "lab host is up");
      equal(hostEvent.reason, "arp-response");
      equal(hostEvent.mac, lab.gatewayMac(host));
      equal(portStates(up.events).get(22)?.state, "open");
      const down = await scan(lab, ["syn", "tcp", "22", "198.18.0.200", "-T4"]);
      const downEvent = down.events.find((e) => e.type === "host");
      ok(downEvent?.type === "host" && downEvent.status === "down", "absent address is down");
      equal(downEvent.reason, "no-response");
      equal(portStates(down.events).size, 0, "a down host is not port scanned");
      const up6 = await scan(lab, ["syn", "tcp", "22", host.ipv6, "-T4"]);
      const host6 = up6.events.find((e) => e.type === "host");
      ok(host6?.type === "host" && host6.status === "up", "lab host is up over IPv6");
      // On the link, IPv6 hosts are found by neighbour discovery, as IPv4 ones by ARP.
      equal(host6.reason, "nd-response");
      equal(host6.mac, lab.gatewayMac(host));

      // -sS -sU in one run: each protocol as its own technique reports it.
      const both = await scan(lab, [
        "syn,udp",
        "both",
        [...TCP_PORTS, ...UDP_PORTS].join(","),
        host.ipv4,
        "-T4",
        "-Pn",
      ]);
      for (const protocol of ["tcp", "udp"] as const) {
        for (const port of [...TCP_PORTS, ...UDP_PORTS]) {
          const e = both.events.find((x) =>
            x.type === "port" && x.protocol === protocol && x.port === port
          );
          const want = expectedState(host, { protocol, port });
          equal(
            `${protocol}/${port} ${e?.type === "port" ? `${e.state} ${e.reason}` : "missing"}`,
            `${protocol}/${port} ${want.state} ${want.reason}`,
          );
        }
      }

      if (nmapPath()) {
        const [s, u] = await Promise.all([
          nmapStates(lab, ["-sS", "-T4", "-p", TCP_PORTS.join(","), host.ipv4]),
          nmapStates(lab, ["-sU", "-T4", "-p", UDP_PORTS.join(","), host.ipv4]),
        ]);
        const ours = portStates(runs[0].events);
        for (const port of TCP_PORTS) {
          equal(`syn ${port} ${ours.get(port)?.state}`, `syn ${port} ${s.states.get(port)}`);
        }
        const oursU = portStates(runs[6].events);
        for (const port of UDP_PORTS) {
          equal(`udp ${port} ${oursU.get(port)?.state}`, `udp ${port} ${u.states.get(port)}`);
        }
      } else {
        console.warn("nmap not installed: oracle comparison skipped");
      }
    } finally {
      await lab.close();
    }
  },
});

Deno.test({
  name: "raw engine: -sS -p- of a lab host gives the same port states as nmap",
  ignore: ignore || nmapPath() === undefined,
  sanitizeResources: false,
  async fn() {
    if (missing) throw new Error(`network lab unavailable: ${missing}`);
    const lab = await startLab({
      name: "ptlraw-",
      hosts: [{
        name: "t",
        tcpOpen: [22, 8080, 40000],
        tcpDropped: [81, 60000],
        tcpRejectedIcmp: [83],
      }],
    });
    try {
      const host = lab.host("t");
      const ours = await scan(lab, ["syn", "tcp", "1-65535", host.ipv4, "-T4", "-Pn"]);
      const theirs = await nmapStates(lab, ["-sS", "-T4", "-p-", host.ipv4]);
      const got = portStates(ours.events);
      equal(got.size, 65535);
      const notClosed = [...got].filter(([, v]) => v.state !== "closed").map(([p, v]) =>
        `${p}/${v.state}`
      );
      equal(
        notClosed.sort().join(" "),
        ["22/open", "40000/open", "8080/open", "60000/filtered", "81/filtered", "83/filtered"]
          .sort().join(" "),
      );
      const nmapNotClosed = [...theirs.states].map(([p, s]) => `${p}/${s}`);
      equal(nmapNotClosed.sort().join(" "), notClosed.sort().join(" "), "same answers as nmap");
      console.log(
        `-sS -p- one lab host: portolan ${ours.ms.toFixed(0)} ms, nmap -T4 ${
          theirs.ms.toFixed(0)
        } ms`,
      );
      // Speed is measured side by side in bench/ (deno task bench raw), not asserted here.
    } finally {
      await lab.close();
    }
  },
});
