/**
 * The nmap command-line grammar, hand-written because no argument library speaks it:
 * single-dash long options (`-open`), letter families with attached values (`-sSU`, `-Pn`,
 * `-T4`, `-p22`), optional attached counts (`-vv`, `-v2`) and bundled flags (`-nF`).
 *
 * Only syntax and option-to-option consistency are checked here; target and port
 * specifications are kept as typed and validated by their own parsers.
 *
 * @module
 */
import { parseDuration } from "./duration.ts";
import { UsageError } from "./errors.ts";
import { defaultOptions, type Options, type ScanType } from "./options.ts";

/**
 * nmap options that Portolan recognises but does not implement yet, keyed as typed
 * (`-sV`, `--script`) with what they do. Remove an entry when its feature lands.
 */
export const NOT_SUPPORTED_YET: Readonly<Record<string, string>> = {
  // Target specification
  "-iR": "random targets",
  // Host discovery
  "-PY": "SCTP INIT ping",
  "-PO": "IP protocol ping",
  "-PR": "ARP ping",
  "--dns-servers": "custom DNS servers",
  "--system-dns": "system DNS resolver",
  // Scan techniques
  "-sY": "SCTP INIT scan",
  "-sZ": "SCTP COOKIE ECHO scan",
  "-sO": "IP protocol scan",
  "-sI": "idle scan",
  "-sM": "Maimon scan",
  "-b": "FTP bounce scan",
  "--scanflags": "custom TCP flags",
  // Port specification
  "--port-ratio": "port selection by ratio",
  // Service, OS and script detection
  "--version-trace": "version detection",
  "--script-trace": "scripting",
  "--script-updatedb": "scripting",
  // Timing and performance
  "--min-parallelism": "parallelism control",
  "--max-parallelism": "parallelism control",
  "--min-hostgroup": "host group sizing",
  "--max-hostgroup": "host group sizing",
  "--scan-delay": "probe delay",
  "--max-scan-delay": "probe delay",
  "--defeat-rst-ratelimit": "rate-limit workarounds",
  "--defeat-icmp-ratelimit": "rate-limit workarounds",
  // Firewall/IDS evasion and spoofing
  "-f": "packet fragmentation",
  "--mtu": "packet fragmentation",
  "-D": "decoys",
  "-S": "source address spoofing",
  "-e": "interface selection",
  "-g": "fixed source port",
  "--source-port": "fixed source port",
  "--data": "custom payloads",
  "--data-string": "custom payloads",
  "--data-length": "payload padding",
  "--ip-options": "IP options",
  "--spoof-mac": "MAC address spoofing",
  "--ttl": "custom TTL",
  "--badsum": "bad checksums",
  "--proxies": "proxies",
  // Output
  "-oS": "script kiddie output",
  "-oM": "machine output",
  "--packet-trace": "packet tracing",
  "--iflist": "interface listing",
  "--stylesheet": "XML stylesheets",
  "--webxml": "XML stylesheets",
  "--no-stylesheet": "XML stylesheets",
  // Misc
  "--privileged": "privilege overrides",
  "--unprivileged": "privilege overrides",
  "--send-eth": "Ethernet sending",
  "--send-ip": "IP sending",
  "--datadir": "custom data directories",
};

/** Parser state shared by every option handler. */
interface ParseState {
  options: Options;
  /** Options already seen, for the ones nmap allows only once. */
  seen: Set<string>;
}

/** How a long option is handled: whether it takes a value, and what it does. */
interface LongOption {
  value: boolean;
  apply: (state: ParseState, value: string) => void;
}

/** How a single-letter option is handled; `optional` values must be attached (`-v2`). */
interface ShortOption {
  value: "none" | "required" | "optional";
  apply: (state: ParseState, value: string) => void;
}

/** Keys of `Options` whose type admits `V`. */
type KeysAccepting<V> = { [K in keyof Options]-?: V extends Options[K] ? K : never }[keyof Options];

