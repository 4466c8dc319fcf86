/**
 * Script selection as nmap users type it: names, categories, globs, "all", boolean
 * expressions ("default or safe", "vuln and not intrusive", parentheses), comma-separated,
 * plus paths to the user's own script files and folders.
 *
 * @module
 */
import { UsageError } from "../../cli/errors.ts";
import type { Script } from "./types.ts";

type Node =
  | { kind: "word"; word: string }
  | { kind: "not"; inner: Node }
  | { kind: "and" | "or"; left: Node; right: Node };

/** Split at commas that are not inside parentheses. */
export function splitTopLevel(expr: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === "(") depth++;
    else if (expr[i] === ")") depth--;
    else if (expr[i] === "," && depth === 0) {
      out.push(expr.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(expr.slice(start).trim());
  return out.filter((s) => s !== "");
}

function tokenize(expr: string): string[] {
  return expr.match(/\(|\)|[^\s()]+/g) ?? [];
}

function parseExpr(expr: string): Node {
  const tokens = tokenize(expr);
  let i = 0;
  const fail = (why: string): never => {
    throw new UsageError(`--script: ${why} in ${JSON.stringify(expr)}`);
  };
  function primary(): Node {
    const t = tokens[i++];
    if (t === undefined) return fail("expression ends too early");
    if (t.toLowerCase() === "not") return { kind: "not", inner: primary() };
    if (t === "(") {
      const n = orExpr();
      if (tokens[i++] !== ")") fail("missing ')'");
      return n;
    }
    if (t === ")" || ["and", "or"].includes(t.toLowerCase())) fail(`unexpected '${t}'`);
    return { kind: "word", word: t };
  }
  function andExpr(): Node {
    let left = primary();
    while (tokens[i]?.toLowerCase() === "and") {
      i++;
      left = { kind: "and", left, right: primary() };
    }
    return left;
  }
  function orExpr(): Node {
    let left = andExpr();
    while (tokens[i]?.toLowerCase() === "or") {
      i++;
      left = { kind: "or", left, right: andExpr() };
    }
    return left;
  }
  const node = orExpr();
  if (i < tokens.length) fail(`unexpected '${tokens[i]}'`);
  return node;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

function wordMatches(word: string, script: Script): boolean {
  const w = word.toLowerCase();
  if (w === "all") return true;
  if (script.categories.some((c) => c.toLowerCase() === w)) return true;
  if (/[*?]/.test(w)) return globToRegExp(w).test(script.name);
  return script.name.toLowerCase() === w || script.name.toLowerCase() === w.replace(/\.nse$/, "");
}

function evaluate(node: Node, script: Script): boolean {
  switch (node.kind) {
    case "word":
      return wordMatches(node.word, script);
    case "not":
      return !evaluate(node.inner, script);
    case "and":
      return evaluate(node.left, script) && evaluate(node.right, script);
    case "or":
      return evaluate(node.left, script) || evaluate(node.right, script);
  }
}

function words(node: Node): string[] {
  switch (node.kind) {
    case "word":
      return [node.word];
    case "not":
      return words(node.inner);
    default:
      return [...words(node.left), ...words(node.right)];
  }
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** Names and categories near `word`, best first. */
export function closeNames(word: string, available: Script[]): string[] {
  const w = word.toLowerCase();
  const pool = new Set<string>(["all"]);
  for (const s of available) {
    pool.add(s.name);
    for (const c of s.categories) pool.add(c);
  }
  return [...pool]
    .map((n) => ({
      n,
      d: n.includes(w) || (w.length >= 3 && w.includes(n)) ? 1 : distance(w, n.toLowerCase()),
    }))
    .filter((x) => x.d <= Math.max(2, Math.floor(w.length / 3)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 5)
    .map((x) => x.n);
}

/** True when a `--script` item names a file or folder rather than a script or category. */
export function isPathItem(item: string): boolean {
  return item.includes("/") || /\.(ts|js|mjs)$/.test(item);
}

/**
 * Select scripts from `available` for an expression without paths (see `resolveScripts`
 * for files). Order follows `available`; duplicates are dropped.
 *
 * @throws UsageError when a word matches no script or category, naming close ones.
 * @example
 * selectScripts("default or safe", BUNDLED_SCRIPTS)
 * selectScripts("http-* and not intrusive", BUNDLED_SCRIPTS)
 */
export function selectScripts(expr: string, available: Script[]): Script[] {
  const chosen = new Set<Script>();
  const items = splitTopLevel(expr);
  if (items.length === 0) throw new UsageError("--script: empty script selection");
  for (const item of items) {
    if (isPathItem(item)) {
      throw new UsageError(`--script: ${item} is a path; load it with resolveScripts`);
    }
    const node = parseExpr(item);
    for (const w of words(node)) {
      if (!available.some((s) => wordMatches(w, s))) {
        const near = closeNames(w, available);
        throw new UsageError(
          `--script: unknown script or category '${w}'` +
            (near.length ? ` (did you mean: ${near.join(", ")}?)` : ""),
        );
      }
    }
    for (const s of available) if (evaluate(node, s)) chosen.add(s);
  }
  return available.filter((s) => chosen.has(s));
}

/** How `resolveScripts` loads a user's script file. */
export type ScriptFileLoader = (path: string) => Promise<Script>;

/**
 * Resolve a full `--script` value: expression items go through `selectScripts`, path items
 * (a file, or a folder whose .ts/.js files are all taken) through `load`.
 */
export async function resolveScripts(
  expr: string,
  options: { available: Script[]; load: ScriptFileLoader },
): Promise<Script[]> {
  const out: Script[] = [];
  const exprItems: string[] = [];
  for (const item of splitTopLevel(expr)) {
    if (!isPathItem(item)) {
      exprItems.push(item);
      continue;
    }
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(item);
    } catch {
      throw new UsageError(`--script: no such script file or folder: ${item}`);
    }
    if (info.isDirectory) {
      const files: string[] = [];
      for await (const e of Deno.readDir(item)) {
        if (e.isFile && /\.(ts|js|mjs)$/.test(e.name) && !/_test\.ts$/.test(e.name)) {
          files.push(e.name);
        }
      }
      if (files.length === 0) {
        throw new UsageError(`--script: no .ts or .js scripts in folder ${item}`);
      }
      for (const f of files.sort()) out.push(await options.load(`${item.replace(/\/$/, "")}/${f}`));
    } else {
      out.push(await options.load(item));
    }
  }
  if (exprItems.length > 0) out.push(...selectScripts(exprItems.join(","), options.available));
  const seen = new Set<string>();
  return out.filter((s) => !seen.has(s.name) && seen.add(s.name));
}
