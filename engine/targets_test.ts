import assert, { deepStrictEqual, equal, rejects, throws } from "node:assert/strict";
import { UsageError } from "../cli/errors.ts";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./ip.ts";
import type { TargetSet } from "./plan_types.ts";
import {
  parseTargets,
  type ParseTargetsOptions,
  readTargetFile,
  type Resolver,
} from "./targets.ts";

/** A resolver from a table, so tests never touch DNS. */
const names: Record<string, { 4?: string[]; 6?: string[] }> = {
  "lab.test": { 4: ["127.0.5.9", "127.0.5.10"], 6: ["::1"] },
  "v4only.test": { 4: ["127.1.2.3"] },
};
const resolve: Resolver = (name, family) => Promise.resolve(names[name]?.[family] ?? []);

function all(set: TargetSet): string[] {
  return Array.from({ length: set.size }, (_, i) => set.at(i).address);
}
async function list(specs: string[], options: ParseTargetsOptions = {}): Promise<string[]> {
  return all(await parseTargets(specs, { resolve, ...options }));
}
async function usage(specs: string[], message: RegExp, options: ParseTargetsOptions = {}) {
  await rejects(parseTargets(specs, { resolve, ...options }), (error: unknown) => {
    equal(error instanceof UsageError, true, `expected UsageError for ${specs}, got ${error}`);
    const text = (error as Error).message;
    equal(message.test(text), true, `message "${text}" does not match ${message}`);
    return true;
  });
}

Deno.test("single IPv4 addresses, canonical text", async () => {
  deepStrictEqual(await list(["127.0.0.1"]), ["127.0.0.1"]);
  deepStrictEqual(await list(["127.000.0.010"]), ["127.0.0.10"]);
  const set = await parseTargets(["127.0.0.1"], { resolve });
  deepStrictEqual(set.at(0), { address: "127.0.0.1", family: 4 });
});

Deno.test("IPv4 CIDR boundaries /0 /8 /24 /31 /32, host bits masked", async () => {
  deepStrictEqual(await list(["127.0.0.77/32"]), ["127.0.0.77"]);
  deepStrictEqual(await list(["127.0.0.77/31"]), ["127.0.0.76", "127.0.0.77"]);
  deepStrictEqual(await list(["127.0.0.77/30"]), [
    "127.0.0.76",
    "127.0.0.77",
    "127.0.0.78",
    "127.0.0.79",
  ]);
  const c = await parseTargets(["127.9.9.9/24"], { resolve });
  equal(c.size, 256);
  equal(c.at(0).address, "127.9.9.0");
  equal(c.at(255).address, "127.9.9.255");
  const zero = await parseTargets(["127.0.0.1/0"], { resolve });
  equal(zero.size, 2 ** 32);
  equal(zero.at(0).address, "0.0.0.0");
  equal(zero.at(2 ** 32 - 1).address, "255.255.255.255");
  equal(zero.at(0x7f000001).address, "127.0.0.1");
});

Deno.test("a /8 is lazy: size and both ends without materialising", async () => {
  const before = Deno.memoryUsage().heapUsed;
  const set = await parseTargets(["127.0.0.0/8"], { resolve, exclude: ["127.0.0.1"] });
  equal(set.size, 2 ** 24 - 1);
  equal(set.at(0).address, "127.0.0.0");
  equal(set.at(1).address, "127.0.0.2");
  equal(set.at(set.size - 1).address, "127.255.255.255");
  // 16M entries would need hundreds of MB; the lazy set needs almost nothing.
  equal(Deno.memoryUsage().heapUsed - before < 8 * 1024 * 1024, true);
});

