/**
 * The script engine (`--script`, `-sC`): selection, arguments, the runner and the bundled
 * scripts.
 *
 * @module
 */
export type * from "./types.ts";
export { parseScriptArgs, scriptArg } from "./args.ts";
export { closeNames, resolveScripts, type ScriptFileLoader, selectScripts } from "./select.ts";
export { type RunOptions, runScripts } from "./runner.ts";
export { type LoadOptions, loadScriptFile, workerPermissionsAvailable } from "./user.ts";
export { scriptHelpText } from "./help.ts";
export { scriptHelpers } from "./net.ts";
export { BUNDLED_SCRIPTS } from "./bundled/mod.ts";