/** A handler that sets a fixed value, for flags. */
function set<K extends keyof Options>(key: K, fixed: Options[K]): ShortOption["apply"] {
  return (state) => {
    state.options[key] = fixed;
  };
}

/** A handler that stores the option's value as typed. */
function setLevel(key: "versionIntensity", level: number): LongOption["apply"] {
  return (state) => {
    state.options[key] = level;
  };
}

function setValue(key: KeysAccepting<string>): LongOption["apply"] {
  return (state, value) => {
    state.options[key] = value;
  };
}

const LONG_OPTIONS: Readonly<Record<string, LongOption>> = {
  "iL": {
    value: true,
    apply: (state, value) => {
      once(state, "-iL", "only one -iL input file is allowed");
      state.options.inputFile = value;
    },
  },
  "exclude": {
    value: true,
    apply: (state, value) => {
      const specs = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (specs.length === 0) throw new UsageError("option --exclude needs a value");
      state.options.exclude.push(...specs);
    },
  },
  "excludefile": { value: true, apply: setValue("excludeFile") },
  "exclude-ports": { value: true, apply: setValue("excludePorts") },
  "top-ports": {
    value: true,
    apply: (state, value) => {
      state.options.topPorts = positiveInteger(value, "--top-ports");
    },
  },
  "min-rate": {
    value: true,
    apply: (state, value) => {
      state.options.minRate = positiveNumber(value, "--min-rate");
    },
  },
  "max-rate": {
    value: true,
    apply: (state, value) => {
      state.options.maxRate = positiveNumber(value, "--max-rate");
    },
  },
  "max-retries": {
    value: true,
    apply: (state, value) => {
      state.options.maxRetries = nonNegativeInteger(value, "--max-retries");
    },
  },
  "host-timeout": {
    value: true,
    apply: (state, value) => {
      // 0 means no timeout, as in nmap.
      state.options.hostTimeout = parseDuration(value, { option: "--host-timeout" });
    },
  },
  "min-rtt-timeout": {
    value: true,
    apply: (state, value) => {
      state.options.minRttTimeout = parseDuration(value, { option: "--min-rtt-timeout" });
    },
  },
  "max-rtt-timeout": {
    value: true,
    apply: (state, value) => {
      const ms = parseDuration(value, { option: "--max-rtt-timeout" });
      // Below a few milliseconds even loopback replies would be declared lost.
      if (ms < 5) throw new UsageError(`--max-rtt-timeout must be at least 5ms, got '${value}'`);
      state.options.maxRttTimeout = ms;
    },
  },
  "initial-rtt-timeout": {
    value: true,
    apply: (state, value) => {
      const ms = parseDuration(value, { option: "--initial-rtt-timeout" });
      if (ms <= 0) throw new UsageError(`--initial-rtt-timeout must be positive, got '${value}'`);
      state.options.initialRttTimeout = ms;
    },
  },
  "seed": {
    value: true,
    apply: (state, value) => {
      state.options.seed = nonNegativeInteger(value, "--seed");
    },
  },
  "shard": {
    value: true,
    apply: (state, value) => {
      const m = /^(\d+)\/(\d+)$/.exec(value);
      const index = m ? Number(m[1]) : NaN;
      const count = m ? Number(m[2]) : NaN;
      if (!(index >= 1 && count >= 1 && index <= count && Number.isSafeInteger(count))) {
        throw new UsageError(
          `--shard needs I/N with 1 <= I <= N (e.g. --shard 2/4), got '${value}'`,
        );
      }
      state.options.shard = { index, count };
    },
  },
  "disable-arp-ping": { value: false, apply: set("disableArpPing", true) },
  "open": { value: false, apply: set("openOnly", true) },
  "reason": { value: false, apply: set("reason", true) },
  "oN": { value: true, apply: setValue("normalOutput") },
  "oJ": { value: true, apply: setValue("jsonOutput") },
  "oX": { value: true, apply: setValue("xmlOutput") },
  "oG": { value: true, apply: setValue("grepableOutput") },
  "oH": { value: true, apply: setValue("htmlOutput") },
  "oA": {
    value: true,
    apply: (state, value) => {
      // nmap's -oA BASE: BASE.nmap, BASE.xml, BASE.gnmap; Portolan adds BASE.json.
      if (value === "-") throw new UsageError("-oA needs a file name base, not '-'");
      state.options.normalOutput = `${value}.nmap`;
      state.options.xmlOutput = `${value}.xml`;
      state.options.grepableOutput = `${value}.gnmap`;
      state.options.jsonOutput = `${value}.json`;
    },
  },
  "json-lines": { value: true, apply: setValue("eventsOutput") },
  "os-passive": { value: true, apply: setValue("osPassiveFile") },
  "osscan-guess": { value: false, apply: set("osscanGuess", true) },
  "traceroute": { value: false, apply: set("traceroute", true) },
  "audit": { value: false, apply: set("audit", true) },
  "fuzzy": { value: false, apply: set("osscanGuess", true) },
  "osscan-limit": { value: false, apply: set("osscanLimit", true) },
  "max-os-tries": {
    value: true,
    apply: (state, value) => {
      const tries = nonNegativeInteger(value, "--max-os-tries");
      if (tries < 1 || tries > 50) {
        throw new UsageError(`--max-os-tries must be 1-50, got '${value}'`);
      }
      state.options.maxOsTries = tries;
    },
  },
  "script": { value: true, apply: (state, value) => addScripts(state, value) },
  "script-args": {
    value: true,
    apply: (state, value) => {
      state.options.scriptArgs = state.options.scriptArgs === undefined
        ? value
        : `${state.options.scriptArgs},${value}`;
    },
  },
  "script-args-file": { value: true, apply: setValue("scriptArgsFile") },
  "script-help": { value: true, apply: setValue("scriptHelp") },
  "script-timeout": {
    value: true,
    apply: (state, value) => {
      const ms = parseDuration(value, { option: "--script-timeout" });
      if (ms <= 0) throw new UsageError(`--script-timeout must be positive, got '${value}'`);
      state.options.scriptTimeout = ms;
    },
  },
  "stats-every": {
    value: true,
    apply: (state, value) => {
      const ms = parseDuration(value, { option: "--stats-every" });
      if (ms <= 0) throw new UsageError(`--stats-every must be positive, got '${value}'`);
      state.options.statsEvery = ms;
    },
  },
  "version-intensity": {
    value: true,
    apply: (state, value) => {
      const level = nonNegativeInteger(value, "--version-intensity");
      if (level > 9) throw new UsageError(`--version-intensity must be 0-9, got '${value}'`);
      state.options.versionIntensity = level;
    },
  },
  "version-light": { value: false, apply: setLevel("versionIntensity", 2) },
  "version-all": { value: false, apply: setLevel("versionIntensity", 9) },
  "append-output": { value: false, apply: set("appendOutput", true) },
  "resume": { value: true, apply: setValue("resumeFile") },
  "help": { value: false, apply: set("help", true) },
  "version": { value: false, apply: set("version", true) },
};

