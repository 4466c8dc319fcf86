/**
 * Which interface, source address and gateway a probe to a target uses.
 *
 * The interface and gateway come from the kernel's main routing tables in
 * /proc (longest prefix, then lowest metric); the source address comes from
 * the kernel itself (a connected UDP socket, which sends nothing), so it
 * agrees with what the kernel will put on packets it routes for us.
 * Loopback targets and this host's own addresses go out `lo`: those routes
 * live in the kernel's local table, which /proc/net/route does not show.
 */
import { RuntimeError } from "../cli/errors.ts";
import { formatIPv4, formatIPv6, parseAddress } from "./addresses.ts";
import { getInterfaceAddresses, type InterfaceAddress, kernelSourceAddress } from "./libc.ts";
import { DLT } from "./pcap.ts";

/** How a target is reached. */
export interface Route {
  /** Interface name, e.g. `lo` or `eth0`. */
  interface: string;
  /** Source address for probes. */
  source: string;
  /** Next hop, when the target is not on a directly connected network. */
  gateway?: string;
  /**
   * The pcap link type (DLT) a capture on `interface` will report, predicted
   * from the interface's ARPHRD type in sysfs; absent when unknown.
   */
  linkType?: number;
}

/** One row of a routing table. */
export interface RouteEntry {
  interface: string;
  family: 4 | 6;
  /** Network address, 4 or 16 bytes. */
  destination: Uint8Array;
  prefixLength: number;
  /** Next hop; absent (or all zero in /proc) for on-link routes. */
  gateway?: string;
  metric: number;
}

/** Inputs of {@linkcode routeTo}, replaceable for tests. */
export interface RouteOptions {
  /** Text of /proc/net/route. */
  ipv4Table?: string;
  /** Text of /proc/net/ipv6_route. */
  ipv6Table?: string;
  /** This host's addresses (getifaddrs). */
  interfaces?: InterfaceAddress[];
  /** Source address the kernel picks for a target; defaults to a connected UDP socket. */
  sourceFor?: (target: string) => string;
  /** ARPHRD type of an interface; defaults to /sys/class/net/IF/type. */
  hardwareType?: (iface: string) => number | undefined;
}

const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;

/** Parse /proc/net/route (addresses there are little-endian hex words). */
export function parseIPv4Routes(text: string): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = parseInt(f[3], 16);
    if (!(flags & RTF_UP) || flags & RTF_REJECT) continue;
    const destination = leWord(f[1]);
    const mask = leWord(f[7]);
    const gateway = flags & RTF_GATEWAY ? formatIPv4(leWord(f[2])) : undefined;
    out.push({
      interface: f[0],
      family: 4,
      destination,
      prefixLength: maskBits(mask),
      gateway,
      metric: parseInt(f[6], 10),
    });
  }
  return out;
}

/** Parse /proc/net/ipv6_route. */
export function parseIPv6Routes(text: string): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const flags = parseInt(f[8], 16);
    if (!(flags & RTF_UP) || flags & RTF_REJECT) continue;
    const next = hexBytes(f[4]);
    out.push({
      interface: f[9],
      family: 6,
      destination: hexBytes(f[0]),
      prefixLength: parseInt(f[1], 16),
      gateway: next.some((b) => b !== 0) ? formatIPv6(next) : undefined,
      metric: parseInt(f[5], 16),
    });
  }
  return out;
}

/** The best route for `bytes` among `routes`: longest prefix, then lowest metric. */
export function longestPrefixMatch(
  routes: readonly RouteEntry[],
  bytes: Uint8Array,
): RouteEntry | undefined {
  let best: RouteEntry | undefined;
  for (const r of routes) {
    if (r.destination.length !== bytes.length) continue;
    if (!prefixMatches(r.destination, bytes, r.prefixLength)) continue;
    if (
      !best || r.prefixLength > best.prefixLength ||
      (r.prefixLength === best.prefixLength && r.metric < best.metric)
    ) best = r;
  }
  return best;
}

/**
 * How to reach `address`: interface, source address, gateway and link type.
 *
 * @throws {RuntimeError} when no route leads there.
 * @example
 * ```ts
 * import { routeTo } from "./routes.ts";
 * routeTo("127.0.0.1"); // { interface: "lo", source: "127.0.0.1", linkType: 1 }
 * ```
 */
export function routeTo(address: string, options: RouteOptions = {}): Route {
  const parsed = parseAddress(address);
  if (!parsed) throw new RuntimeError(`not an IP address: ${address}`);
  const interfaces = options.interfaces ?? getInterfaceAddresses();
  const sourceFor = options.sourceFor ?? kernelSourceAddress;
  const hardwareType = options.hardwareType ?? sysfsHardwareType;
  const canonical = parsed.family === 4 ? formatIPv4(parsed.bytes) : formatIPv6(parsed.bytes);
  const loopbackName = interfaces.find((i) => i.loopback)?.name ?? "lo";

  const isLoopback = parsed.family === 4 ? parsed.bytes[0] === 127 : canonical === "::1";
  const isLocal = interfaces.some((i) => i.family !== "packet" && i.address === canonical);
  let iface: string;
  let gateway: string | undefined;
  if (isLoopback || isLocal) {
    iface = loopbackName;
  } else {
    const table = parsed.family === 4
      ? parseIPv4Routes(options.ipv4Table ?? readProc("/proc/net/route"))
      : parseIPv6Routes(options.ipv6Table ?? readProc("/proc/net/ipv6_route"));
    const route = longestPrefixMatch(table, parsed.bytes);
    if (!route) throw new RuntimeError(`no route to ${canonical}`);
    iface = route.interface;
    gateway = route.gateway;
  }

  let source: string;
  try {
    source = sourceFor(canonical);
  } catch {
    // The kernel would not say (no route for the family, or a test double): use the interface's own.
    const family = parsed.family === 4 ? "inet" : "inet6";
    const own = interfaces.find((i) => i.name === iface && i.family === family);
    if (!own) throw new RuntimeError(`no IPv${parsed.family} source address on ${iface}`);
    source = own.address;
  }
  const result: Route = { interface: iface, source };
  if (gateway) result.gateway = gateway;
  const linkType = dltForHardware(hardwareType(iface));
  if (linkType !== undefined) result.linkType = linkType;
  return result;
}

/** The pcap link type for an ARPHRD type, where Linux's mapping is fixed. */
export function dltForHardware(arphrd: number | undefined): number | undefined {
  switch (arphrd) {
    case 1: // ARPHRD_ETHER
    case 772: // ARPHRD_LOOPBACK: Linux presents lo as Ethernet with zero addresses
      return DLT.EN10MB;
    case 65534: // ARPHRD_NONE: tun and other raw-IP devices
      return DLT.RAW;
    default:
      return undefined;
  }
}

function sysfsHardwareType(iface: string): number | undefined {
  try {
    const n = parseInt(Deno.readTextFileSync(`/sys/class/net/${iface}/type`).trim(), 10);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function readProc(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

function leWord(hex: string): Uint8Array {
  const n = parseInt(hex, 16) >>> 0;
  return new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]);
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function maskBits(mask: Uint8Array): number {
  let n = 0;
  for (const b of mask) for (let bit = 7; bit >= 0; bit--) if (b & (1 << bit)) n++;
  return n;
}

function prefixMatches(net: Uint8Array, addr: Uint8Array, bits: number): boolean {
  for (let i = 0; i < net.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((net[i] & mask) !== (addr[i] & mask)) return false;
  }
  return true;
}
