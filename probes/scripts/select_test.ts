import assert from "node:assert/strict";
import { UsageError } from "../../cli/errors.ts";
import { parseScriptArgs, scriptArg } from "./args.ts";
import { closeNames, selectScripts } from "./select.ts";
import { scriptHelpText } from "./help.ts";
import { BUNDLED_SCRIPTS } from "./bundled/mod.ts";
import type { Script } from "./types.ts";

const all = [...BUNDLED_SCRIPTS];
const names = (s: Script[]) => s.map((x) => x.name);

Deno.test("selectScripts: names, categories and globs", () => {
  assert.deepEqual(names(selectScripts("http-title", all)), ["http-title"]);
  assert.deepEqual(names(selectScripts("http-*", all)), [
    "http-git",
    "http-headers",
    "http-methods",
    "http-robots.txt",
    "http-server-header",
    "http-shellshock",
    "http-title",
    "http-trace",
  ]);
  const def = selectScripts("default", all);
  assert.deepEqual(def.every((s) => s.categories.includes("default")), true);
  assert.deepEqual(names(def).includes("banner"), false);
  assert.deepEqual(selectScripts("all", all).length, all.length);
  assert.deepEqual(names(selectScripts("banner,ssl-cert", all)), ["banner", "ssl-cert"]);
});

Deno.test("selectScripts: boolean expressions with precedence and parentheses", () => {
  const defOrSafe = selectScripts("default or safe", all);
  assert.deepEqual(
    defOrSafe.length,
    all.filter((s) => s.categories.includes("default") || s.categories.includes("safe")).length,
  );
  assert.deepEqual(names(selectScripts("http-* and not default", all)), [
    "http-git",
    "http-headers",
    "http-server-header",
    "http-shellshock",
    "http-trace",
  ]);
  assert.deepEqual(names(selectScripts("(default or version) and http-*", all)), [
    "http-methods",
    "http-robots.txt",
    "http-server-header",
    "http-title",
  ]);
  // "and" binds tighter than "or"
  assert.deepEqual(names(selectScripts("banner or version and http-*", all)), [
    "banner",
    "http-server-header",
  ]);
  assert.deepEqual(
    selectScripts("vuln and not intrusive", [
      ...all.filter((s) => !s.categories.includes("vuln")),
      fake("v", ["vuln"]),
      fake("w", ["vuln", "intrusive"]),
    ]).map((s) => s.name),
    ["v"],
  );
});

function fake(name: string, categories: string[]): Script {
  return { name, categories, description: "", action: () => Promise.resolve(undefined) };
}

Deno.test("selectScripts: unknown name is a UsageError naming close names", () => {
  assert.throws(
    () => selectScripts("http-titel", all),
    (e: Error) =>
      e instanceof UsageError &&
      /unknown script or category 'http-titel'.*http-title/.test(e.message),
  );
  assert.throws(() => selectScripts("default and (safe", all), UsageError);
  assert.throws(() => selectScripts("nosuch-*", all), UsageError);
  assert.deepEqual(closeNames("defualt", all)[0], "default");
});

Deno.test("parseScriptArgs: flat, dotted, tables and quotes", () => {
  const a = parseScriptArgs("a=1,b.c=x,d={1,2},e={k=v, j=\"q, r\"},f='it,s'");
  assert.deepEqual(a.a, "1");
  assert.deepEqual(a["b.c"], "x");
  assert.deepEqual(a.b, { c: "x" });
  assert.deepEqual(a.d, ["1", "2"]);
  assert.deepEqual(a.e, { k: "v", j: "q, r" });
  assert.deepEqual(a.f, "it,s");
  assert.deepEqual(
    scriptArg(parseScriptArgs("http-title.url=/x,url=/y"), "http-title", "url"),
    "/x",
  );
  assert.deepEqual(scriptArg(parseScriptArgs("url=/y"), "http-title", "url"), "/y");
  assert.throws(() => parseScriptArgs("a={1,2"), UsageError);
  assert.throws(() => parseScriptArgs('a="open'), UsageError);
});

Deno.test("scriptHelpText lists name, categories and description", () => {
  const text = scriptHelpText(selectScripts("ssl-cert", all));
  assert.deepEqual(text.includes("ssl-cert\nCategories: default discovery safe"), true, text);
  assert.deepEqual(text.includes("SHA-256"), true);
});
