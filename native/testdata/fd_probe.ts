/**
 * Run by native/connect_test.ts in a process of its own, because `deno test --parallel` runs
 * other test modules in the same process and their descriptors would blur a count.
 * Prints JSON: descriptor counts around a timed-out connect and around a connect scan.
 */
import { ConnectReactor } from "../connect.ts";
import { connectScan } from "../../engine/connect.ts";
import { defaultOptions } from "../../cli/options.ts";
import { timingPlan } from "../../engine/timing.ts";
import type { ScanPlan } from "../../engine/plan_types.ts";

const [silentPort, basePort] = Deno.args.map(Number);
const fds = () => [...Deno.readDirSync("/proc/self/fd")].length;

const beforeTimeout = fds();
const reactor = new ConnectReactor();
const result = await reactor.connect("127.0.0.1", silentPort, 300);
reactor.close();
const afterTimeout = fds();

const plan: ScanPlan = {
  targets: { size: 1, at: () => ({ address: "127.0.0.1", family: 4 }) },
  ports: { tcp: Array.from({ length: 300 }, (_, i) => basePort + i), udp: [] },
  scanType: "connect",
  skipDiscovery: true,
  timing: timingPlan(defaultOptions()),
  seed: 7,
  sequentialPorts: false,
  resolve: "never",
};
const beforeScan = fds();
let ports = 0;
for await (const event of connectScan(plan)) if (event.type === "port") ports++;
const afterScan = fds();
console.log(JSON.stringify({ result, beforeTimeout, afterTimeout, beforeScan, afterScan, ports }));
