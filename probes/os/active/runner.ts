/**
 * Runs active OS detection against one host and prints the result as JSON: the lab test
 * starts it inside the scanner namespace.
 *
 * Usage: deno run -A probes/os/active/runner.ts <address> <openTcp|-> <closedTcp|-> <closedUdp|->
 *        [--guess] [--tries N]
 */
import { detectOs, type OsTarget } from "./detect.ts";

/** Parse the runner's arguments into a target and options. */
export function parseRunnerArgs(args: readonly string[]): {
  target: OsTarget;
  guess: boolean;
  maxTries?: number;
} {
  const [address, open, closed, udp] = args;
  const port = (s: string | undefined) => (s && s !== "-" ? Number(s) : undefined);
  const target: OsTarget = { address };
  const o = port(open);
  const c = port(closed);
  const u = port(udp);
  if (o !== undefined) target.openTcpPort = o;
  if (c !== undefined) target.closedTcpPort = c;
  if (u !== undefined) target.closedUdpPort = u;
  const t = args.indexOf("--tries");
  return {
    target,
    guess: args.includes("--guess"),
    ...(t >= 0 ? { maxTries: Number(args[t + 1]) } : {}),
  };
}

if (import.meta.main) {
  const { target, guess, maxTries } = parseRunnerArgs(Deno.args);
  const result = await detectOs(target, { guess, ...(maxTries ? { maxTries } : {}) });
  console.log(JSON.stringify(result));
}