const SCAN_LETTERS: Readonly<Record<string, ScanType>> = {
  T: "connect",
  S: "syn",
  A: "ack",
  F: "fin",
  N: "null",
  X: "xmas",
  W: "window",
  U: "udp",
};

const TIMING_NAMES: readonly string[] = [
  "paranoid",
  "sneaky",
  "polite",
  "normal",
  "aggressive",
  "insane",
];

const SHORT_OPTIONS: Readonly<Record<string, ShortOption>> = {
  "6": { value: "none", apply: set("ipv6", true) },
  n: { value: "none", apply: set("resolve", "never") },
  R: { value: "none", apply: set("resolve", "always") },
  F: { value: "none", apply: set("fast", true) },
  r: { value: "none", apply: set("sequentialPorts", true) },
  h: { value: "none", apply: set("help", true) },
  V: { value: "none", apply: set("version", true) },
  O: { value: "none", apply: set("osDetection", true) },
  A: { value: "none", apply: set("aggressive", true) },
  p: {
    value: "required",
    apply: (state, value) => {
      once(state, "-p", "only one -p option is allowed; separate port ranges with commas");
      state.options.ports = value;
    },
  },
  T: {
    value: "required",
    apply: (state, value) => {
      state.options.timing = timing(value);
    },
  },
  s: { value: "required", apply: scanTypes },
  P: { value: "required", apply: discovery },
  v: {
    value: "optional",
    apply: (state, value) => {
      state.options.verbosity = level(state.options.verbosity, value, "v");
    },
  },
  d: {
    value: "optional",
    apply: (state, value) => {
      state.options.debug = level(state.options.debug, value, "d");
    },
  },
};

