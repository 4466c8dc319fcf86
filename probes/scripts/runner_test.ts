import assert from "node:assert/strict";
import { runScripts } from "./runner.ts";
import { loadScriptFile } from "./user.ts";
import { resolveScripts } from "./select.ts";
import { BUNDLED_SCRIPTS } from "./bundled/mod.ts";
import { fakeTcpServer, write } from "./test_util.ts";
import type { Script, ScriptResult } from "./types.ts";

function script(
  name: string,
  action: Script["action"],
  rule: Script["portRule"] = () => true,
): Script {
  return { name, categories: ["safe"], description: "", portRule: rule, action };
}

Deno.test("runScripts: a hanging script times out with an error, others still report", async () => {
  const hang = script("hang", () => new Promise(() => {}));
  const quick = script("quick", (ctx) => Promise.resolve({ text: `port ${ctx.port!.port}` }));
  const never = script("never", () => Promise.resolve({ text: "x" }), (p) => p.port === 9);
  const started = Date.now();
  const results: ScriptResult[] = [];
  for await (
    const r of runScripts(
      [{
        host: { address: "127.0.0.1" },
        ports: [{ port: 7, protocol: "tcp", state: "open" }, {
          port: 8,
          protocol: "tcp",
          state: "closed",
        }],
      }],
      [hang, quick, never],
      { timeoutMs: 300, concurrency: 2 },
    )
  ) results.push(r);
  assert.ok(Date.now() - started < 3000);
  assert.deepEqual(results.map((r) => r.script).sort(), ["hang", "quick"]);
  assert.match(results.find((r) => r.script === "hang")!.error!, /timed out after 300 ms/);
  assert.equal(results.find((r) => r.script === "quick")!.output!.text, "port 7");
});

Deno.test("runScripts: a timed-out script's socket is closed under it", async () => {
  let serverSawClose = false;
  const srv = fakeTcpServer(async (conn) => {
    const n = await conn.read(new Uint8Array(10)).catch(() => null);
    serverSawClose = n === null;
  });
  const stuck = script("stuck", async (ctx) => {
    const s = await ctx.tcp();
    await s.receive({ timeoutMs: 60_000 });
    return { text: "unreachable" };
  });
  const results: ScriptResult[] = [];
  for await (
    const r of runScripts(
      [{
        host: { address: "127.0.0.1" },
        ports: [{ port: srv.port, protocol: "tcp", state: "open" }],
      }],
      [stuck],
      { timeoutMs: 300 },
    )
  ) {
    results.push(r);
  }
  await srv.close();
  assert.match(results[0].error!, /timed out/);
  assert.equal(serverSawClose, true);
});

Deno.test("runScripts: host scripts run once per host, thrown errors are reported", async () => {
  const hostScript: Script = {
    name: "h",
    categories: [],
    description: "",
    hostRule: (h) => h.address.startsWith("127."),
    action: (ctx) => Promise.resolve({ text: ctx.host.address }),
  };
  const boom = script("boom", () => Promise.reject(new Error("kaput")));
  const results: ScriptResult[] = [];
  for await (
    const r of runScripts([{
      host: { address: "127.0.0.2" },
      ports: [{ port: 1, protocol: "tcp", state: "open" }],
    }], [hostScript, boom])
  ) results.push(r);
  assert.deepEqual(results.map((r) => [r.script, r.output?.text ?? r.error, r.port]).sort(), [[
    "boom",
    "kaput",
    1,
  ], ["h", "127.0.0.2", undefined]]);
});

Deno.test("user script in-process fallback loads and runs, with a warning", async () => {
  const srv = fakeTcpServer((conn) => write(conn, "HELLO\r\n"));
  const warnings: string[] = [];
  const path = new URL("./testdata/echo_script.ts", import.meta.url).pathname;
  const s = await loadScriptFile(path, { sandbox: false, warn: (m) => warnings.push(m) });
  assert.equal(s.name, "user-echo");
  assert.match(warnings[0], /without a sandbox/);
  const results: ScriptResult[] = [];
  for await (
    const r of runScripts([{
      host: { address: "127.0.0.1" },
      ports: [{ port: srv.port, protocol: "tcp", state: "open" }],
    }], [s])
  ) {
    results.push(r);
  }
  await srv.close();
  assert.match(results[0].output!.text, /^HELLO read=allowed/);
  // resolveScripts mixes files and expressions
  const mixed = await resolveScripts(`${path},banner`, {
    available: [...BUNDLED_SCRIPTS],
    load: (p) => loadScriptFile(p, { sandbox: false }),
  });
  assert.deepEqual(mixed.map((x) => x.name), ["user-echo", "banner"]);
});

Deno.test("user script in a restricted Worker: only its target port, no file reads", async () => {
  const srv = fakeTcpServer((conn) => write(conn, "HELLO\r\n"));
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--unstable-worker-options",
      new URL("./testdata/run_sandboxed.ts", import.meta.url).pathname,
      String(srv.port),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await srv.close();
  const stderr = new TextDecoder().decode(child.stderr);
  assert.equal(child.code, 0, stderr);
  const out = JSON.parse(new TextDecoder().decode(child.stdout));
  assert.deepEqual(out.categories, ["safe", "custom"]);
  assert.equal(out.results.length, 1, JSON.stringify(out));
  assert.match(out.results[0].output.text, /^HELLO read=NotCapable other=NotCapable$/);
});