Deno.test("nmap octet ranges, lists, '*' and open-ended items", async () => {
  deepStrictEqual(await list(["127.0.0-1.1-2"]), [
    "127.0.0.1",
    "127.0.0.2",
    "127.0.1.1",
    "127.0.1.2",
  ]);
  deepStrictEqual(await list(["127.0.0.1,3,5-7"]), [1, 3, 5, 6, 7].map((n) => `127.0.0.${n}`));
  // Sorted and de-duplicated within a spec, as nmap does.
  deepStrictEqual(await list(["127.0.0.5,1,5"]), ["127.0.0.1", "127.0.0.5"]);
  deepStrictEqual(await list(["127.0.0.-2"]), ["127.0.0.0", "127.0.0.1", "127.0.0.2"]);
  deepStrictEqual(await list(["127.0.0.253-"]), ["127.0.0.253", "127.0.0.254", "127.0.0.255"]);
  const star = await parseTargets(["127.0.*.*"], { resolve });
  equal(star.size, 65536);
  equal(star.at(256).address, "127.0.1.0");
  equal(star.at(65535).address, "127.0.255.255");
  const dash = await parseTargets(["127.0.0.-"], { resolve });
  equal(dash.size, 256);
  const wide = await parseTargets(["127.0.0-3.1-254"], { resolve });
  equal(wide.size, 4 * 254);
  equal(wide.at(254).address, "127.0.1.1");
});

Deno.test("duplicates across specs are kept (nmap scans them twice)", async () => {
  deepStrictEqual(await list(["127.0.0.1", "127.0.0.1/32", "127.0.0.1"]), [
    "127.0.0.1",
    "127.0.0.1",
    "127.0.0.1",
  ]);
});

Deno.test("exclusions in the middle, at the ends, adjacent and overlapping", async () => {
  deepStrictEqual(await list(["127.0.0.0/29"], { exclude: ["127.0.0.3"] }), [
    "127.0.0.0",
    "127.0.0.1",
    "127.0.0.2",
    "127.0.0.4",
    "127.0.0.5",
    "127.0.0.6",
    "127.0.0.7",
  ]);
  deepStrictEqual(
    await list(["127.0.0.0/29"], {
      exclude: ["127.0.0.0", "127.0.0.7", "127.0.0.2-3", "127.0.0.4"],
    }),
    ["127.0.0.1", "127.0.0.5", "127.0.0.6"],
  );
  deepStrictEqual(await list(["127.0.0.0/29"], { exclude: ["127.0.0.1-5", "127.0.0.2/31"] }), [
    "127.0.0.0",
    "127.0.0.6",
    "127.0.0.7",
  ]);
  // Exclusions that hit an octet range between its members.
  deepStrictEqual(await list(["127.0-1.0.0-3"], { exclude: ["127.0.0.1-2", "127.0.255.0"] }), [
    "127.0.0.0",
    "127.0.0.3",
    "127.1.0.0",
    "127.1.0.1",
    "127.1.0.2",
    "127.1.0.3",
  ]);
  deepStrictEqual(await list(["127.0-1.0.0-3"], { exclude: ["127.0.128.0/17", "127.1.0.0/31"] }), [
    "127.0.0.0",
    "127.0.0.1",
    "127.0.0.2",
    "127.0.0.3",
    "127.1.0.2",
    "127.1.0.3",
  ]);
  // Whole blocks vanish from the middle of a multi-spec set.
  deepStrictEqual(
    await list(["127.0.0.1", "127.0.1.0/30", "127.0.0.2"], { exclude: ["127.0.1.*"] }),
    [
      "127.0.0.1",
      "127.0.0.2",
    ],
  );
  await usage(["127.0.0.0/30"], /^exclusions leave no targets to scan$/, {
    exclude: ["127.0.0.0/24"],
  });
});

Deno.test("exclusions by hostname and of the other family", async () => {
  deepStrictEqual(await list(["127.1.2.2-4"], { exclude: ["v4only.test"] }), [
    "127.1.2.2",
    "127.1.2.4",
  ]);
  deepStrictEqual(await list(["127.0.0.1"], { exclude: ["::1"] }), ["127.0.0.1"]);
  deepStrictEqual(await list(["::1"], { ipv6: true, exclude: ["127.0.0.1"] }), ["::1"]);
});

/** Deterministic generator for the cross-check below. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Enumerate a small IPv4 pattern the slow way: every address in 127.0.0.0/22, filtered. */
function naive(spec: string): number[] {
  const [body, prefix] = spec.split("/");
  const octets = body.split(".");
  const inOctet = (text: string, value: number) =>
    text.split(",").some((item) => {
      if (item === "*") return true;
      if (!item.includes("-")) return Number(item) === value;
      const [a, b] = item.split("-");
      return value >= (a === "" ? 0 : Number(a)) && value <= (b === "" ? 255 : Number(b));
    });
  const out: number[] = [];
  for (let a = 0x7f000000; a < 0x7f000400; a++) {
    if (prefix !== undefined) {
      const width = 2 ** (32 - Number(prefix));
      const base = parseIPv4(body)!;
      if (a >= base - (base % width) && a < base - (base % width) + width) out.push(a);
    } else if (octets.every((o, k) => inOctet(o, Math.floor(a / 256 ** (3 - k)) % 256))) {
      out.push(a);
    }
  }
  return out;
}