/**
 * Parse a command line (without the program name) the way nmap does.
 *
 * Non-option words are target specifications, kept as typed; `--` ends the options.
 * Long options take `--opt value`, `--opt=value` and nmap's single-dash `-opt value`.
 * Any mistake throws a {@linkcode UsageError} with a one-line message.
 *
 * @example
 * ```ts
 * const options = parseArgs(["-sT", "-p22,80", "-T4", "--open", "127.0.0.1"]);
 * options.scanTypes; // ["connect"]
 * options.ports; // "22,80"
 * ```
 */
export function parseArgs(argv: string[]): Options {
  const state: ParseState = { options: defaultOptions(), seen: new Set() };
  const cursor = { argv, index: 0 };
  while (cursor.index < argv.length) {
    const word = argv[cursor.index++];
    if (word === "--") {
      state.options.targets.push(...argv.slice(cursor.index));
      break;
    }
    if (word.length < 2 || !word.startsWith("-")) {
      state.options.targets.push(word);
    } else if (word.startsWith("--")) {
      parseLong(word, { cursor, state });
    } else {
      parseSingleDash(word, { cursor, state });
    }
  }
  // Help and version win over everything else, as they do in nmap.
  if (!state.options.help && !state.options.version) validate(state.options);
  if (state.options.resumeFile !== undefined && !resumeAlone(argv)) {
    // As nmap: a resumed scan runs with exactly the options it was started with.
    throw new UsageError(
      "--resume takes no other option or target (the scan's options come from the resume file)",
    );
  }
  return state.options;
}

/** True for `--resume FILE` (or `--resume=FILE`, `-resume FILE`) and nothing else. */
function resumeAlone(argv: string[]): boolean {
  if (argv.length === 1) return /^--?resume=/.test(argv[0]);
  return argv.length === 2 && /^--?resume$/.test(argv[0]);
}

interface Cursor {
  argv: string[];
  index: number;
}

interface WordContext {
  cursor: Cursor;
  state: ParseState;
}

function parseLong(word: string, ctx: WordContext): void {
  const body = word.slice(2);
  const eq = body.indexOf("=");
  const name = eq < 0 ? body : body.slice(0, eq);
  const spec = LONG_OPTIONS[name];
  if (spec === undefined) {
    rejectIfNotSupported(`--${name}`);
    rejectIfNotSupported(`-${name}`);
    throw unknownOption(`--${name}`);
  }
  runLong(name, spec, { ...ctx, inline: eq < 0 ? undefined : body.slice(eq + 1) });
}

function runLong(
  name: string,
  spec: LongOption,
  ctx: WordContext & { inline: string | undefined },
): void {
  const display = longDisplay(name);
  if (!spec.value) {
    if (ctx.inline !== undefined) throw new UsageError(`option ${display} takes no value`);
    spec.apply(ctx.state, "");
    return;
  }
  const value = ctx.inline ?? takeValue(ctx.cursor, display);
  if (value === "") throw new UsageError(`option ${display} needs a value`);
  spec.apply(ctx.state, value);
}

