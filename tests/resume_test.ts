/**
 * Interrupting and resuming the real command: `deno run main.ts` as a subprocess scans
 * listeners this test opens on its own loopback address (127.88.5.1), slowed with --max-rate so
 * there is time to interrupt it. SIGINT must leave complete, valid outputs marked partial and a
 * resume file; `--resume` must then finish with the same ports and states as an uninterrupted
 * run while probing only what was left. Raw-engine cases need root (CAP_NET_RAW) and libpcap.
 */
import assert from "node:assert/strict";
import { runCommand } from "../main.ts";
import type { CommandIo } from "../main.ts";
import { rawAvailability } from "../native/privileges.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const HOST = "127.88.5.1";
const LISTEN_PORTS = [1234, 5555, 8000];
const PORTS = 10_000;
const RATE = 2000;

interface JsonPort {
  port: number;
  protocol: string;
  state: string;
}

interface JsonReport {
  partial: boolean;
  elapsedMs: number;
  hosts: { address: string; timedOut: boolean; ports: JsonPort[] }[];
}

/** Accept and close connections on `ports` until the returned function is called. */
function listen(ports: number[]): () => Promise<void> {
  const listeners = ports.map((port) => Deno.listen({ hostname: HOST, port }));
  const loops = listeners.map(async (listener) => {
    while (true) {
      try {
        (await listener.accept()).close();
      } catch (error) {
        // A scan's connect can be torn down before accept sees it; only closing ends the loop.
        if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
          return;
        }
      }
    }
  });
  return async () => {
    for (const listener of listeners) listener.close();
    await Promise.allSettled(loops);
  };
}