function randomSpec(random: () => number): string {
  const pick = (n: number) => Math.floor(random() * n);
  if (random() < 0.3) return `127.0.${pick(4)}.${pick(256)}/${22 + pick(11)}`;
  // The third octet stays inside 0-3 (no '*' or 'A-' there) so the naive window covers it.
  const octet = (max: number) => {
    const items: string[] = [];
    for (let i = 0; i <= pick(3); i++) {
      const a = pick(max + 1);
      const b = a + pick(max + 1 - a);
      const form = max < 255 ? pick(3) : pick(5);
      items.push(
        form === 0
          ? `${a}`
          : form === 1
          ? `${a}-${b}`
          : form === 2
          ? `-${b}`
          : form === 3
          ? `${a}-`
          : `${a}`,
      );
    }
    return items.join(",");
  };
  return `127.0.${octet(3)}.${random() < 0.2 ? "*" : octet(255)}`;
}

Deno.test("lazy set with exclusions matches a naive enumeration", async () => {
  const random = lcg(7);
  for (let round = 0; round < 150; round++) {
    const specs = Array.from({ length: 1 + Math.floor(random() * 3) }, () => randomSpec(random));
    const exclude = Array.from({ length: Math.floor(random() * 4) }, () => randomSpec(random));
    const excluded = new Set(exclude.flatMap(naive));
    const expected = specs.flatMap((spec) =>
      naive(spec).filter((a) => !excluded.has(a)).map(formatIPv4)
    );
    if (expected.length === 0) {
      await usage(specs, /exclusions leave no targets/, { exclude });
      continue;
    }
    deepStrictEqual(await list(specs, { exclude }), expected, `${specs} minus ${exclude}`);
  }
});

Deno.test("IPv6 addresses and CIDR need -6; canonical text", async () => {
  await usage(["::1"], /looks like an IPv6 target.*add -6/);
  await usage(["127.0.0.1"], /IPv4 target.*-6/, { ipv6: true });
  const one = await parseTargets(["0:0:0:0:0:0:0:1"], { resolve, ipv6: true });
  deepStrictEqual(one.at(0), { address: "::1", family: 6 });
  deepStrictEqual(await list(["::5/126"], { ipv6: true }), ["::4", "::5", "::6", "::7"]);
  deepStrictEqual(await list(["::/126"], { ipv6: true, exclude: ["::2", "::3/128"] }), [
    "::",
    "::1",
  ]);
  const big = await parseTargets(["::/96"], { resolve, ipv6: true, exclude: ["::/97"] });
  equal(big.size, 2 ** 31);
  equal(big.at(0).address, "::8000:0");
  equal(big.at(big.size - 1).address, "::ffff:ffff");
  equal(formatIPv6(parseIPv6(big.at(5).address)!), "::8000:5");
  await usage(["::/64"], /2\^64 addresses; at most 2\^32/, { ipv6: true });
  await usage(["fe80::1%lo"], /zone ids/, { ipv6: true });
  await usage(["::1/129"], /invalid CIDR prefix/, { ipv6: true });
  await usage([":::1"], /invalid IPv6 target/, { ipv6: true });
});

Deno.test("sets larger than 2^32 addresses are refused", async () => {
  await usage(["0.0.0.0/0", "127.0.0.1"], /at most 2\^32/);
  equal((await parseTargets(["0.0.0.0/0"], { resolve })).size, 2 ** 32);
});

