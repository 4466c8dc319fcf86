/**
 * Runs version detection on the targets given as arguments and prints one JSON result per
 * line (NDJSON): `deno run -A tests/service_runner.ts [--intensity N] [--timeout MS] addr:port/proto...`.
 * The lab test runs it inside the scanner namespace.
 *
 * @module
 */
import { detectServices, type ServiceTarget } from "../probes/service/mod.ts";

/** Parse "198.18.0.10:80/tcp" or "[fd00::1]:53/udp". */
export function parseTarget(spec: string): ServiceTarget {
  const m = /^\[?([^\]]+?)\]?:(\d+)\/(tcp|udp)$/.exec(spec);
  if (m === null) throw new Error(`bad target ${spec}: want address:port/tcp|udp`);
  return { address: m[1], port: Number(m[2]), protocol: m[3] as "tcp" | "udp" };
}

if (import.meta.main) {
  const args = [...Deno.args];
  let intensity: number | undefined;
  let timeoutMs: number | undefined;
  const targets: ServiceTarget[] = [];
  while (args.length > 0) {
    const a = args.shift()!;
    if (a === "--intensity") intensity = Number(args.shift());
    else if (a === "--timeout") timeoutMs = Number(args.shift());
    else targets.push(parseTarget(a));
  }
  for await (const r of detectServices(targets, { intensity, timeoutMs })) {
    console.log(JSON.stringify(r));
  }
}
