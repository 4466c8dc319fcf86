/**
 * IPv6 neighbour discovery against the network lab: `-6 -sn` over a lab host's ULA address
 * and an address of the same /64 that nobody holds, run with main.ts in the scanner
 * namespace, beside nmap in the same namespace. Both ask by neighbour solicitation on the
 * link, so the verdicts, the reasons and the MAC must agree.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { type Lab, labIgnore, labPrerequisites, startLab } from "./lab/lab.ts";

const missing = labPrerequisites();
const ignore = labIgnore(missing);
const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Inside the lab's fd00:5054::/64, held by no host. */
const ABSENT6 = "fd00:5054::50";

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

/** nmap's host verdicts and MACs, by address, from its XML (-v lists down hosts too). */
async function nmap(lab: Lab, args: string[]): Promise<Map<string, Verdict>> {
  const r = await lab.exec(["nmap", "-n", "-v", "-oX", "-", ...args], { timeoutMs: 120_000 });
  ok(r.success, `nmap ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  const out = new Map<string, Verdict>();
  for (const host of r.stdout.split("<host").slice(1)) {
    const status = /<status state="(\w+)" reason="([\w-]+)"/.exec(host);
    const address = /<address addr="([^"]+)" addrtype="ipv6"/.exec(host);
    const mac = /<address addr="([^"]+)" addrtype="mac"/.exec(host);
    if (status && address) {
      out.set(address[1], {
        status: status[1],
        reason: status[2],
        ...(mac ? { mac: mac[1].toLowerCase() } : {}),
      });
    }
  }
  return out;
}

const reasons = (m: Map<string, Verdict>) =>
  Object.fromEntries([...m].map(([a, v]) => [a, `${v.status} ${v.reason}`]).sort());

Deno.test({
  name: "lab: -6 -sn finds an on-link host by neighbour discovery (nd-response, MAC), as nmap",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (missing) throw new Error(missing);
    const lab = await startLab({ name: "ptl-nd-", hosts: [{ name: "web", tcpOpen: [22] }] });
    try {
      const web = lab.host("web");
      const targets = [web.ipv6, ABSENT6];

      const ours = await portolan(lab, ["-6", "-sn", ...targets]);
      deepEqual(reasons(ours), {
        [web.ipv6]: "up nd-response",
        [ABSENT6]: "down no-response",
      });
      equal(ours.get(web.ipv6)?.mac, web.mac);

      const theirs = await nmap(lab, ["-6", "-sn", ...targets]);
      deepEqual(reasons(ours), reasons(theirs), "nmap -6 -sn in the same namespace");
      equal(theirs.get(web.ipv6)?.mac, web.mac);

      // The same switch as nmap's turns ND off: the host is then found by ICMPv6 echo.
      const echo = await portolan(lab, ["-6", "-sn", "-PE", "--disable-arp-ping", ...targets]);
      deepEqual(reasons(echo), {
        [web.ipv6]: "up echo-reply",
        [ABSENT6]: "down no-response",
      });
      equal(echo.get(web.ipv6)?.mac, undefined, "no MAC without a link-layer answer");
    } finally {
      await lab.close();
    }
  },
});
