/**
 * Random input never escapes as anything but a UsageError: the parsers either accept a
 * string or explain, in one line, why not.
 */
import { equal } from "node:assert/strict";
import { UsageError } from "../cli/errors.ts";
import { parsePortSpec } from "./ports.ts";
import { parseTargets, type Resolver } from "./targets.ts";

const alphabet = "0123456789.,-*/:%abcfTUS[]x ";
const resolve: Resolver = (name) => Promise.resolve(name === "ab" ? ["127.0.0.9"] : []);

function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function randomText(random: () => number): string {
  const length = Math.floor(random() * 16);
  let text = "";
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

/** A valid seed with a few random edits: near-misses find more bugs than noise does. */
function mutate(seeds: string[], random: () => number): string {
  const pick = (n: number) => Math.floor(random() * n);
  let text = random() < 0.2 ? randomText(random) : seeds[pick(seeds.length)];
  for (let edits = pick(4); edits > 0; edits--) {
    const at = pick(text.length + 1);
    const char = alphabet[pick(alphabet.length)];
    const kind = pick(3);
    text = kind === 0
      ? text.slice(0, at) + char + text.slice(at)
      : kind === 1
      ? text.slice(0, at) + text.slice(at + 1)
      : text.slice(0, at) + char + text.slice(at + 1);
  }
  return text;
}

const targetSeeds = ["127.0.0.1", "127.0.0-3.*", "::1/126", "127.0.0.1/30", "ab", "127.0.0.1,5-"];
const portSeeds = ["80", "U:53,T:1-5", "ab", "-", "0-", "T:22,ab", "[1-5]"];

function expectUsage(error: unknown, input: string): void {
  equal(error instanceof UsageError, true, `"${input}" threw ${error}`);
  equal((error as Error).message.includes("\n"), false);
}

Deno.test("random target specs give a set or a UsageError", async () => {
  const random = lcg(99);
  let accepted = 0;
  for (let n = 0; n < 3000; n++) {
    const spec = mutate(targetSeeds, random);
    const exclude = random() < 0.3 ? [mutate(targetSeeds, random)] : [];
    try {
      const set = await parseTargets([spec], { resolve, exclude, ipv6: random() < 0.5 });
      accepted++;
      if (set.size > 0) {
        set.at(0);
        set.at(set.size - 1);
      }
    } catch (error) {
      expectUsage(error, spec);
    }
  }
  // The alphabet is chosen so that some inputs are valid, or the test would prove little.
  equal(accepted > 20, true, `only ${accepted} accepted`);
});

Deno.test("random port specs give ports or a UsageError", () => {
  const random = lcg(5);
  let accepted = 0;
  for (let n = 0; n < 3000; n++) {
    const spec = mutate(portSeeds, random);
    try {
      const ports = parsePortSpec(spec, {
        resolveName: (name) => (name === "ab" ? [80] : []),
        defaultProtocols: ["tcp", "udp"],
      });
      accepted++;
      for (const list of [ports.tcp, ports.udp]) {
        for (let i = 1; i < list.length; i++) equal(list[i - 1] < list[i], true);
      }
    } catch (error) {
      expectUsage(error, spec);
    }
  }
  equal(accepted > 20, true, `only ${accepted} accepted`);
});
