/**
 * Run one traceroute and print its result as JSON, then the nmap-style text: what the lab
 * test runs inside the scanner namespace (`ip netns exec <ns> deno run -A runner.ts ...`).
 *
 * Usage: `runner.ts ADDRESS [--port N] [--protocol tcp|udp|icmp] [--max-hops N]
 * [--timeout MS] [--resolve]`
 *
 * @module
 */
import { formatTracerouteNormal } from "./format.ts";
import { type TraceProtocol, traceroute, type TracerouteOptions } from "./traceroute.ts";

/** Parse the runner's arguments. */
export function parseRunnerArgs(
  args: readonly string[],
): {
  target: { address: string; port?: number; protocol?: TraceProtocol };
  options: TracerouteOptions;
} {
  let address: string | undefined;
  let port: number | undefined;
  let protocol: TraceProtocol | undefined;
  const options: TracerouteOptions = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--port") port = Number(value());
    else if (a === "--protocol") protocol = value() as TraceProtocol;
    else if (a === "--max-hops") options.maxHops = Number(value());
    else if (a === "--timeout") options.timeoutMs = Number(value());
    else if (a === "--resolve") options.resolveNames = true;
    else if (!a.startsWith("-") && address === undefined) address = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!address) throw new Error("usage: runner.ts ADDRESS [--port N] [--protocol P]");
  const target: { address: string; port?: number; protocol?: TraceProtocol } = { address };
  if (port !== undefined) target.port = port;
  if (protocol !== undefined) target.protocol = protocol;
  return { target, options };
}

if (import.meta.main) {
  const { target, options } = parseRunnerArgs(Deno.args);
  const result = await traceroute(target, options);
  console.log(JSON.stringify(result));
  console.log(formatTracerouteNormal(result));
}
