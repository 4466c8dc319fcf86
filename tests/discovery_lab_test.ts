/**
 * Host discovery (`-sn` and the `-P*` probes) against the network lab, with Portolan and
 * nmap run in the same scanner namespace: two lab hosts plus addresses nobody holds, and for
 * every probe type the up/down verdicts (and, over IPv4, the reasons) must agree.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { type Lab, labIgnore, labPrerequisites, startLab } from "./lab/lab.ts";

const missing = labPrerequisites();
const ignore = labIgnore(missing);
const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Lab addresses with no host behind them (inside the lab's /24 and /64). */
const ABSENT4 = ["198.18.0.50", "198.18.0.51"];
const ABSENT6 = ["fd00:5054::50"];

interface Verdict {
  status: string;
  reason: string;
  mac?: string;
}

/** Portolan's host verdicts, by address, from its event stream. */
async function portolan(lab: Lab, args: string[]): Promise<Map<string, Verdict>> {
  const r = await lab.exec(
    [Deno.execPath(), "run", "--allow-all", MAIN, "-n", "--json-lines", "-", ...args],
    { timeoutMs: 60_000 },
  );
  ok(r.success, `portolan ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  const out = new Map<string, Verdict>();
  for (const line of r.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const e = JSON.parse(line);
    if (e.type === "port") throw new Error(`-sn scanned a port: ${line}`);
    if (e.type === "host") {
      out.set(e.address, { status: e.status, reason: e.reason, ...(e.mac ? { mac: e.mac } : {}) });
    }
  }
  return out;
}

/** nmap's host verdicts, by address, from its XML (down hosts need -v to be listed). */
async function nmap(lab: Lab, args: string[]): Promise<Map<string, Verdict>> {
  const r = await lab.exec(["nmap", "-n", "-v", "-oX", "-", ...args], { timeoutMs: 120_000 });
  ok(r.success, `nmap ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  const out = new Map<string, Verdict>();
  for (const host of r.stdout.split("<host").slice(1)) {
    const status = /<status state="(\w+)" reason="([\w-]+)"/.exec(host);
    const address = /<address addr="([^"]+)" addrtype="ipv[46]"/.exec(host);
    if (status && address) out.set(address[1], { status: status[1], reason: status[2] });
  }
  return out;
}

const statuses = (m: Map<string, Verdict>) =>
  Object.fromEntries([...m].map(([a, v]) => [a, v.status]).sort());
const reasons = (m: Map<string, Verdict>) =>
  Object.fromEntries([...m].map(([a, v]) => [a, `${v.status} ${v.reason}`]).sort());

Deno.test({
  name: "lab: -sn and -PS/-PA/-PU/-PE find the same hosts as nmap, for the same reasons",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (missing) throw new Error(missing);
    const lab = await startLab({
      name: "ptl-disc-",
      hosts: [
        { name: "web", tcpOpen: [22] },
        { name: "bare" },
      ],
    });
    try {
      const web = lab.host("web");
      const bare = lab.host("bare");
      const v4 = [web.ipv4, bare.ipv4, ...ABSENT4];
      const down = (reason: string) => Object.fromEntries(ABSENT4.map((a) => [a, reason]));

      // Default discovery on the LAN: ARP, with the MAC of each host that answered.
      const arp = await portolan(lab, ["-sn", ...v4]);
      deepEqual(reasons(arp), {
        [web.ipv4]: "up arp-response",
        [bare.ipv4]: "up arp-response",
        ...down("down no-response"),
      });
      equal(arp.get(web.ipv4)?.mac, web.mac);
      equal(arp.get(bare.ipv4)?.mac, bare.mac);
      deepEqual(reasons(arp), reasons(await nmap(lab, ["-sn", ...v4])));

      // Named probes without ARP: each answer type, and nmap's verdicts beside ours.
      const cases: [string[], Record<string, string>][] = [
        [["-PS22"], { [web.ipv4]: "up syn-ack", [bare.ipv4]: "up reset" }],
        [["-PA80"], { [web.ipv4]: "up reset", [bare.ipv4]: "up reset" }],
        [["-PU40125"], { [web.ipv4]: "up port-unreach", [bare.ipv4]: "up port-unreach" }],
        [["-PE"], { [web.ipv4]: "up echo-reply", [bare.ipv4]: "up echo-reply" }],
        [["-PP"], { [web.ipv4]: "up timestamp-reply", [bare.ipv4]: "up timestamp-reply" }],
      ];
      for (const [probe, expected] of cases) {
        const args = ["-sn", ...probe, "--disable-arp-ping", ...v4];
        const ours = await portolan(lab, args);
        deepEqual(reasons(ours), { ...expected, ...down("down no-response") }, probe.join(" "));
        deepEqual(reasons(ours), reasons(await nmap(lab, args)), `nmap ${probe.join(" ")}`);
      }

      // IPv6 on the same link, with neighbour discovery off (tests/nd_lab_test.ts covers it):
      // ICMPv6 echo and SYN, and nmap's up/down verdicts beside ours.
      const v6 = [web.ipv6, bare.ipv6, ...ABSENT6];
      const echo6 = await portolan(lab, ["-6", "-sn", "-PE", "--disable-arp-ping", ...v6]);
      deepEqual(reasons(echo6), {
        [web.ipv6]: "up echo-reply",
        [bare.ipv6]: "up echo-reply",
        [ABSENT6[0]]: "down no-response",
      });
      deepEqual(
        statuses(echo6),
        statuses(await nmap(lab, ["-6", "-sn", "-PE", "--disable-arp-ping", ...v6])),
      );
      const syn6 = await portolan(lab, ["-6", "-sn", "-PS22", "--disable-arp-ping", ...v6]);
      deepEqual(reasons(syn6), {
        [web.ipv6]: "up syn-ack",
        [bare.ipv6]: "up reset",
        [ABSENT6[0]]: "down no-response",
      });
    } finally {
      await lab.close();
    }
  },
});
