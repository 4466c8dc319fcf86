/**
 * Can this process scan with raw packets? Answered by capability, not by uid:
 * root without CAP_NET_RAW (a container) cannot, and a binary given the
 * capability by setcap can without being root.
 */
import { pcap } from "./pcap.ts";

/** Bit of CAP_NET_RAW in the capability sets (linux/capability.h). */
export const CAP_NET_RAW = 13;
/** Bit of CAP_NET_ADMIN (needed by libpcap for some ring-buffer and promiscuous setups). */
export const CAP_NET_ADMIN = 12;

/** What the user should do when raw scanning is not possible for want of the capability. */
export const CAPABILITY_HINT =
  "raw scanning needs CAP_NET_RAW: run as root or `setcap cap_net_raw,cap_net_admin+eip` on the binary";

/**
 * The effective capability set of this process, from `CapEff` in
 * /proc/self/status; `undefined` where it cannot be read (not Linux, or no
 * read permission).
 */
export function effectiveCapabilities(statusText?: string): bigint | undefined {
  let text = statusText;
  if (text === undefined) {
    try {
      text = Deno.readTextFileSync("/proc/self/status");
    } catch {
      return undefined;
    }
  }
  const match = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(text);
  return match ? BigInt(`0x${match[1]}`) : undefined;
}

/**
 * Whether this process holds CAP_NET_RAW in its effective set.
 *
 * @param statusText the text of /proc/self/status, for tests; read when omitted.
 */
export function hasRawSocketCapability(statusText?: string): boolean {
  const caps = effectiveCapabilities(statusText);
  return caps !== undefined && (caps & (1n << BigInt(CAP_NET_RAW))) !== 0n;
}

/** Whether this process may read /proc at all (Deno requires --allow-all for it). */
function procReadable(): boolean {
  try {
    Deno.readTextFileSync("/proc/self/status");
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotCapable ||
      error instanceof Deno.errors.PermissionDenied);
  }
}

/** Why raw scanning is or is not available. */
export type RawAvailability = { ok: true } | { ok: false; reason: string };

/** Inputs of {@linkcode rawAvailability}, replaceable for tests. */
export interface RawAvailabilityProbes {
  /** Is `--allow-ffi` granted? */
  ffiGranted?: () => boolean;
  /** Does the process hold CAP_NET_RAW? */
  hasCapability?: () => boolean;
  /** Load libpcap; throws with a reason when it cannot. */
  loadPcap?: () => void;
}

/**
 * Whether raw (SYN) scanning can run here: --allow-ffi, CAP_NET_RAW and a
 * loadable libpcap, checked in that order. `reason` is one line, ready for
 * the notice shown when the scan falls back to connect().
 *
 * @example
 * ```ts
 * import { rawAvailability } from "./privileges.ts";
 * const raw = rawAvailability();
 * if (!raw.ok) console.error(`portolan: ${raw.reason}; using connect scan`);
 * ```
 */
export function rawAvailability(probes: RawAvailabilityProbes = {}): RawAvailability {
  const ffi = probes.ffiGranted ?? ffiGranted;
  if (!ffi()) {
    return { ok: false, reason: "raw scanning needs FFI: run with --allow-ffi" };
  }
  if (probes.hasCapability === undefined && !procReadable()) {
    // Deno opens /proc and /sys (capabilities, routes, interfaces) only with --allow-all.
    return {
      ok: false,
      reason: "raw scanning needs --allow-all (Deno reads /proc and /sys only with it)",
    };
  }
  const cap = probes.hasCapability ?? (() => hasRawSocketCapability());
  if (!cap()) return { ok: false, reason: CAPABILITY_HINT };
  const load = probes.loadPcap ?? (() => void pcap());
  try {
    load();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      reason: `raw scanning needs libpcap (install libpcap0.8 or set PORTOLAN_LIBPCAP): ${why}`,
    };
  }
  return { ok: true };
}

function ffiGranted(): boolean {
  try {
    return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}
