/**
 * The `portolan` command: argv -> Options -> ScanPlan -> events -> writers.
 * The only place that calls Deno.exit. Exit codes: 0 done, 1 runtime failure, 2 usage error,
 * 130 interrupted (Ctrl-C or SIGTERM; the outputs and a resume file were written).
 * @module
 */
import { parseArgs } from "./cli/args.ts";
import { helpText, versionText } from "./cli/help.ts";
import { RuntimeError, UsageError } from "./cli/errors.ts";
import type { Options } from "./cli/options.ts";
import { buildPlan, scanFlag } from "./engine/plan.ts";
import type { PlanHooks } from "./engine/plan.ts";
import { planScripts, runPlanBatches } from "./engine/scan.ts";
import type { ProgressEvent, ScanEvent } from "./engine/events.ts";
import { ProgressTracker } from "./output/status.ts";
import type { ScanPlan } from "./engine/plan_types.ts";
import { ReportBuilder } from "./output/report.ts";
import {
  readResumeFile,
  resumePathFor,
  ResumeRecorder,
  type ResumeState,
  resumeState,
  writeResumeFile,
} from "./engine/resume.ts";
import { formatNormal, formatStartLine } from "./output/normal.ts";
import { jsonParts } from "./output/json.ts";
import { NdjsonWriter } from "./output/ndjson.ts";
import { raiseOpenFileLimit } from "./native/libc.ts";
import meta from "./deno.json" with { type: "json" };

const encoder = new TextEncoder();

/** Where the command writes; tests replace these to capture output. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal (live status line). */
  stderrIsTerminal: boolean;
}

function defaultIo(): CommandIo {
  return {
    stdout: (text) => writeAll(Deno.stdout, text),
    stderr: (text) => writeAll(Deno.stderr, text),
    stderrIsTerminal: Deno.stderr.isTerminal(),
  };
}

/** Text longer than this is encoded piece by piece into one reused buffer. */
const CHUNK_CHARS = 1 << 18;
let chunkBuffer: Uint8Array | undefined;

/**
 * Write `text` as UTF-8 to `file`, whole, however short the writes the file takes.
 *
 * @example
 * writeAll(Deno.stdout, "done\n");
 */
export function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  if (text.length <= CHUNK_CHARS) {
    writeBytes(file, encoder.encode(text));
    return;
  }
  // A report of a /16 is tens of megabytes: encoding it whole allocates as much again, and
  // that costs more than the writes. Each piece ends before a lone surrogate half.
  const buffer = chunkBuffer ??= new Uint8Array(CHUNK_CHARS * 3);
  let position = 0;
  while (position < text.length) {
    let end = Math.min(text.length, position + CHUNK_CHARS);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    const { written } = encoder.encodeInto(text.slice(position, end), buffer);
    writeBytes(file, buffer.subarray(0, written));
    position = end;
  }
}

function writeBytes(file: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
}

/**
 * Run the command with `argv` (without the program name) and return the exit code.
 *
 * @example
 * const code = await runCommand(["-p", "22,80", "127.0.0.1"]);
 */
