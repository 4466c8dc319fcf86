/**
 * The single binary carries everything it needs: the entry point, run from an unrelated
 * directory with exactly the permissions `deno task compile` grants, scans and reports.
 * If DENORT_BIN names a real denort, the binary itself is built and run too.
 */
import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import meta from "../deno.json" with { type: "json" };

const mainTs = fromFileUrl(new URL("../main.ts", import.meta.url));
const root = fromFileUrl(new URL("..", import.meta.url));

/** The --allow-*, --unstable-* and --v8-flags flags of the compile task, exactly as written. */
function compilePermissions(): string[] {
  const flags = meta.tasks.compile.split(/\s+/).filter((word) =>
    word.startsWith("--allow-") || word.startsWith("--unstable-") || word.startsWith("--v8-flags")
  );
  assert.ok(flags.length > 0, "the compile task names its permissions");
  return flags;
}

async function withListener<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    // A connection reset before it is accepted fails accept(); keep accepting until closed.
    while (true) {
      try {
        (await listener.accept()).close();
      } catch (error) {
        if (error instanceof Deno.errors.NotConnected) continue;
        if (error instanceof Deno.errors.ConnectionReset) continue;
        return;
      }
    }
  })();
  try {
    return await fn((listener.addr as Deno.NetAddr).port);
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
}

Deno.test("entry point runs from an unrelated directory with the compile task's permissions", async () => {
  const elsewhere = await Deno.makeTempDir();
  try {
    await withListener(async (port) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          ...compilePermissions(),
          mainTs,
          "--reason",
          "-p",
          `${port}`,
          "-oJ",
          "report.json",
          "127.0.0.1",
        ],
        cwd: elsewhere,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, `exit ${out.code}: ${stderr}`);
      if (Deno.uid() === 0) {
        // As root the permission set must be enough for raw scanning (routes and capabilities
        // are read from /proc and /sys, which Deno opens only with --allow-all): no fallback.
        assert.doesNotMatch(stderr, /scanning with connect/, stderr);
        assert.match(stdout, new RegExp(`${port}/tcp\\s+open\\s+\\S+\\s+syn-ack ttl \\d+`));
      }
      assert.match(stdout, new RegExp(`${port}/tcp\\s+open`));
      const report = JSON.parse(await Deno.readTextFile(`${elsewhere}/report.json`));
      const ports = report.hosts[0].ports;
      assert.equal(ports.find((p: { port: number }) => p.port === port)?.state, "open");
    });
    // --help and --version read nothing from disk either.
    for (const flag of ["--help", "--version"]) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", ...compilePermissions(), mainTs, flag],
        cwd: elsewhere,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    }
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
  }
});

async function realDenort(): Promise<string | undefined> {
  const path = Deno.env.get("DENORT_BIN");
  if (!path) return undefined;
  try {
    // The deno CLI is not a runtime for compiled programs; only a real denort is.
    const out = await new Deno.Command(path, { args: ["--version"], stdout: "piped" }).output();
    return new TextDecoder().decode(out.stdout).startsWith("deno ") ? undefined : path;
  } catch {
    return undefined;
  }
}

const denort = await realDenort();

Deno.test({
  name: "deno task compile builds a binary that scans (needs DENORT_BIN=<denort>)",
  ignore: denort === undefined,
  fn: async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "compile"],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const elsewhere = await Deno.makeTempDir();
    try {
      await withListener(async (port) => {
        const run = await new Deno.Command(`${root}/dist/portolan`, {
          args: ["-p", `${port}`, "127.0.0.1"],
          cwd: elsewhere,
          stdout: "piped",
          env: { PATH: "/usr/bin:/bin" },
          clearEnv: true,
        }).output();
        assert.equal(run.code, 0);
        assert.match(new TextDecoder().decode(run.stdout), new RegExp(`${port}/tcp\\s+open`));
      });
    } finally {
      await Deno.remove(elsewhere, { recursive: true });
    }
  },
});
