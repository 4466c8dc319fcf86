/**
 * `--script-help`: a text listing of the scripts an expression selects.
 *
 * @module
 */
import type { Script } from "./types.ts";

/** Render help for the given scripts, nmap's layout: name, categories, description. */
export function scriptHelpText(scripts: readonly Script[]): string {
  return scripts.map((s) =>
    [
      "",
      s.name,
      `Categories: ${s.categories.join(" ")}`,
      s.file ? `File: ${s.file}` : "Bundled",
      `  ${s.description}`,
    ].join("\n")
  ).join("\n") + "\n";
}