export async function runCommand(
  argv: string[],
  io: CommandIo = defaultIo(),
  hooks: PlanHooks = {},
): Promise<number> {
  let debug = 0;
  try {
    let options = parseArgs(argv);
    let resume: ResumeState | undefined;
    if (options.resumeFile !== undefined) {
      // Every option comes back from the file, the seed too, so the plan is the same one.
      const file = await readResumeFile(options.resumeFile);
      argv = file.argv;
      options = { ...parseArgs(argv), seed: file.seed };
      resume = resumeState(file);
    }
    debug = options.debug;
    if (options.help) {
      io.stdout(helpText());
      return 0;
    }
    if (options.version) {
      io.stdout(versionText());
      return 0;
    }
    if (options.scriptHelp !== undefined) {
      const { scriptHelpText } = await import("./probes/scripts/mod.ts");
      io.stdout(
        scriptHelpText(
          await planScripts(options.scriptHelp, (m) => io.stderr(`portolan: warning: ${m}\n`)),
        ),
      );
      return 0;
    }
    if (options.osPassiveFile !== undefined) {
      return await osPassiveReport(options.osPassiveFile, io);
    }
    const outputs = await Outputs.open(options, io);
    try {
      const plan = await buildPlan(options, hooks);
      if (options.listScan) return listScan(plan, io, outputs);
      const interrupted = await scanAndReport(argv, options, plan, { io, outputs, resume });
      return interrupted ? 130 : 0;
    } finally {
      outputs.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`portolan: ${error.message}\n`);
      return 2;
    }
    if (error instanceof RuntimeError) {
      io.stderr(`portolan: ${error.message}\n`);
      return 1;
    }
    if (error instanceof Deno.errors.BrokenPipe) {
      // The reader went away (`portolan ... | head`): nothing left to say to anyone.
      return 0;
    }
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      io.stderr(`portolan: ${(error as Error).message}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`portolan: internal error: ${message}\n`);
    if (debug > 0 && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return 1;
  }
}

type OutputKind = "normal" | "json" | "xml" | "grepable" | "html" | "events";

const OUTPUT_FLAGS: Readonly<Record<OutputKind, string>> = {
  normal: "-oN",
  json: "-oJ",
  xml: "-oX",
  grepable: "-oG",
  html: "-oH",
  events: "--json-lines",
};

/**
 * The output destinations the user asked for, opened before scanning so a bad path fails
 * before any work is done. `-` means stdout; at most one format may go there.
 */
class Outputs {
  #files = new Map<OutputKind, Deno.FsFile>();
  #io: CommandIo;
  /** The format written to stdout instead of a file, if any. */
  readonly stdoutKind?: OutputKind;

  private constructor(io: CommandIo, stdoutKind?: OutputKind) {
    this.#io = io;
    this.stdoutKind = stdoutKind;
  }

  static async open(options: Options, io: CommandIo): Promise<Outputs> {
    const paths: [OutputKind, string | undefined][] = [
      ["normal", options.normalOutput],
      ["json", options.jsonOutput],
      ["xml", options.xmlOutput],
      ["grepable", options.grepableOutput],
      ["html", options.htmlOutput],
      ["events", options.eventsOutput],
    ];
    const toStdout = paths.filter(([, path]) => path === "-").map(([kind]) => kind);
    if (toStdout.length > 1) {
      throw new UsageError(
        `only one output can go to stdout (${toStdout.map((k) => OUTPUT_FLAGS[k]).join(", ")})`,
      );
    }
    const outputs = new Outputs(io, toStdout[0]);
    try {
      for (const [kind, path] of paths) {
        if (path === undefined || path === "-") continue;
        try {
          outputs.#files.set(
            kind,
            await Deno.open(path, {
              write: true,
              create: true,
              // Two HTML pages appended into one file would not be a page.
              append: options.appendOutput && kind !== "html",
              truncate: !options.appendOutput || kind === "html",
            }),
          );
        } catch (error) {
          const reason = error instanceof Error ? error.message.split(":")[0] : String(error);
          throw new UsageError(`cannot open output file '${path}': ${reason}`);
        }
      }
    } catch (error) {
      outputs.close();
      throw error;
    }
    return outputs;
  }

  /** True when `kind` was asked for, as a file or on stdout. */
  has(kind: OutputKind): boolean {
    return this.#files.has(kind) || this.stdoutKind === kind;
  }

  /** True when a machine format owns stdout, so the human report stays off it. */
  get machineOnStdout(): boolean {
    return this.stdoutKind !== undefined && this.stdoutKind !== "normal";
  }

  write(kind: OutputKind, text: string): void {
    if (this.stdoutKind === kind) this.#io.stdout(text);
    const file = this.#files.get(kind);
    if (file) writeAll(file, text);
  }

  close(): void {
    for (const file of this.#files.values()) file.close();
    this.#files.clear();
  }
}

/** `--os-passive FILE.pcap`: one line per host seen answering or connecting in the capture. */
async function osPassiveReport(path: string, io: CommandIo): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split(":")[0] : String(error);
    throw new UsageError(`cannot read capture '${path}': ${reason}`);
  }
  const { passiveFromPcap } = await import("./probes/os/pcap_passive.ts");
  const { formatPassiveHint } = await import("./probes/os/passive.ts");
  let hints;
  try {
    hints = passiveFromPcap(bytes);
  } catch (error) {
    throw new UsageError(`'${path}' is not a classic pcap capture (${(error as Error).message})`);
  }
  if (hints.size === 0) io.stdout(`No SYN, SYN-ACK or matching RST with an OS hint in ${path}\n`);
  for (const [address, hint] of hints) io.stdout(`${address}: ${formatPassiveHint(hint)}\n`);
  return 0;
}

function listScan(plan: ScanPlan, io: CommandIo, outputs: Outputs): number {
  const started = performance.now();
  const lines: string[] = [];
  for (let i = 0; i < plan.targets.size; i++) {
    const target = plan.targets.at(i);
    const line = target.hostname
      ? `Portolan scan report for ${target.hostname} (${target.address})\n`
      : `Portolan scan report for ${target.address}\n`;
    io.stdout(line);
    if (outputs.has("normal") && outputs.stdoutKind !== "normal") lines.push(line);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const count = plan.targets.size;
  const done = `Portolan done: ${count} IP address${count === 1 ? "" : "es"} (0 hosts up) ` +
    `scanned in ${seconds} seconds\n`;
  io.stdout(done);
  if (lines.length > 0) outputs.write("normal", lines.join("") + done);
  return 0;
}

/** Where a scan writes, and the interrupted scan it continues, if any. */
interface ScanContext {
  io: CommandIo;
  outputs: Outputs;
  resume?: ResumeState;
}

/** Scan and write every output; true when the scan was interrupted (a resume file was written). */
async function scanAndReport(
  argv: string[],
  options: Options,
  plan: ScanPlan,
  context: ScanContext,
): Promise<boolean> {
  const { io, outputs, resume } = context;
  if (plan.fallbackReason) io.stderr(`portolan: note: ${plan.fallbackReason}\n`);
  if (plan.scanType === "connect") tryRaiseOpenFileLimit();
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr("\nportolan: interrupted; finishing with what was found (Ctrl-C again to quit)\n");
      controller.abort();
    } else {
      Deno.exit(130);
    }
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);

  const args = [...argv]; // the schemas' `args`: the command line without the program name
  const builder = new ReportBuilder({
    args,
    version: meta.version,
    scanType: scanFlag(plan.scanType),
  });
  const events = outputs.has("events")
    ? new NdjsonWriter((line) => outputs.write("events", line), { args, version: meta.version })
    : undefined;
  const recorder = new ResumeRecorder(resume);
  const status = new LiveStatus(io, options);
  const startLine = formatStartLine(meta.version, new Date()) + "\n";
  if (!outputs.machineOnStdout) io.stdout(startLine);
  try {
    for await (const batch of runPlanBatches(plan, { signal: controller.signal, resume })) {
      for (const event of batch) {
        builder.add(event);
        recorder.add(event);
        events?.write(event);
        reportLive(event, status);
      }
    }
  } finally {
    status.stop();
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  }
  // --open applies to every output, as in nmap: hosts with nothing open are left out.
  const openOnly = options.openOnly;
  // What only some scans need loads on first use, so a plain port scan starts faster.
  const report = options.audit
    ? (await import("./output/audit.ts")).auditReport(builder.build({ openOnly }))
    : builder.build({ openOnly });
  const text = formatNormal(report, {
    reason: options.reason,
    openOnly: options.openOnly,
    verbosity: status.verbosity,
    header: false,
  });
  // Like nmap's `-oX -`: a machine format sent to stdout replaces the human report there.
  if (!outputs.machineOnStdout) io.stdout(text);
  if (outputs.stdoutKind !== "normal") outputs.write("normal", startLine + text);
  const scannedPorts = plan.ports;
  if (outputs.has("json")) {
    // In parts: a -p- or sweep report is megabytes of text, and holding it whole costs memory.
    for (const part of jsonParts(report, { openOnly })) outputs.write("json", part);
  }
  if (outputs.has("xml")) {
    const { formatXml } = await import("./output/xml.ts");
    outputs.write(
      "xml",
      formatXml(report, { scannedPorts, verbosity: options.verbosity, openOnly }),
    );
  }
  if (outputs.has("html")) {
    const { formatHtml } = await import("./output/html.ts");
    outputs.write("html", formatHtml(report, { scannedPorts }));
  }
  if (outputs.has("grepable")) {
    const { formatGrepable } = await import("./output/grepable.ts");
    outputs.write(
      "grepable",
      formatGrepable(report, { scannedPorts, verbosity: options.verbosity, openOnly }),
    );
  }
  if (!controller.signal.aborted || !report.partial) return false;
  const path = resumePathFor([
    options.normalOutput,
    options.xmlOutput,
    options.grepableOutput,
    options.jsonOutput,
    options.htmlOutput,
    options.eventsOutput,
  ]);
  try {
    await writeResumeFile(
      path,
      // Every host, --open or not: the resume file says which ones are finished.
      recorder.file(builder.build(), { argv, seed: plan.seed, version: meta.version }),
    );
    io.stderr(`portolan: scan interrupted; continue it with: portolan --resume ${path}\n`);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split(":")[0] : String(error);
    io.stderr(`portolan: scan interrupted; cannot write the resume file '${path}': ${reason}\n`);
  }
  return true;
}

/** A connect scan wants many sockets at once; raising the soft limit is best effort. */
function tryRaiseOpenFileLimit(): void {
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return;
  try {
    raiseOpenFileLimit();
  } catch {
    // Without libc or the right, the scan runs within the limit it has (engine/fd_limit.ts).
  }
}

/** What is printed while the scan runs: -v discoveries and the status line. */
function reportLive(event: ScanEvent, status: LiveStatus): void {
  switch (event.type) {
    case "port":
      if (status.verbosity > 0 && event.state === "open") {
        status.say(`Discovered open port ${event.port}/${event.protocol} on ${event.address}\n`);
      }
      break;
    case "host-done":
      status.hostDone();
      break;
    case "progress":
      status.progress(event);
      break;
    default:
      break;
  }
}

/**
 * What the user sees while a scan runs, on stderr: a self-overwriting status line on a
 * terminal (nothing when stderr is not one), `--stats-every` lines, and keys read from a
 * terminal's stdin as in nmap: Enter (or space) prints a status line, v/V raise/lower
 * verbosity, d/D raise/lower debugging.
 */
class LiveStatus {
  #io: CommandIo;
  #tracker = new ProgressTracker(performance.now());
  #shown = false;
  #lastDrawn = 0;
  #timer?: ReturnType<typeof setInterval>;
  #keys?: AbortController;
  verbosity: number;
  debug: number;

  constructor(io: CommandIo, options: Options) {
    this.#io = io;
    this.verbosity = options.verbosity;
    this.debug = options.debug;
    if (options.statsEvery !== undefined) {
      this.#timer = setInterval(() => this.print(), options.statsEvery);
    }
    // Keys only from a terminal, and never when stdin carries the target list.
    if (options.inputFile !== "-" && io.stderrIsTerminal && Deno.stdin.isTerminal()) {
      this.#readKeys();
    }
  }

  progress(event: ProgressEvent): void {
    this.#tracker.update(event);
    const now = performance.now();
    if (!this.#io.stderrIsTerminal || now - this.#lastDrawn < 250) return;
    this.#lastDrawn = now;
    this.#io.stderr(`\r\x1b[2K${this.#tracker.line(now)}`);
    this.#shown = true;
  }

  hostDone(): void {
    this.#tracker.hostDone();
  }

  /** Print a line above the status line. */
  say(text: string): void {
    this.clear();
    this.#io.stderr(text);
  }

  print(): void {
    this.say(`${this.#tracker.line(performance.now())}\n`);
  }

  clear(): void {
    if (this.#shown) this.#io.stderr("\r\x1b[2K");
    this.#shown = false;
  }

  stop(): void {
    this.clear();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#keys) {
      this.#keys.abort();
      try {
        Deno.stdin.setRaw(false);
      } catch {
        // stdin already closed
      }
    }
  }

  #readKeys(): void {
    this.#keys = new AbortController();
    const signal = this.#keys.signal;
    try {
      // cbreak keeps Ctrl-C a signal, so the interrupt handling stays the same.
      Deno.stdin.setRaw(true, { cbreak: true });
    } catch {
      return;
    }
    (async () => {
      const buffer = new Uint8Array(16);
      while (!signal.aborted) {
        const n = await Deno.stdin.read(buffer).catch(() => null);
        if (n === null || signal.aborted) return;
        for (const byte of buffer.subarray(0, n)) this.#key(String.fromCharCode(byte));
      }
    })();
  }

  #key(key: string): void {
    switch (key) {
      case "\r":
      case "\n":
      case " ":
        this.print();
        break;
      case "v":
        this.say(`Verbosity Increased to ${++this.verbosity}.\n`);
        break;
      case "V":
        this.verbosity = Math.max(0, this.verbosity - 1);
        this.say(`Verbosity Decreased to ${this.verbosity}.\n`);
        break;
      case "d":
        this.say(`Debugging Increased to ${++this.debug}.\n`);
        break;
      case "D":
        this.debug = Math.max(0, this.debug - 1);
        this.say(`Debugging Decreased to ${this.debug}.\n`);
        break;
    }
  }
}

if (import.meta.main) {
  const code = await runCommand(Deno.args);
  Deno.exit(code);
}