Deno.test("hostnames resolve through the injected resolver", async () => {
  const set = await parseTargets(["lab.test"], { resolve });
  deepStrictEqual(all(set), ["127.0.5.9"]);
  deepStrictEqual(set.at(0), { address: "127.0.5.9", family: 4, hostname: "lab.test" });
  const six = await parseTargets(["lab.test"], { resolve, ipv6: true });
  deepStrictEqual(six.at(0), { address: "::1", family: 6, hostname: "lab.test" });
  const around = await parseTargets(["lab.test/30"], { resolve });
  deepStrictEqual(all(around), ["127.0.5.8", "127.0.5.9", "127.0.5.10", "127.0.5.11"]);
  equal(around.at(1).hostname, "lab.test");
  equal(around.at(0).hostname, undefined);
  await usage(["nowhere.test"], /^Failed to resolve "nowhere\.test"\.$/);
  await usage(["v4only.test"], /Failed to resolve "v4only\.test"/, { ipv6: true });
  await usage(["lab.test/33"], /invalid CIDR prefix/);
  const failing: Resolver = () => Promise.reject(new Error("ENOTFOUND"));
  await rejects(parseTargets(["x.test"], { resolve: failing }), UsageError);
});

Deno.test("the default resolver honours /etc/hosts for localhost", async () => {
  const set = await parseTargets(["localhost"]);
  equal(set.size, 1);
  equal(set.at(0).hostname, "localhost");
  equal(set.at(0).address.startsWith("127."), true);
});

Deno.test("malformed IPv4 patterns are usage errors", async () => {
  await usage(["1.2.3"], /expected four octets/);
  await usage(["127.0.0.1.5"], /expected four octets/);
  await usage(["256.0.0.1"], /invalid octet "256"/);
  await usage(["127.0.0.5-2"], /backwards/);
  await usage(["127.0.0.1,,2"], /empty octet/);
  await usage(["127.0.0.1/33"], /invalid CIDR prefix "\/33".*0-32/);
  await usage(["127.0.0.1/"], /invalid CIDR prefix/);
  await usage(["127.0.0.1/8/8"], /invalid CIDR prefix/);
  await usage(["127.0.0-1.1/24"], /CIDR prefix cannot follow an octet range/);
  await usage(["127.0.0.1-2-3"], /invalid octet/);
  await usage([""], /invalid target specification/);
});

Deno.test("at() refuses indexes outside the set", async () => {
  const set = await parseTargets(["127.0.0.1-3"], { resolve });
  throws(() => set.at(3), RangeError);
  throws(() => set.at(-1), RangeError);
  throws(() => set.at(0.5), RangeError);
});

Deno.test("readTargetFile splits on blanks, drops comments, names unreadable files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/targets.txt`;
    await Deno.writeTextFile(
      path,
      "# lab\n127.0.0.1 127.0.0.2\t127.0.1.0/30 # tail\n\n  localhost\r\n",
    );
    deepStrictEqual(await readTargetFile(path), [
      "127.0.0.1",
      "127.0.0.2",
      "127.0.1.0/30",
      "localhost",
    ]);
    await rejects(readTargetFile(`${dir}/missing.txt`), (error: unknown) => {
      equal(error instanceof UsageError, true);
      const text = (error as Error).message;
      equal(text.startsWith(`Failed to open input file "${dir}/missing.txt": `), true, text);
      equal(/no such file/i.test(text), true, text);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTargetFile reads standard input for '-'", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { readTargetFile } from ${
        JSON.stringify(new URL("./targets.ts", import.meta.url).href)
      };` +
      `console.log(JSON.stringify(await readTargetFile("-")));`,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("127.0.0.1\n# x\n::1 lab.test\n"));
  await writer.close();
  const { stdout, success } = await child.output();
  equal(success, true);
  deepStrictEqual(JSON.parse(new TextDecoder().decode(stdout)), ["127.0.0.1", "::1", "lab.test"]);
});

Deno.test("ipv4At agrees with at() for blocks, octet ranges and exclusions; names and IPv6 go by text", async () => {
  const set = await parseTargets(["198.19.0.0/22", "10.1-2.0,7.1-3", "example.test"], {
    exclude: ["198.19.1.0/24", "10.2.7.2"],
    resolve: (name) => Promise.resolve(name === "example.test" ? ["192.0.2.7"] : []),
  });
  const v6 = await parseTargets(["::1"], { ipv6: true });
  assert.equal(v6.ipv4At!(0), undefined);
  let numeric = 0;
  for (let i = 0; i < set.size; i++) {
    const value = set.ipv4At!(i);
    const target = set.at(i);
    if (value === undefined) {
      assert.ok(target.family === 6 || target.hostname !== undefined, target.address);
      continue;
    }
    numeric++;
    assert.equal(formatIPv4(value), target.address);
  }
  assert.equal(numeric, 768 + 11);
});