function parseSingleDash(word: string, ctx: WordContext): void {
  const body = word.slice(1);
  if (body.length > 1) {
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = LONG_OPTIONS[name];
    if (spec !== undefined) {
      runLong(name, spec, { ...ctx, inline: eq < 0 ? undefined : body.slice(eq + 1) });
      return;
    }
    rejectIfNotSupported(`-${name}`);
    rejectIfNotSupported(`--${name}`);
    if (SHORT_OPTIONS[body[0]] === undefined) rejectAttachedToLong(body);
  }
  parseCluster(word, ctx);
}

/** `-oNfile` and friends: nmap refuses them too, because `-oN` is a long option. */
function rejectAttachedToLong(body: string): void {
  const prefix = body.slice(0, 2);
  rejectIfNotSupported(`-${prefix}`);
  const spec = LONG_OPTIONS[prefix];
  if (spec?.value) {
    throw new UsageError(
      `option -${prefix} needs a space before its value (did you mean '-${prefix} ${
        body.slice(2)
      }'?)`,
    );
  }
}

/** Bundled single letters, getopt style: flags chain, and a value-taking letter ends the word. */
function parseCluster(word: string, ctx: WordContext): void {
  const body = word.slice(1);
  for (let i = 0; i < body.length; i++) {
    const letter = body[i];
    const spec = SHORT_OPTIONS[letter];
    if (spec === undefined) {
      // Deep inside a word, an unknown letter is more likely a typo of a long option
      // (`-reaosn`) than a bundled nmap flag, so prefer the suggestion.
      if (i > 0 && suggest(word) !== undefined) throw unknownOption(word);
      rejectIfNotSupported(`-${letter}`);
      throw unknownOption(word);
    }
    if (spec.value === "none") {
      spec.apply(ctx.state, "");
      continue;
    }
    const rest = body.slice(i + 1);
    const value = rest !== "" || spec.value === "optional"
      ? rest
      : takeValue(ctx.cursor, `-${letter}`);
    spec.apply(ctx.state, value);
    return;
  }
}

function takeValue(cursor: Cursor, display: string): string {
  if (cursor.index >= cursor.argv.length) {
    throw new UsageError(`option ${display} needs a value`);
  }
  const value = cursor.argv[cursor.index];
  // A following option is almost always a forgotten value, not a value that starts with a
  // letter after a dash; a lone "-" (stdin/stdout) and "-100" (ports) stay values.
  if (/^--?[A-Za-z]/.test(value)) {
    throw new UsageError(`option ${display} needs a value (found option '${value}')`);
  }
  cursor.index++;
  return value;
}

/** `--script` and `-sC` add up: `-sC --script vuln` runs "default,vuln". */
function addScripts(state: ParseState, expression: string): void {
  if (expression.trim() === "") {
    throw new UsageError("--script needs a script, category or expression");
  }
  const current = state.options.scripts;
  state.options.scripts = current === undefined ? expression : `${current},${expression}`;
}

function scanTypes(state: ParseState, value: string): void {
  for (const letter of value) {
    if (letter === "L") {
      state.options.listScan = true;
      continue;
    }
    if (letter === "V") {
      state.options.serviceDetection = true;
      continue;
    }
    if (letter === "C") {
      addScripts(state, "default");
      continue;
    }
    // -sP is nmap's older spelling of -sn.
    if (letter === "n" || letter === "P") {
      state.options.pingScan = true;
      continue;
    }
    const type = SCAN_LETTERS[letter];
    if (type === undefined) {
      rejectIfNotSupported(`-s${letter}`);
      const upper = letter.toUpperCase();
      const hint = upper !== letter && (SCAN_LETTERS[upper] !== undefined || upper === "L")
        ? ` (did you mean -s${upper}?)`
        : " (scan types: -sT, -sS, -sA, -sF, -sN, -sX, -sW, -sU, -sL)";
      throw new UsageError(`unknown scan type '-s${letter}'${hint}`);
    }
    if (!state.options.scanTypes.includes(type)) state.options.scanTypes.push(type);
  }
}

