import assert from "node:assert/strict";
import {
  describeDiffs,
  diffStates,
  expandPorts,
  median,
  nonClosed,
  parseMasscanList,
  parseNmapXml,
  parseZmapCsv,
  portolanArgv,
  portolanOpenAddresses,
  portolanPorts,
  type PortolanReport,
  roundOrder,
  scanV8Flags,
} from "./common.ts";
import { countSockets } from "./memory.ts";

// The shape nmap 7.93 writes with -oX (trimmed): listed ports, then the folded ones.
const NMAP_XML = `<?xml version="1.0"?>
<nmaprun><host><address addr="198.18.0.10" addrtype="ipv4"/><ports>
<extraports state="closed" count="6">
<extrareasons reason="reset" count="6" proto="tcp" ports="1-3,5,7-8"/>
</extraports>
<port protocol="tcp" portid="4"><state state="open" reason="syn-ack" reason_ttl="64"/></port>
<port protocol="tcp" portid="6"><state state="filtered" reason="no-response" reason_ttl="0"/></port>
</ports></host></nmaprun>`;

Deno.test("expandPorts expands ranges and single ports in order", () => {
  assert.deepEqual(expandPorts("1-3,7,10-11"), [1, 2, 3, 7, 10, 11]);
  assert.deepEqual(expandPorts(""), []);
});

Deno.test("median of odd and even counts; NaN when empty", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("roundOrder rotates the tools each round", () => {
  assert.deepEqual(roundOrder(["a", "b", "c"], 0), ["a", "b", "c"]);
  assert.deepEqual(roundOrder(["a", "b", "c"], 1), ["b", "c", "a"]);
  assert.deepEqual(roundOrder(["a", "b", "c"], 5), ["c", "a", "b"]);
});

Deno.test("parseNmapXml reads listed and folded ports", () => {
  const m = parseNmapXml(NMAP_XML);
  assert.equal(m.size, 8);
  assert.deepEqual(m.get("tcp/4"), { state: "open", reason: "syn-ack" });
  assert.deepEqual(m.get("tcp/6"), { state: "filtered", reason: "no-response" });
  assert.deepEqual(m.get("tcp/8"), { state: "closed", reason: "reset" });
  assert.equal(nonClosed(m), "4 open, 6 filtered");
});

Deno.test("parseNmapXml refuses folded ports it cannot enumerate", () => {
  assert.throws(() => parseNmapXml(NMAP_XML.replace(` ports="1-3,5,7-8"`, "")), /folds ports/);
  assert.throws(() => parseNmapXml(NMAP_XML.replace(`count="6">`, `count="7">`)), /count/);
});

Deno.test("diffStates finds changed and missing ports", () => {
  const a = parseNmapXml(NMAP_XML);
  const b = new Map(a);
  b.set("tcp/6", { state: "open", reason: "syn-ack" });
  b.delete("tcp/2");
  const d = diffStates(a, b);
  assert.deepEqual(d, [
    { key: "tcp/2", a: "closed", b: undefined },
    { key: "tcp/6", a: "filtered", b: "open" },
  ]);
  assert.equal(describeDiffs([], ["x", "y"]), "identical");
  assert.match(describeDiffs(d, ["x", "y"]), /^2 differ: tcp\/2: x closed vs y -/);
  assert.equal(diffStates(a, new Map(a)).length, 0);
});

Deno.test("peer outputs: zmap CSV with header, masscan list", () => {
  assert.deepEqual([...parseZmapCsv("saddr\n198.19.0.16\n198.19.0.32\n\n")], [
    "198.19.0.16",
    "198.19.0.32",
  ]);
  const masscan =
    "#masscan\nopen tcp 80 198.19.0.16 1700000000\nopen tcp 81 198.19.0.32 1\n# end\n";
  assert.deepEqual([...parseMasscanList(masscan, 80)], ["198.19.0.16"]);
});

Deno.test("Portolan report: ports of a host and open addresses", () => {
  const report: PortolanReport = {
    elapsedMs: 1,
    partial: false,
    hostsUp: 2,
    hostsDown: 0,
    hosts: [
      {
        address: "198.19.0.1",
        status: "up",
        ports: [{ protocol: "tcp", port: 80, state: "filtered", reason: "no-response" }],
      },
      {
        address: "198.19.0.16",
        status: "up",
        ports: [{ protocol: "tcp", port: 80, state: "open", reason: "syn-ack" }],
      },
    ],
  };
  assert.deepEqual([...portolanOpenAddresses(report, 80)], ["198.19.0.16"]);
  assert.deepEqual(portolanPorts(report, "198.19.0.16").get("tcp/80"), {
    state: "open",
    reason: "syn-ack",
  });
  assert.equal(portolanPorts(report).get("tcp/80")?.state, "filtered");
});

Deno.test("countSockets sees a network socket and ignores Unix ones", async () => {
  const before = countSockets(Deno.pid);
  const dir = await Deno.makeTempDir();
  const unix = Deno.listen({ transport: "unix", path: `${dir}/s` });
  const tcp = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    assert.equal(countSockets(Deno.pid), before + 1);
  } finally {
    tcp.close();
    unix.close();
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(countSockets(Deno.pid), before);
});

Deno.test("portolanArgv runs main.ts with the V8 flags of deno task scan", () => {
  const argv = portolanArgv(["-p", "80"]);
  const flags = scanV8Flags();
  assert.ok(flags.includes("--max-semi-space-size=4"), flags.join(" "));
  assert.ok(argv.includes(`--v8-flags=${flags.join(",")}`), argv.join(" "));
  assert.deepEqual(argv.slice(-3).slice(1), ["-p", "80"]);
  assert.ok(argv[argv.length - 3].endsWith("main.ts"));
});