function spawn(args: string[], cwd: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finish(child: Deno.ChildProcess): Promise<{ code: number; stderr: string }> {
  const out = await child.output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

async function countLines(path: string, needle: string): Promise<number> {
  try {
    return (await Deno.readTextFile(path)).split("\n").filter((l) => l.includes(needle)).length;
  } catch {
    return 0;
  }
}

/** Wait until the event stream shows at least `ports` port results, then send SIGINT. */
async function interruptAfter(child: Deno.ChildProcess, events: string, ports: number) {
  const deadline = Date.now() + 30_000;
  while (await countLines(events, '"type":"port"') < ports) {
    assert.ok(Date.now() < deadline, "the scan never got going");
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGINT");
}

async function readJson(path: string): Promise<JsonReport> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** The last `sent` a progress line reported in an event stream. */
async function lastSent(events: string): Promise<number> {
  const lines = (await Deno.readTextFile(events)).split("\n").filter((l) =>
    l.includes('"type":"progress"')
  );
  assert.ok(lines.length > 0, `no progress in ${events}`);
  return JSON.parse(lines[lines.length - 1]).sent;
}

function states(report: JsonReport): Map<number, string> {
  return new Map(report.hosts[0].ports.map((p) => [p.port, p.state]));
}

async function xmlWellFormed(path: string): Promise<void> {
  const text = await Deno.readTextFile(path);
  assert.match(text, /<\/nmaprun>\s*$/);
  try {
    const out = await new Deno.Command("xmllint", { args: ["--noout", path], stderr: "piped" })
      .output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Run `scan` three ways in `dir`: interrupted, resumed, and whole (beside them, in its own
 * folder), and compare.
 */
async function interruptAndResume(scan: string[]): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "portolan_resume_" });
  const stop = listen(LISTEN_PORTS);
  try {
    await Deno.mkdir(`${dir}/full`);
    const outputs = ["-oJ", "scan.json", "-oX", "scan.xml", "--json-lines", "events.ndjson"];
    const args = [...scan, "-p", `1-${PORTS}`, "--max-rate", `${RATE}`, ...outputs, HOST];
    const full = spawn(args, `${dir}/full`);

    const first = spawn(args, dir);
    await interruptAfter(first, `${dir}/events.ndjson`, 1500);
    const stopped = await finish(first);
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, /--resume scan\.resume\.json/);
    const partial = await readJson(`${dir}/scan.json`);
    assert.equal(partial.partial, true);
    const before = partial.hosts[0]?.ports.length ?? 0;
    assert.ok(before >= 1500 && before < PORTS, `${before} ports before the interrupt`);
    await xmlWellFormed(`${dir}/scan.xml`);
    assert.match(await Deno.readTextFile(`${dir}/scan.xml`), /exit="error"/);
    const resumeFile = JSON.parse(await Deno.readTextFile(`${dir}/scan.resume.json`));
    assert.equal(resumeFile.schema, "portolan/resume/1");
    assert.deepEqual(resumeFile.argv, args);

    const second = spawn(["--resume", "scan.resume.json"], dir);
    const resumed = await finish(second);
    assert.equal(resumed.code, 0, resumed.stderr);
    const whole = await finish(full);
    assert.equal(whole.code, 0, whole.stderr);

    const final = await readJson(`${dir}/scan.json`);
    const reference = await readJson(`${dir}/full/scan.json`);
    assert.equal(final.partial, false);
    await xmlWellFormed(`${dir}/scan.xml`);
    assert.match(await Deno.readTextFile(`${dir}/scan.xml`), /exit="success"/);
    assert.equal(final.hosts[0].ports.length, PORTS);
    assert.deepEqual(states(final), states(reference));
    const open = [...states(final)].filter(([, s]) => s === "open").map(([p]) => p);
    for (const port of LISTEN_PORTS) assert.ok(open.includes(port), `${port} not open`);

    // The resumed run probed what was left, not everything again.
    const sentAgain = await lastSent(`${dir}/events.ndjson`);
    assert.ok(sentAgain <= PORTS - before + 50, `resumed run sent ${sentAgain} probes`);
    assert.ok(
      final.elapsedMs < reference.elapsedMs,
      `resumed ${final.elapsedMs} ms, whole ${reference.elapsedMs} ms`,
    );
  } finally {
    await stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("connect scan: SIGINT writes partial outputs and a resume file; --resume finishes it", async () => {
  await interruptAndResume(["-sT"]);
});

const raw = rawAvailability();

Deno.test({
  name: "SYN scan: SIGINT writes partial outputs and a resume file; --resume finishes it",
  ignore: !raw.ok,
  fn: async () => {
    await interruptAndResume(["-sS"]);
  },
});

Deno.test({
  name: "SYN scan: --host-timeout stops probing the host and keeps what it had shown",
  ignore: !raw.ok,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "portolan_resume_" });
    const stop = listen(LISTEN_PORTS);
    try {
      const child = spawn([
        "-sS",
        "-p",
        `1-${PORTS}`,
        "--max-rate",
        `${RATE}`,
        "--host-timeout",
        "1500ms",
        "-oJ",
        "scan.json",
        HOST,
      ], dir);
      const result = await finish(child);
      assert.equal(result.code, 0, result.stderr);
      const report = await readJson(`${dir}/scan.json`);
      assert.equal(report.partial, false);
      const host = report.hosts[0];
      assert.equal(host.timedOut, true);
      // At 2000 probes a second, 1.5 s is about 3000 ports: some shown, the rest never decided.
      assert.ok(
        host.ports.length > 500 && host.ports.length < PORTS - 2000,
        `${host.ports.length}`,
      );
      assert.ok(host.ports.every((p) => p.state === "open" || p.state === "closed"));
      assert.ok(report.elapsedMs < (PORTS / RATE) * 1000 * 0.75, `${report.elapsedMs} ms`);
    } finally {
      await stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const io: CommandIo = {
    stdout: () => {},
    stderr: (text) => stderr += text,
    stderrIsTerminal: false,
  };
  return { code: await runCommand(argv, io), stderr };
}

Deno.test("--resume takes nothing else, and refuses files that are not resume files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "portolan_resume_" });
  try {
    const extra = await run(["--resume", `${dir}/x.json`, "-p", "80"]);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /--resume takes no other option/);
    const missing = await run(["--resume", `${dir}/none.json`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read resume file/);
    await Deno.writeTextFile(`${dir}/report.json`, JSON.stringify({ schema: "portolan/report/1" }));
    const wrong = await run([`--resume=${dir}/report.json`]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /is not a resume file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