/** nmap's default port for each `-P` ping that takes a port list. */
const PING_DEFAULT_PORTS: Readonly<Record<"S" | "A" | "U", string>> = {
  S: "80",
  A: "80",
  U: "40125",
};

const PING_PORT_KEYS = { S: "tcpSyn", A: "tcpAck", U: "udp" } as const;
const PING_ICMP_KEYS = { E: "icmpEcho", P: "icmpTimestamp", M: "icmpMask" } as const;

function discovery(state: ParseState, value: string): void {
  // -P0 and -PN are nmap's older spellings of -Pn.
  if (value === "n" || value === "N" || value === "0") {
    state.options.skipDiscovery = true;
    return;
  }
  const letter = value[0];
  const rest = value.slice(1);
  if (letter === "S" || letter === "A" || letter === "U") {
    // As nmap: the port list is attached (-PS22,80); a bare -PS means the default port.
    const ports = rest === "" ? PING_DEFAULT_PORTS[letter] : pingPorts(rest, `-P${letter}`);
    const probes = state.options.discoveryProbes ??= {};
    const key = PING_PORT_KEYS[letter];
    probes[key] = probes[key] === undefined ? ports : `${probes[key]},${ports}`;
    return;
  }
  if (letter === "E" || letter === "P" || letter === "M") {
    if (rest !== "") {
      throw new UsageError(`-P${letter} takes no value, got '-P${value}'`);
    }
    (state.options.discoveryProbes ??= {})[PING_ICMP_KEYS[letter]] = true;
    return;
  }
  rejectIfNotSupported(`-P${letter}`);
  throw new UsageError(
    `unknown host discovery option '-P${value}' (use -Pn, -PS, -PA, -PU, -PE, -PP or -PM)`,
  );
}

/** A ping port list as nmap takes it: numbers and ranges, comma-separated, 0-65535. */
function pingPorts(list: string, option: string): string {
  for (const item of list.split(",")) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    const low = m ? Number(m[1]) : NaN;
    const high = m?.[2] !== undefined ? Number(m[2]) : low;
    if (!(low <= high && high <= 65535)) {
      throw new UsageError(
        `invalid port list for ${option}: '${list}' (e.g. ${option}22,80,8000-8010)`,
      );
    }
  }
  return list;
}

function timing(value: string): number {
  if (/^[0-5]$/.test(value)) return Number(value);
  const index = TIMING_NAMES.indexOf(value.toLowerCase());
  if (index >= 0) return index;
  throw new UsageError(
    `invalid timing template '-T ${value}' (use 0-5 or ${TIMING_NAMES.join(", ")})`,
  );
}

/** `-v` adds one, `-vvv` adds three, `-v2` sets the level to 2 (likewise `-d`). */
function level(current: number, value: string, letter: string): number {
  if (value === "") return current + 1;
  if (new RegExp(`^${letter}+$`).test(value)) return current + value.length + 1;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  throw new UsageError(
    `invalid argument to -${letter}: '${value}' (use -${letter}, -${letter}${letter} or -${letter}<level>)`,
  );
}

function once(state: ParseState, key: string, message: string): void {
  if (state.seen.has(key)) throw new UsageError(message);
  state.seen.add(key);
}

function positiveInteger(value: string, option: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${option} needs a whole number of 1 or more, got '${value}'`);
  }
  return n;
}

function nonNegativeInteger(value: string, option: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new UsageError(`${option} needs a whole number of 0 or more, got '${value}'`);
  }
  return n;
}

function positiveNumber(value: string, option: string): number {
  const n = /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${option} needs a number greater than 0, got '${value}'`);
  }
  return n;
}

