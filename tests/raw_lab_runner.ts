/**
 * Runs one raw scan and prints its events as JSON lines: the lab test starts it inside the
 * scanner namespace, since the command line does not dispatch to the raw engine yet.
 *
 * Usage: deno run -A tests/raw_lab_runner.ts <scanType[,udp]> <tcp|udp|both> <ports,comma,separated|1-65535> <target> [-T4] [-Pn]
 *   [--shard I/N --seed S]
 */
import { rawScan } from "../engine/raw/mod.ts";
import { rawTestPlan } from "../engine/raw/plan_for_tests.ts";
import type { RawScanType } from "../engine/raw/technique.ts";

/** Parse "1,2,5-7" into port numbers. */
function parsePorts(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const [a, b] = part.split("-").map(Number);
    for (let p = a; p <= (b ?? a); p++) out.push(p);
  }
  return out;
}

if (import.meta.main) {
  const [scanType, protocol, ports, target, ...flags] = Deno.args;
  const level = flags.find((f) => /^-T\d$/.test(f));
  const types = scanType.split(",") as RawScanType[];
  const shard = flags.indexOf("--shard");
  const seed = flags.indexOf("--seed");
  const [index, count] = shard >= 0 ? flags[shard + 1].split("/").map(Number) : [];
  const plan = await rawTestPlan({
    targets: [target],
    scanType: types.find((t) => t !== "udp") ?? types[0],
    ...(types.length > 1 ? { scanTypes: types } : {}),
    ...(shard >= 0 ? { shard: { index, count } } : {}),
    ...(protocol === "both"
      ? { tcp: parsePorts(ports), udp: parsePorts(ports) }
      : { [protocol === "udp" ? "udp" : "tcp"]: parsePorts(ports) }),
    skipDiscovery: flags.includes("-Pn"),
    options: { timing: level ? Number(level.slice(2)) : 3 },
    ipv6: target.includes(":"),
    seed: seed >= 0 ? Number(flags[seed + 1]) : 7,
  });
  // One write per thousand events: a console.log per line would dominate a -p- run.
  const encoder = new TextEncoder();
  let buffer: string[] = [];
  const flush = () => {
    const bytes = encoder.encode(buffer.join(""));
    for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
    buffer = [];
  };
  for await (const event of rawScan(plan)) {
    buffer.push(JSON.stringify(event) + "\n");
    if (buffer.length >= 1000) flush();
  }
  flush();
}
