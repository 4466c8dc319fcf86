/**
 * `--script-args` parsing, nmap's grammar: `a=1,b.c=x,d={1,2},e={k=v},f="quoted, text"`.
 *
 * @module
 */
import { UsageError } from "../../cli/errors.ts";
import type { ScriptArgs, ScriptArgValue } from "./types.ts";

/**
 * Parse a `--script-args` string. Dotted keys are stored both flat ("b.c") and nested
 * (`{b: {c}}`) so scripts can ask either way. Tables of bare values become arrays.
 *
 * @example
 * parseScriptArgs("a=1,b.c=x,d={1,2}") // {a: "1", "b.c": "x", b: {c: "x"}, d: ["1", "2"]}
 */
export function parseScriptArgs(text: string): ScriptArgs {
  let i = 0;
  const fail = (why: string): never => {
    throw new UsageError(`--script-args: ${why} at position ${i + 1} in ${JSON.stringify(text)}`);
  };
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  function atom(): string {
    skipSpace();
    const q = text[i];
    if (q === '"' || q === "'") {
      const end = text.indexOf(q, i + 1);
      if (end < 0) fail("unterminated quote");
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const start = i;
    while (i < text.length && !",={}".includes(text[i])) i++;
    return text.slice(start, i).trim();
  }
  function value(): ScriptArgValue {
    skipSpace();
    if (text[i] !== "{") return atom();
    i++;
    const items = entries("}");
    if (text[i] !== "}") fail("missing '}'");
    i++;
    if (items.every(([k]) => k === undefined)) return items.map(([, v]) => v);
    const obj: Record<string, ScriptArgValue> = {};
    let n = 1;
    for (const [k, v] of items) obj[k ?? String(n++)] = v;
    return obj;
  }
  function entries(close: string): [string | undefined, ScriptArgValue][] {
    const out: [string | undefined, ScriptArgValue][] = [];
    for (;;) {
      skipSpace();
      if (i >= text.length || text[i] === close) return out;
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "{") {
        out.push([undefined, value()]);
        continue;
      }
      const key = atom();
      skipSpace();
      if (text[i] === "=") {
        i++;
        if (key === "") fail("empty name");
        out.push([key, value()]);
      } else {
        out.push([undefined, key]);
      }
      skipSpace();
      if (i < text.length && text[i] !== "," && text[i] !== close) fail(`unexpected '${text[i]}'`);
    }
  }
  const items = entries("");
  if (i < text.length) fail(`unexpected '${text[i]}'`);
  const args: ScriptArgs = {};
  for (const [k, v] of items) {
    // nmap accepts bare words as flags; treat them as "key=1"-like presence markers.
    const key = k ?? (typeof v === "string" ? v : undefined);
    if (key === undefined) fail("a table needs a name");
    args[key!] = k === undefined ? "" : v;
    const parts = key!.split(".");
    if (parts.length > 1) {
      let node = args as Record<string, ScriptArgValue>;
      for (const p of parts.slice(0, -1)) {
        const next = node[p];
        if (typeof next !== "object" || Array.isArray(next)) node[p] = {};
        node = node[p] as Record<string, ScriptArgValue>;
      }
      node[parts[parts.length - 1]] = args[key!];
    }
  }
  return args;
}

/**
 * Read an argument as a string, trying `<script>.<key>` before `<key>` (nmap's convention).
 */
export function scriptArg(args: ScriptArgs, script: string, key: string): string | undefined {
  for (const k of [`${script}.${key}`, key]) {
    const v = args[k];
    if (typeof v === "string") return v;
  }
  return undefined;
}