/** Checks that need the whole command line; the messages follow nmap's where it has one. */
function validate(options: Options): void {
  const { minRate, maxRate, minRttTimeout, maxRttTimeout } = options;
  if (minRate !== undefined && maxRate !== undefined && minRate > maxRate) {
    throw new UsageError(
      `--min-rate ${minRate} must be less than or equal to --max-rate ${maxRate}`,
    );
  }
  if (
    minRttTimeout !== undefined && maxRttTimeout !== undefined && minRttTimeout > maxRttTimeout
  ) {
    throw new UsageError(
      `--min-rtt-timeout (${minRttTimeout}ms) must not exceed --max-rtt-timeout (${maxRttTimeout}ms)`,
    );
  }
  const tcp = options.scanTypes.filter((t) => t !== "udp");
  if (tcp.length > 1) {
    throw new UsageError(
      `only one TCP scan type may be given, got ${
        tcp.map(scanFlag).join(" and ")
      } (-sU can be added to any of them)`,
    );
  }
  if (options.pingScan && (options.listScan || options.scanTypes.length > 0)) {
    const others = [...(options.listScan ? ["-sL"] : []), ...options.scanTypes.map(scanFlag)];
    throw new UsageError(
      `-sn (ping scan, no port scan) cannot be combined with ${others.join(", ")}`,
    );
  }
  if (options.listScan && options.scanTypes.length > 0) {
    throw new UsageError(
      `-sL (list scan) cannot be combined with ${options.scanTypes.map(scanFlag).join(", ")}`,
    );
  }
  if (
    options.listScan &&
    (options.ports !== undefined || options.fast || options.topPorts !== undefined)
  ) {
    throw new UsageError("-sL (list scan) does not scan ports: drop -p, -F and --top-ports");
  }
  if (options.fast && options.ports !== undefined) {
    throw new UsageError("-F (fast scan) cannot be combined with -p; use --top-ports with -p");
  }
  if (options.exclude.length > 0 && options.excludeFile !== undefined) {
    throw new UsageError("--exclude and --excludefile cannot be used together");
  }
}

function scanFlag(type: ScanType): string {
  const letter = Object.keys(SCAN_LETTERS).find((k) => SCAN_LETTERS[k] === type);
  return `-s${letter}`;
}

function longDisplay(name: string): string {
  return name.length <= 2 ? `-${name}` : `--${name}`;
}

function rejectIfNotSupported(option: string): void {
  const what = NOT_SUPPORTED_YET[option];
  if (what !== undefined) {
    throw new UsageError(`'${option}' (${what}) is not supported yet`);
  }
}

function unknownOption(word: string): UsageError {
  const shown = word.split("=")[0];
  const suggestion = suggest(word);
  return new UsageError(
    suggestion === undefined
      ? `unknown option '${shown}'`
      : `unknown option '${shown}' (did you mean ${suggestion}?)`,
  );
}

/** Every spelling a suggestion may offer, supported ones first so they win ties. */
function knownOptionNames(): string[] {
  const names = Object.keys(LONG_OPTIONS).map(longDisplay);
  for (const letter of Object.keys(SHORT_OPTIONS)) {
    if (letter !== "s" && letter !== "P") names.push(`-${letter}`);
  }
  names.push(...Object.keys(SCAN_LETTERS).map((l) => `-s${l}`), "-sL", "-sn", "-Pn");
  names.push("-PS", "-PA", "-PU", "-PE", "-PP", "-PM");
  names.push(...Object.keys(NOT_SUPPORTED_YET));
  return names;
}

/** The closest known option to `word`, if one is close enough to be a plausible typo. */
function suggest(word: string): string | undefined {
  const typed = word.split("=")[0].replace(/^--?/, "");
  if (typed.length < 3) return undefined;
  // nmap's getopt accepts unambiguous abbreviations (`--top`); point to the full name.
  const extensions = Object.keys(LONG_OPTIONS).filter((name) => name.startsWith(typed));
  if (extensions.length === 1) return longDisplay(extensions[0]);
  const limit = typed.length <= 4 ? 1 : typed.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const name of knownOptionNames()) {
    const distance = editDistance(typed, name.replace(/^--?/, ""));
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions (`tpo`). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) rows[i].push(i === 0 ? j : 0);
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2][j - 2] + 1);
      }
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
}
