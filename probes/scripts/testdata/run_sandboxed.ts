// Runs testdata/echo_script.ts through the sandbox; started by runner_test.ts with
// --unstable-worker-options. Prints the result as JSON.
import { loadScriptFile } from "../user.ts";
import { runScripts } from "../runner.ts";

const port = Number(Deno.args[0]);
const script = await loadScriptFile(new URL("./echo_script.ts", import.meta.url).pathname);
const out = [];
for await (
  const r of runScripts(
    [{ host: { address: "127.0.0.1" }, ports: [{ port, protocol: "tcp", state: "open" }] }],
    [script],
    { timeoutMs: 5000 },
  )
) {
  out.push(r);
}
console.log(JSON.stringify({ categories: script.categories, results: out }));
