import { parseTargets } from "../engine/targets.ts";
import assert from "node:assert/strict";
import { NOT_SUPPORTED_YET, parseArgs } from "./args.ts";
import { helpText, VERSION, versionText } from "./help.ts";
import meta from "../deno.json" with { type: "json" };

/** Every option-looking token in the help (`-p22`, `--top-ports`, `-sS`, `-6`). */
function helpTokens(): string[] {
  const found = helpText().match(/(?<![\w-])--?[A-Za-z0-9][\w-]*/g) ?? [];
  return [...new Set(found)];
}

// Values to try for options that need one; a token missing here that needs a value fails.
const SAMPLE_VALUES: Record<string, string> = {
  "-iL": "hosts.txt",
  "--exclude": "127.0.0.2",
  "--excludefile": "skip.txt",
  "-p": "22",
  "--exclude-ports": "25",
  "--top-ports": "10",
  "-T": "4",
  "--min-rtt-timeout": "100ms",
  "--max-rtt-timeout": "1s",
  "--initial-rtt-timeout": "1s",
  "--max-retries": "2",
  "--host-timeout": "5m",
  "--min-rate": "10",
  "--max-rate": "100",
  "--seed": "1",
  "--shard": "1/2",
  "-oN": "out.txt",
  "-oJ": "out.json",
  "-oX": "out.xml",
  "-oG": "out.gnmap",
  "-oA": "out",
  "-oH": "out.html",
  "--version-intensity": "5",
  "--stats-every": "10s",
  "--os-passive": "capture.pcap",
  "--script": "default",
  "--script-args": "a=1",
  "--script-args-file": "args.txt",
  "--script-help": "http-title",
  "--script-timeout": "10s",
  "--max-os-tries": "2",
  "--json-lines": "events.ndjson",
  "--resume": "scan.resume.json",
};

Deno.test("the help text names a sensible set of options", () => {
  const tokens = helpTokens();
  for (const expected of ["-p", "-sT", "-sS", "-sU", "-Pn", "--top-ports", "-oJ", "--open"]) {
    assert.ok(tokens.includes(expected), `${expected} missing from help`);
  }
});

Deno.test("every option named in the help is accepted by parseArgs", () => {
  for (const token of helpTokens()) {
    try {
      parseArgs([token]);
    } catch (error) {
      const message = (error as Error).message;
      assert.match(message, /needs a value/, `${token}: ${message}`);
      const sample = SAMPLE_VALUES[token];
      assert.ok(sample !== undefined, `no sample value for ${token}`);
      parseArgs([token, sample]);
    }
  }
});

Deno.test("no not-supported-yet option appears in the help", () => {
  const tokens = helpTokens();
  for (const option of Object.keys(NOT_SUPPORTED_YET)) {
    // -PS22 or -oXfile would still advertise -PS / -oX.
    const family = /^-[A-Za-z]{2}$/.test(option);
    const shown = tokens.filter((t) => t === option || (family && t.startsWith(option)));
    assert.deepEqual(shown, [], `${option} appears in the help`);
  }
});

Deno.test("help has the usage line, the sections and the fallback notes", () => {
  const text = helpText();
  assert.match(
    text,
    /^Usage: portolan \[Scan Type\(s\)\] \[Options\] \{target specification\}$/m,
  );
  const sections = [
    "TARGET SPECIFICATION:",
    "HOST DISCOVERY:",
    "SCAN TECHNIQUES:",
    "PORT SPECIFICATION AND SCAN ORDER:",
    "TIMING AND PERFORMANCE:",
    "OUTPUT:",
    "MISC:",
    "EXAMPLES:",
  ];
  let last = -1;
  for (const section of sections) {
    const at = text.indexOf(`\n${section}\n`);
    assert.ok(at > last, `${section} missing or out of order`);
    last = at;
  }
  assert.match(text, /no target .* 127\.0\.0\.1/i);
  assert.match(text, /raw-socket privileges .* connect scan/);
});

Deno.test("help examples parse, plan, and use only the allowed addresses", async () => {
  const text = helpText();
  const examples = text.slice(text.indexOf("\nEXAMPLES:\n")).split("\n").slice(2)
    .map((line) => line.trim()).filter((line) => line !== "");
  assert.ok(examples.length >= 3);
  // Loopback, and the benchmarking range the lab uses (RFC 2544): nothing else is ever a target.
  const allowed = (target: string) =>
    /^127\.[\d.\-/]+$/.test(target) || target === "::1" || /^198\.1[89]\.[\d.\-/]+$/.test(target);
  for (const example of examples) {
    const [program, ...argv] = example.split(/\s+/);
    assert.equal(program, "portolan");
    const options = parseArgs(argv);
    assert.ok(options.targets.length > 0, example);
    // The targets must also be accepted as typed (an IPv6 literal needs -6, for one).
    if (!options.targets.some((t) => /[a-z]/i.test(t) && !t.includes(":"))) {
      await parseTargets(options.targets, { ipv6: options.ipv6 });
    }
    for (const target of options.targets) {
      assert.ok(
        allowed(target) || /(^|\.)example\.(com|net|org)$/.test(target),
        `${target} in '${example}'`,
      );
    }
  }
});

Deno.test("version text carries the version from deno.json", () => {
  assert.equal(VERSION, meta.version);
  assert.ok(versionText().startsWith(`Portolan ${meta.version} `));
  assert.ok(helpText().includes(meta.version));
});
