import assert from "node:assert/strict";
import { NOT_SUPPORTED_YET, parseArgs } from "./args.ts";
import { UsageError } from "./errors.ts";
import { defaultOptions } from "./options.ts";

/** Parse `argv`, expect a one-line UsageError, and return its message. */
function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected UsageError, got ${error}`);
    assert.ok(!error.message.includes("\n"), `message is not one line: ${error.message}`);
    return error.message;
  }
  assert.fail(`parseArgs(${JSON.stringify(argv)}) did not throw`);
}

Deno.test("no arguments gives the defaults", () => {
  assert.deepEqual(parseArgs([]), defaultOptions());
});

Deno.test("non-option words are targets, kept as typed and in order", () => {
  const options = parseArgs(["127.0.0.1", "-n", "::1", "example.com", "127.0.0.0/30", "-"]);
  assert.deepEqual(options.targets, ["127.0.0.1", "::1", "example.com", "127.0.0.0/30", "-"]);
  assert.equal(options.resolve, "never");
});

Deno.test("-- ends the options", () => {
  const options = parseArgs(["-sT", "--", "-p", "127.0.0.1"]);
  assert.deepEqual(options.targets, ["-p", "127.0.0.1"]);
  assert.equal(options.ports, undefined);
});

Deno.test("target specification options", () => {
  const options = parseArgs([
    "-iL",
    "hosts.txt",
    "--exclude",
    "127.0.0.5, 127.0.0.6,",
    "--exclude=127.0.0.9",
    "-6",
    "-R",
  ]);
  assert.equal(options.inputFile, "hosts.txt");
  assert.deepEqual(options.exclude, ["127.0.0.5", "127.0.0.6", "127.0.0.9"]);
  assert.equal(options.ipv6, true);
  assert.equal(options.resolve, "always");
  assert.equal(parseArgs(["-iL", "-"]).inputFile, "-");
  assert.equal(parseArgs(["--excludefile", "skip.txt"]).excludeFile, "skip.txt");
  assert.equal(parseArgs(["-n"]).resolve, "never");
  assert.equal(parseArgs(["-R", "-n"]).resolve, "never");
  assert.match(usageError(["-iL", "a", "-iL", "b"]), /only one -iL/);
  assert.match(usageError(["--exclude", ","]), /--exclude needs a value/);
  assert.match(usageError(["--exclude", "a", "--excludefile", "b"]), /cannot be used together/);
});

Deno.test("-sL and -Pn", () => {
  assert.equal(parseArgs(["-sL"]).listScan, true);
  assert.deepEqual(parseArgs(["-sL"]).scanTypes, []);
  assert.equal(parseArgs(["-Pn"]).skipDiscovery, true);
  assert.equal(parseArgs(["-P0"]).skipDiscovery, true);
  assert.equal(parseArgs([]).skipDiscovery, false);
  assert.match(usageError(["-sL", "-sT"]), /-sL .* cannot be combined with -sT/);
  assert.match(usageError(["-sL", "-p", "80"]), /does not scan ports/);
  assert.match(usageError(["-sL", "-F"]), /does not scan ports/);
  assert.match(usageError(["-Pz"]), /unknown host discovery option '-Pz'/);
});

Deno.test("-sn and -sP: ping scan, alone or with discovery options", () => {
  assert.equal(parseArgs(["-sn"]).pingScan, true);
  assert.equal(parseArgs(["-sP"]).pingScan, true);
  assert.equal(parseArgs([]).pingScan, undefined);
  assert.equal(parseArgs(["-sn", "-Pn"]).skipDiscovery, true);
  assert.match(usageError(["-sn", "-sS"]), /-sn .* cannot be combined with -sS/);
  assert.match(usageError(["-sn", "-sL"]), /-sn .* cannot be combined with -sL/);
});

Deno.test("-PS/-PA/-PU take attached port lists, nmap's defaults when bare", () => {
  assert.deepEqual(parseArgs(["-PS"]).discoveryProbes, { tcpSyn: "80" });
  assert.deepEqual(parseArgs(["-PA"]).discoveryProbes, { tcpAck: "80" });
  assert.deepEqual(parseArgs(["-PU"]).discoveryProbes, { udp: "40125" });
  assert.deepEqual(parseArgs(["-PS22,80,8000-8010"]).discoveryProbes, {
    tcpSyn: "22,80,8000-8010",
  });
  // Repeated lists add up; a detached word is a target, not a port list (as in nmap).
  const o = parseArgs(["-PS22", "-PS443", "-PU53", "127.0.0.1"]);
  assert.deepEqual(o.discoveryProbes, { tcpSyn: "22,443", udp: "53" });
  assert.deepEqual(o.targets, ["127.0.0.1"]);
  assert.deepEqual(parseArgs(["-sn", "-PA", "22"]).targets, ["22"]);
  assert.match(usageError(["-PS70000"]), /invalid port list for -PS: '70000'/);
  assert.match(usageError(["-PA22,"]), /invalid port list for -PA/);
  assert.match(usageError(["-PU9-1"]), /invalid port list for -PU/);
  assert.match(usageError(["-PSssh"]), /invalid port list for -PS/);
});

Deno.test("-PE, -PP, -PM and --disable-arp-ping", () => {
  assert.deepEqual(parseArgs(["-PE", "-PP", "-PM"]).discoveryProbes, {
    icmpEcho: true,
    icmpTimestamp: true,
    icmpMask: true,
  });
  assert.deepEqual(parseArgs(["-sn", "-PE", "-PS22"]).discoveryProbes, {
    icmpEcho: true,
    tcpSyn: "22",
  });
  assert.equal(parseArgs(["--disable-arp-ping"]).disableArpPing, true);
  assert.equal(parseArgs(["-disable-arp-ping"]).disableArpPing, true);
  assert.match(usageError(["-PEx"]), /-PE takes no value/);
});

Deno.test("port options, attached and detached", () => {
  assert.equal(parseArgs(["-p", "22,80"]).ports, "22,80");
  assert.equal(parseArgs(["-p22,80"]).ports, "22,80");
  assert.equal(parseArgs(["-p-"]).ports, "-");
  assert.equal(parseArgs(["-p", "-"]).ports, "-");
  assert.equal(parseArgs(["-p", "-1024"]).ports, "-1024");
  assert.equal(parseArgs(["-p", "U:53,T:80"]).ports, "U:53,T:80");
  assert.equal(parseArgs(["--top-ports", "10"]).topPorts, 10);
  assert.equal(parseArgs(["--top-ports=25"]).topPorts, 25);
  assert.equal(parseArgs(["-top-ports", "7"]).topPorts, 7);
  assert.equal(parseArgs(["-F"]).fast, true);
  assert.equal(parseArgs(["--exclude-ports", "25,110"]).excludePorts, "25,110");
  assert.equal(parseArgs(["-r"]).sequentialPorts, true);
  const both = parseArgs(["-p", "1-1000", "--top-ports", "5"]);
  assert.deepEqual([both.ports, both.topPorts], ["1-1000", 5]);
});

Deno.test("bad port options", () => {
  assert.equal(usageError(["-p"]), "option -p needs a value");
  assert.equal(usageError(["-p", "-sT"]), "option -p needs a value (found option '-sT')");
  assert.match(usageError(["-p", "22", "-p", "80"]), /only one -p option/);
  assert.match(usageError(["--top-ports", "0"]), /--top-ports needs a whole number of 1 or more/);
  assert.match(usageError(["--top-ports", "-3"]), /--top-ports/);
  assert.match(usageError(["--top-ports", "3x"]), /got '3x'/);
  assert.match(usageError(["--top-ports", "1.5"]), /--top-ports/);
  assert.equal(usageError(["--top-ports"]), "option --top-ports needs a value");
  assert.equal(usageError(["--top-ports="]), "option --top-ports needs a value");
  assert.match(usageError(["-F", "-p", "80"]), /-F .* cannot be combined with -p/);
});

Deno.test("scan types map to names, combine and deduplicate", () => {
  const cases: [string, string][] = [
    ["-sT", "connect"],
    ["-sS", "syn"],
    ["-sA", "ack"],
    ["-sF", "fin"],
    ["-sN", "null"],
    ["-sX", "xmas"],
    ["-sW", "window"],
    ["-sU", "udp"],
  ];
  for (const [flag, type] of cases) {
    assert.deepEqual(parseArgs([flag]).scanTypes, [type], flag);
  }
  assert.deepEqual(parseArgs(["-sSU"]).scanTypes, ["syn", "udp"]);
  assert.deepEqual(parseArgs(["-sU", "-sT", "-sU", "-sT"]).scanTypes, ["udp", "connect"]);
  assert.match(usageError(["-sS", "-sT"]), /only one TCP scan type .* -sS and -sT/);
  assert.match(usageError(["-sFX"]), /only one TCP scan type/);
  assert.match(usageError(["-sQ"]), /unknown scan type '-sQ'/);
  assert.equal(usageError(["-ss"]), "unknown scan type '-ss' (did you mean -sS?)");
  assert.equal(usageError(["-s"]), "option -s needs a value");
});

Deno.test("timing templates by number and by name, attached or not", () => {
  for (let level = 0; level <= 5; level++) {
    assert.equal(parseArgs([`-T${level}`]).timing, level);
    assert.equal(parseArgs(["-T", String(level)]).timing, level);
  }
  const names = ["paranoid", "sneaky", "polite", "normal", "aggressive", "insane"];
  names.forEach((name, level) => {
    assert.equal(parseArgs(["-T", name]).timing, level);
    assert.equal(parseArgs([`-T${name}`]).timing, level);
  });
  assert.equal(parseArgs(["-T", "Aggressive"]).timing, 4);
  assert.equal(parseArgs([]).timing, 3);
  assert.match(usageError(["-T9"]), /invalid timing template '-T 9'/);
  assert.match(usageError(["-T", "fast"]), /invalid timing template/);
  assert.match(usageError(["-T", "-1"]), /invalid timing template/);
  assert.equal(usageError(["-T"]), "option -T needs a value");
});

Deno.test("rates, retries and seed", () => {
  const options = parseArgs(["--min-rate", "100", "--max-rate=2500.5", "--max-retries", "0"]);
  assert.equal(options.minRate, 100);
  assert.equal(options.maxRate, 2500.5);
  assert.equal(options.maxRetries, 0);
  assert.equal(parseArgs(["--min-rate", "0.5"]).minRate, 0.5);
  assert.equal(parseArgs(["--min-rate", "7", "--max-rate", "7"]).maxRate, 7);
  assert.equal(parseArgs(["--seed", "0"]).seed, 0);
  assert.equal(parseArgs(["--seed=123456789"]).seed, 123456789);
  assert.match(
    usageError(["--min-rate", "10", "--max-rate", "5"]),
    /--min-rate 10 .* --max-rate 5/,
  );
  assert.match(usageError(["--min-rate", "0"]), /--min-rate needs a number greater than 0/);
  assert.match(usageError(["--max-rate", "fast"]), /--max-rate/);
  assert.match(usageError(["--max-rate", "1e3"]), /--max-rate/);
  assert.match(
    usageError(["--max-retries", "-1"]),
    /--max-retries needs a whole number of 0 or more, got '-1'/,
  );
  assert.match(usageError(["--max-retries", "1.5"]), /--max-retries needs a whole number/);
  assert.match(usageError(["--seed", "x"]), /--seed needs a whole number of 0 or more/);
});

Deno.test("timeouts are durations in milliseconds", () => {
  const options = parseArgs([
    "--host-timeout",
    "30m",
    "--min-rtt-timeout=100ms",
    "--max-rtt-timeout",
    "1.5s",
    "--initial-rtt-timeout",
    "1",
  ]);
  assert.equal(options.hostTimeout, 30 * 60_000);
  assert.equal(options.minRttTimeout, 100);
  assert.equal(options.maxRttTimeout, 1500);
  assert.equal(options.initialRttTimeout, 1000);
  assert.equal(parseArgs(["--host-timeout", "0"]).hostTimeout, 0);
  assert.match(usageError(["--host-timeout", "5x"]), /invalid duration '5x' for --host-timeout/);
  assert.match(usageError(["--host-timeout=-5s"]), /invalid duration '-5s' for --host-timeout/);
  assert.match(usageError(["--initial-rtt-timeout", "0"]), /must be positive/);
  assert.match(usageError(["--max-rtt-timeout", "1ms"]), /at least 5ms/);
  assert.match(
    usageError(["--min-rtt-timeout", "2s", "--max-rtt-timeout", "1s"]),
    /--min-rtt-timeout .* --max-rtt-timeout/,
  );
});

Deno.test("output options and verbosity counts", () => {
  const options = parseArgs(["--open", "--reason", "-oN", "scan.txt", "-oJ", "scan.json"]);
  assert.equal(options.openOnly, true);
  assert.equal(options.reason, true);
  assert.equal(options.normalOutput, "scan.txt");
  assert.equal(options.jsonOutput, "scan.json");
  assert.equal(parseArgs(["-oN", "-"]).normalOutput, "-");
  assert.equal(parseArgs(["-oJ=out.json"]).jsonOutput, "out.json");
  assert.equal(parseArgs(["-v"]).verbosity, 1);
  assert.equal(parseArgs(["-vv"]).verbosity, 2);
  assert.equal(parseArgs(["-vvv"]).verbosity, 3);
  assert.equal(parseArgs(["-v", "-v"]).verbosity, 2);
  assert.equal(parseArgs(["-v2"]).verbosity, 2);
  assert.equal(parseArgs(["-vv", "-v0"]).verbosity, 0);
  assert.equal(parseArgs(["-d"]).debug, 1);
  assert.equal(parseArgs(["-ddd"]).debug, 3);
  assert.equal(parseArgs(["-d4"]).debug, 4);
  assert.match(usageError(["-vx"]), /invalid argument to -v: 'x'/);
  assert.match(usageError(["-d-"]), /invalid argument to -d/);
  assert.equal(usageError(["-oN"]), "option -oN needs a value");
  assert.match(usageError(["-oNscan.txt"]), /-oN needs a space .* '-oN scan.txt'/);
  assert.equal(usageError(["--open=yes"]), "option --open takes no value");
});

Deno.test("help and version flags", () => {
  assert.equal(parseArgs(["-h"]).help, true);
  assert.equal(parseArgs(["--help"]).help, true);
  assert.equal(parseArgs(["-help"]).help, true);
  assert.equal(parseArgs(["-V"]).version, true);
  assert.equal(parseArgs(["--version"]).version, true);
  // Help wins over combinations that would otherwise be refused.
  assert.equal(parseArgs(["-sS", "-sT", "-h"]).help, true);
});

Deno.test("single-dash long options and bundled short flags", () => {
  const options = parseArgs(["-open", "-reason", "-max-retries", "2", "-seed=9", "-nrF6"]);
  assert.equal(options.openOnly, true);
  assert.equal(options.reason, true);
  assert.equal(options.maxRetries, 2);
  assert.equal(options.seed, 9);
  assert.equal(options.resolve, "never");
  assert.equal(options.sequentialPorts, true);
  assert.equal(options.fast, true);
  assert.equal(options.ipv6, true);
  // A value-taking letter ends the bundle, as with getopt: -v takes the rest as its level.
  assert.match(usageError(["-nvp80"]), /invalid argument to -v: 'p80'/);
  assert.equal(parseArgs(["-nvv"]).verbosity, 2);
  assert.equal(parseArgs(["-Fr"]).sequentialPorts, true);
  assert.equal(parseArgs(["-np80"]).ports, "80");
});

Deno.test("unknown options suggest the closest known name", () => {
  assert.equal(
    usageError(["--tpo-ports", "5"]),
    "unknown option '--tpo-ports' (did you mean --top-ports?)",
  );
  assert.equal(usageError(["--opne"]), "unknown option '--opne' (did you mean --open?)");
  assert.equal(usageError(["-opne"]), "unknown option '-opne' (did you mean --open?)");
  assert.equal(
    usageError(["--max-retires=3"]),
    "unknown option '--max-retires' (did you mean --max-retries?)",
  );
  assert.equal(usageError(["-reaosn"]), "unknown option '-reaosn' (did you mean --reason?)");
  assert.equal(usageError(["--top", "5"]), "unknown option '--top' (did you mean --top-ports?)");
  assert.equal(usageError(["--frobnicate"]), "unknown option '--frobnicate'");
  assert.equal(usageError(["-x"]), "unknown option '-x'");
  assert.equal(usageError(["--scrpt"]), "unknown option '--scrpt' (did you mean --script?)");
});

Deno.test("every not-supported-yet option is refused with its name and purpose", () => {
  for (const [option, what] of Object.entries(NOT_SUPPORTED_YET)) {
    assert.equal(usageError([option, "x"]), `'${option}' (${what}) is not supported yet`);
  }
  const required = [
    "-oS",
    "-PR",
    "-sY",
    "-sZ",
    "-sO",
    "-sI",
    "-b",
    "--scanflags",
    "-f",
    "--mtu",
    "-D",
    "-S",
    "-e",
    "-g",
    "--source-port",
    "--data-length",
    "--spoof-mac",
    "--ttl",
    "--badsum",
    "--min-parallelism",
    "--max-parallelism",
    "--min-hostgroup",
    "--max-hostgroup",
    "--scan-delay",
    "--max-scan-delay",
  ];
  for (const option of required) {
    assert.ok(option in NOT_SUPPORTED_YET, `${option} missing from NOT_SUPPORTED_YET`);
  }
});

Deno.test("not-supported-yet options are caught in every spelling", () => {
  const cases: [string[], string][] = [
    [["-sSO"], "-sO"],
    [["-PR"], "-PR"],
    [["-PO1"], "-PO"],
    [["-oSscan.txt"], "-oS"],
    [["-eeth0"], "-e"],
    [["-g53"], "-g"],
    [["-ttl", "5"], "--ttl"],
    [["-sI", "127.0.0.2"], "-sI"],
    [["-iR", "5"], "-iR"],
  ];
  for (const [argv, option] of cases) {
    assert.match(usageError(argv), new RegExp(`^'${option}' \\(.*\\) is not supported yet$`));
  }
});

Deno.test("output formats: -oX, -oG, -oA, --json-lines, --append-output", () => {
  const o = parseArgs(["-oX", "a.xml", "-oG", "b.gnmap", "--json-lines=-", "--append-output"]);
  assert.equal(o.xmlOutput, "a.xml");
  assert.equal(o.grepableOutput, "b.gnmap");
  assert.equal(o.eventsOutput, "-");
  assert.equal(o.appendOutput, true);
  const all = parseArgs(["-oA", "scan"]);
  assert.deepEqual(
    [all.normalOutput, all.xmlOutput, all.grepableOutput, all.jsonOutput],
    ["scan.nmap", "scan.xml", "scan.gnmap", "scan.json"],
  );
  assert.match(usageError(["-oA", "-"]), /-oA needs a file name base/);
});

Deno.test("version detection: -sV, bundled as -sSV, and its intensity options", () => {
  assert.equal(parseArgs(["-sV"]).serviceDetection, true);
  const both = parseArgs(["-sSV"]);
  assert.deepEqual([both.serviceDetection, both.scanTypes], [true, ["syn"]]);
  assert.equal(parseArgs(["-sV", "--version-intensity", "3"]).versionIntensity, 3);
  assert.equal(parseArgs(["-sV", "--version-light"]).versionIntensity, 2);
  assert.equal(parseArgs(["-sV", "--version-all"]).versionIntensity, 9);
  assert.match(usageError(["--version-intensity", "10"]), /0-9/);
});

Deno.test("--stats-every takes a duration", () => {
  assert.equal(parseArgs(["--stats-every", "10s"]).statsEvery, 10_000);
  assert.equal(parseArgs(["--stats-every=500ms"]).statsEvery, 500);
  assert.match(usageError(["--stats-every", "0"]), /positive/);
});

Deno.test("scripts: -sC, --script (adding up), --script-args, --script-timeout, --script-help", () => {
  assert.equal(parseArgs(["-sC"]).scripts, "default");
  assert.equal(parseArgs(["-sC", "--script", "vuln"]).scripts, "default,vuln");
  assert.equal(parseArgs(["--script=default or safe"]).scripts, "default or safe");
  const o = parseArgs(["--script", "http-title", "--script-args", "a=1", "--script-args=b=2"]);
  assert.equal(o.scriptArgs, "a=1,b=2");
  assert.equal(parseArgs(["--script-timeout", "5s"]).scriptTimeout, 5000);
  assert.equal(parseArgs(["--script-help", "vuln"]).scriptHelp, "vuln");
  assert.match(usageError(["--script", " "]), /needs a script/);
});

Deno.test("OS detection and -A", () => {
  const o = parseArgs(["-O", "--osscan-guess", "--osscan-limit", "--max-os-tries", "3"]);
  assert.deepEqual([o.osDetection, o.osscanGuess, o.osscanLimit, o.maxOsTries], [
    true,
    true,
    true,
    3,
  ]);
  assert.equal(parseArgs(["-A"]).aggressive, true);
  assert.equal(parseArgs(["-AT4"]).aggressive, true);
  assert.match(usageError(["--max-os-tries", "0"]), /1-50/);
});
