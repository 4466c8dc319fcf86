/**
 * Target specifications (nmap grammar) -> a lazy `TargetSet`.
 *
 * Each spec becomes one block: an IPv4 interval (address, CIDR), an IPv4 octet-range
 * product (`127.0.0-3.1-254`, `127.0.0.*`, `127.0.0.1,3,5-7`) or an IPv6 interval.
 * A block answers `size`, `addressAt(j)` and `rank(x)` (members below x) without listing
 * its members, so a /8 costs a few numbers. Exclusions are merged into sorted address
 * intervals; each block turns the intervals that overlap it into sorted index ranges, and
 * `at(i)` skips them with a binary search. Memory is O(#specs + #exclusion intervals).
 *
 * Decisions:
 * - Octet lists are sorted and de-duplicated within a spec (`.5,1` yields .1 then .5),
 *   as nmap does; duplicates across specs are kept and scanned twice, as nmap does.
 * - Open-ended octet ranges: `-5` is 0-5, `250-` is 250-255, `*` and `-` are 0-255.
 * - A CIDR suffix after an octet range (`127.0.0-3.1/24`) is rejected (nmap accepts it).
 * - Anything made only of digits, dots, commas, dashes and `*` is an IPv4 pattern and must
 *   parse as one: `1.2.3` is an error, not `inet_aton`'s 1.2.0.3.
 * - IPv6 takes addresses and CIDR only (no ranges), and only with `-6`; zone ids are rejected.
 * - A hostname uses the first address the resolver returns; `name/24` is the CIDR around it
 *   and only that address carries `hostname`.
 * - Exclusions use the same grammar; those of the other address family are ignored.
 * - A set of more than 2^32 addresses (e.g. an IPv6 /64) is a usage error, and so are
 *   exclusions that split into more than 2^20 intervals (`*.*.*.1`).
 */
import { UsageError } from "../cli/errors.ts";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./ip.ts";
import type { Target, TargetSet } from "./plan_types.ts";

/** Resolves a name to textual addresses of one family (empty or throwing = unknown). */
export type Resolver = (name: string, family: 4 | 6) => Promise<string[]>;

/** Options of `parseTargets`. */
export interface ParseTargetsOptions {
  /** `-6`: targets are IPv6. */
  ipv6?: boolean;
  /** `--exclude` / `--excludefile` specs, same grammar as targets. */
  exclude?: string[];
  /** Name resolution; defaults to the system resolver (`/etc/hosts`, then DNS). */
  resolve?: Resolver;
}

const MAX_ADDRESSES = 2 ** 32;
/** Limit on the intervals exclusions expand to (`*.*.*.1` would be 16M single addresses). */
const MAX_EXCLUSION_INTERVALS = 1 << 20;

/** One spec, as an ordered lazily indexable run of addresses of one family. */
interface Block {
  family: 4 | 6;
  size: number;
  addressAt(index: number): string;
  /** IPv4 blocks: the address at `index` as a number, without making its text. */
  valueAt?(index: number): number;
  /** Index ranges [start, end) of members that the exclusions remove, sorted, disjoint. */
  excludedRanges(exclusions: Exclusions): Array<[number, number]>;
  /** The block as inclusive address intervals, for use as an exclusion. */
  intervals4?: () => Array<[number, number]>;
  intervals6?: () => Array<[bigint, bigint]>;
  hostname?: string;
  /** The one address in the block that `hostname` names. */
  hostAddress?: string;
}

/** Merged, sorted, inclusive address intervals per family. */
interface Exclusions {
  v4: Array<[number, number]>;
  v6: Array<[bigint, bigint]>;
}

/** First index in sorted `intervals` whose end is >= `value`. */
function firstEndingAtOrAfter<T extends number | bigint>(
  intervals: Array<[T, T]>,
  value: T,
): number {
  let low = 0;
  let high = intervals.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (intervals[mid][1] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Turn excluded IPv4 intervals into index ranges using the block's rank function. */
function rankedRanges(
  intervals: Array<[number, number]>,
  bounds: { min: number; max: number; rank: (address: number) => number },
): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let k = firstEndingAtOrAfter(intervals, bounds.min); k < intervals.length; k++) {
    const [from, to] = intervals[k];
    if (from > bounds.max) break;
    const start = bounds.rank(from);
    const end = bounds.rank(to + 1);
    if (end > start) ranges.push([start, end]);
  }
  return ranges;
}

function ipv4Interval(start: number, size: number): Block {
  return {
    family: 4,
    size,
    addressAt: (index) => formatIPv4(start + index),
    valueAt: (index) => start + index,
    excludedRanges: (ex) =>
      rankedRanges(ex.v4, {
        min: start,
        max: start + size - 1,
        rank: (a) => Math.min(Math.max(a - start, 0), size),
      }),
    intervals4: () => [[start, start + size - 1]],
  };
}

function ipv6Interval(start: bigint, size: number): Block {
  const big = BigInt(size);
  const end = start + big - 1n;
  return {
    family: 6,
    size,
    addressAt: (index) => formatIPv6(start + BigInt(index)),
    excludedRanges: (ex) => {
      const ranges: Array<[number, number]> = [];
      const clamp = (a: bigint) => Number(a < start ? 0n : a - start > big ? big : a - start);
      for (let k = firstEndingAtOrAfter(ex.v6, start); k < ex.v6.length; k++) {
        const [from, to] = ex.v6[k];
        if (from > end) break;
        const lo = clamp(from);
        const hi = clamp(to + 1n);
        if (hi > lo) ranges.push([lo, hi]);
      }
      return ranges;
    },
    intervals6: () => [[start, end]],
  };
}

/** The product of four sorted octet lists, in ascending address order. */
function ipv4Octets(octets: number[][]): Block {
  // weights[k]: how many members share one value of octet k.
  const weights = [1, 1, 1, 1];
  for (let k = 2; k >= 0; k--) weights[k] = weights[k + 1] * octets[k + 1].length;
  const size = weights[0] * octets[0].length;
  const valueAt = (index: number) => {
    let rest = index;
    let value = 0;
    for (let k = 0; k < 4; k++) {
      const digit = Math.floor(rest / weights[k]);
      rest -= digit * weights[k];
      value = value * 256 + octets[k][digit];
    }
    return value;
  };
  const rank = (address: number) => {
    if (address >= MAX_ADDRESSES) return size;
    let count = 0;
    for (let k = 0; k < 4; k++) {
      const value = Math.floor(address / 256 ** (3 - k)) % 256;
      const list = octets[k];
      let below = 0;
      while (below < list.length && list[below] < value) below++;
      count += below * weights[k];
      if (list[below] !== value) break;
    }
    return count;
  };
  const valueOf = (octet: (list: number[]) => number) =>
    octets.reduce((acc, list) => acc * 256 + octet(list), 0);
  const min = valueOf((list) => list[0]);
  const max = valueOf((list) => list[list.length - 1]);
  return {
    family: 4,
    size,
    addressAt: (index) => formatIPv4(valueAt(index)),
    valueAt,
    excludedRanges: (ex) => rankedRanges(ex.v4, { min, max, rank }),
    intervals4: () => octetIntervals(octets),
  };
}

/**
 * An octet product as inclusive intervals: trailing full octets (0-255) fold into the
 * interval width and consecutive values of the last partial octet into one run.
 */
function octetIntervals(octets: number[][]): Array<[number, number]> {
  let last = 3;
  while (last > 0 && octets[last].length === 256) last--;
  const unit = 256 ** (3 - last);
  const runs: Array<[number, number]> = [];
  for (const value of octets[last]) {
    const run = runs[runs.length - 1];
    if (run && run[1] === value - 1) run[1] = value;
    else runs.push([value, value]);
  }
  let count = runs.length;
  for (let k = 0; k < last; k++) count *= octets[k].length;
  if (count > MAX_EXCLUSION_INTERVALS) {
    throw new UsageError("exclusion list is too fragmented (more than 2^20 separate ranges)");
  }
  let bases = [0];
  for (let k = 0; k < last; k++) {
    const weight = 256 ** (3 - k);
    bases = bases.flatMap((base) => octets[k].map((value) => base + value * weight));
  }
  const intervals: Array<[number, number]> = [];
  for (const base of bases) {
    for (const [from, to] of runs) {
      intervals.push([base + from * unit, base + (to + 1) * unit - 1]);
    }
  }
  return intervals;
}

/** One octet of an IPv4 pattern: `N`, `A-B`, `-B`, `A-`, `*`, comma lists of those. */
function parseOctet(text: string, spec: string): number[] {
  const values = new Set<number>();
  const value = (digits: string) => {
    if (!/^[0-9]{1,3}$/.test(digits) || Number(digits) > 255) {
      throw new UsageError(`invalid octet "${digits}" in target "${spec}" (0-255)`);
    }
    return Number(digits);
  };
  for (const item of text.split(",")) {
    if (item === "") throw new UsageError(`empty octet in target "${spec}"`);
    let from: number;
    let to: number;
    if (item === "*") {
      from = 0;
      to = 255;
    } else if (item.includes("-")) {
      const dash = item.indexOf("-");
      const low = item.slice(0, dash);
      const high = item.slice(dash + 1);
      from = low === "" ? 0 : value(low);
      to = high === "" ? 255 : value(high);
      if (from > to) throw new UsageError(`octet range ${item} in target "${spec}" is backwards`);
    } else {
      from = to = value(item);
    }
    for (let v = from; v <= to; v++) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function parsePrefix(text: string, max: number, spec: string): number {
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) > max) {
    throw new UsageError(`invalid CIDR prefix "/${text}" in target "${spec}" (0-${max})`);
  }
  return Number(text);
}

function cidr4(address: number, prefix: number): Block {
  const size = 2 ** (32 - prefix);
  return ipv4Interval(address - (address % size), size);
}

function cidr6(address: bigint, prefix: number, spec: string): Block {
  if (128 - prefix > 32) {
    throw new UsageError(
      `target "${spec}" holds 2^${128 - prefix} addresses; at most 2^32 (a /96) can be scanned`,
    );
  }
  const size = 2 ** (128 - prefix);
  const big = BigInt(size);
  return ipv6Interval(address - (address % big), size);
}

const IPV4_PATTERN = /^[0-9.,*-]+(\/[^/]*)?$/;

function splitPrefix(spec: string): [string, string | undefined] {
  const slash = spec.indexOf("/");
  return slash < 0 ? [spec, undefined] : [spec.slice(0, slash), spec.slice(slash + 1)];
}

function ipv4PatternBlock(spec: string): Block {
  const [body, prefixText] = splitPrefix(spec);
  const parts = body.split(".");
  if (parts.length !== 4) {
    throw new UsageError(`invalid IPv4 target "${spec}": expected four octets a.b.c.d`);
  }
  const octets = parts.map((part) => parseOctet(part, spec));
  const single = octets.every((list) => list.length === 1);
  if (prefixText !== undefined) {
    if (!single) {
      throw new UsageError(`target "${spec}": a CIDR prefix cannot follow an octet range`);
    }
    const address = octets.reduce((acc, list) => acc * 256 + list[0], 0);
    return cidr4(address, parsePrefix(prefixText, 32, spec));
  }
  return ipv4Octets(octets);
}

function ipv6Block(spec: string): Block {
  const [body, prefixText] = splitPrefix(spec);
  if (body.includes("%")) {
    throw new UsageError(`target "${spec}": IPv6 zone ids (%interface) are not supported`);
  }
  const address = parseIPv6(body);
  if (address === undefined) throw new UsageError(`invalid IPv6 target "${spec}"`);
  return cidr6(address, prefixText === undefined ? 128 : parsePrefix(prefixText, 128, spec), spec);
}

/**
 * The system resolver: `getaddrinfo` through node:dns, so `/etc/hosts` is honoured. Loaded on
 * the first name: Deno's Node layer costs start-up time that address-only scans need not pay.
 */
async function systemResolve(name: string, family: 4 | 6): Promise<string[]> {
  const { lookup } = await import("node:dns/promises");
  const answers = await lookup(name, { all: true, family });
  return answers.map((answer) => answer.address);
}

async function hostnameBlock(
  spec: string,
  family: 4 | 6,
  resolve: Resolver,
): Promise<Block> {
  const [name, prefixText] = splitPrefix(spec);
  if (name === "" || /[\s\0]/.test(name) || name.length > 253) {
    throw new UsageError(`invalid target specification "${spec}"`);
  }
  const prefix = prefixText === undefined
    ? undefined
    : parsePrefix(prefixText, family === 4 ? 32 : 128, spec);
  let answers: string[] = [];
  try {
    answers = await resolve(name, family);
  } catch {
    // Any resolver failure means the same to the user: the name gave no address.
  }
  for (const text of answers) {
    if (family === 4) {
      const address = parseIPv4(text);
      if (address === undefined) continue;
      const block = cidr4(address, prefix ?? 32);
      return { ...block, hostname: name, hostAddress: formatIPv4(address) };
    }
    const address = parseIPv6(text);
    if (address === undefined) continue;
    const block = cidr6(address, prefix ?? 128, spec);
    return { ...block, hostname: name, hostAddress: formatIPv6(address) };
  }
  throw new UsageError(`Failed to resolve "${name}".`);
}

/** Parse one spec of the wanted family into a block. */
function specBlock(spec: string, family: 4 | 6, resolve: Resolver): Promise<Block> {
  const text = spec.trim();
  if (text.includes(":")) {
    if (family === 4) {
      throw new UsageError(
        `"${text}" looks like an IPv6 target specification; add -6 to scan IPv6`,
      );
    }
    return Promise.resolve(ipv6Block(text));
  }
  if (IPV4_PATTERN.test(text)) {
    if (family === 6) {
      throw new UsageError(
        `"${text}" is an IPv4 target specification but -6 was given; scan it without -6`,
      );
    }
    return Promise.resolve(ipv4PatternBlock(text));
  }
  return hostnameBlock(text, family, resolve);
}

/** Merge exclusion blocks into sorted inclusive intervals per family. */
/** What an exclusion contributes: its addresses as inclusive intervals. */
type ExclusionPiece = Pick<Block, "intervals4" | "intervals6">;

function exclusionIntervals(blocks: ExclusionPiece[]): Exclusions {
  const v4: Array<[number, number]> = [];
  const v6: Array<[bigint, bigint]> = [];
  for (const block of blocks) {
    // A loop, not push(...spread): a fragmented exclusion would overflow the call stack.
    for (const piece of block.intervals4?.() ?? []) v4.push(piece);
    for (const piece of block.intervals6?.() ?? []) v6.push(piece);
    if (v4.length + v6.length > MAX_EXCLUSION_INTERVALS) {
      throw new UsageError("exclusion list is too fragmented (more than 2^20 separate ranges)");
    }
  }
  return { v4: mergeIntervals(v4), v6: mergeIntervals(v6) };
}

function mergeIntervals<T extends number | bigint>(intervals: Array<[T, T]>): Array<[T, T]> {
  intervals.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: Array<[T, T]> = [];
  for (const [from, to] of intervals) {
    const last = merged[merged.length - 1];
    // Adjacent intervals merge too: compare against end + 1 without mixing number and bigint.
    if (last && (from <= last[1] || isNext(last[1], from))) {
      if (to > last[1]) last[1] = to;
    } else {
      merged.push([from, to]);
    }
  }
  return merged;
}

function isNext(end: number | bigint, start: number | bigint): boolean {
  return typeof end === "bigint" ? start === end + 1n : start === (end as number) + 1;
}

/** Parse an exclusion spec; unlike targets, it may be any size and of either family. */
async function exclusionBlock(
  spec: string,
  family: 4 | 6,
  resolve: Resolver,
): Promise<ExclusionPiece> {
  const text = spec.trim();
  if (text.includes(":")) {
    const [body, prefixText] = splitPrefix(text);
    const address = parseIPv6(body);
    if (address === undefined) throw new UsageError(`invalid IPv6 exclusion "${text}"`);
    const prefix = prefixText === undefined ? 128 : parsePrefix(prefixText, 128, text);
    const width = 1n << BigInt(128 - prefix);
    const start = address - (address % width);
    return { intervals6: () => [[start, start + width - 1n]] };
  }
  if (IPV4_PATTERN.test(text)) return ipv4PatternBlock(text);
  return await hostnameBlock(text, family, resolve);
}

interface Part {
  block: Block;
  /** Excluded index ranges of the block. */
  ranges: Array<[number, number]>;
  /** keptBefore[k]: members kept before ranges[k]; skipped[k]: members excluded up to its end. */
  keptBefore: number[];
  skipped: number[];
  size: number;
}

function makePart(block: Block, exclusions: Exclusions): Part {
  const ranges = block.excludedRanges(exclusions);
  const keptBefore: number[] = [];
  const skipped: number[] = [];
  let excluded = 0;
  for (const [start, end] of ranges) {
    keptBefore.push(start - excluded);
    excluded += end - start;
    skipped.push(excluded);
  }
  return { block, ranges, keptBefore, skipped, size: block.size - excluded };
}

/** Index into `part`'s block of its `index`-th kept member. */
function rawIndex(part: Part, index: number): number {
  // Largest k with keptBefore[k] <= index: every range up to k lies before the member.
  let low = 0;
  let high = part.keptBefore.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (part.keptBefore[mid] <= index) low = mid + 1;
    else high = mid;
  }
  return low === 0 ? index : index + part.skipped[low - 1];
}

/** The lazy target set: blocks in spec order, exclusions skipped by index arithmetic. */
class LazyTargetSet implements TargetSet {
  readonly size: number;
  #parts: Part[];
  /** starts[p]: index in the whole set of part p's first member. */
  #starts: number[];

  constructor(parts: Part[]) {
    this.#parts = parts.filter((part) => part.size > 0);
    this.#starts = [];
    let total = 0;
    for (const part of this.#parts) {
      this.#starts.push(total);
      total += part.size;
    }
    this.size = total;
  }

  at(index: number): Target {
    const { part, offset } = this.#locate(index);
    const block = part.block;
    const address = block.addressAt(rawIndex(part, offset));
    const target: Target = { address, family: block.family };
    if (block.hostname !== undefined && address === block.hostAddress) {
      target.hostname = block.hostname;
    }
    return target;
  }

  ipv4At(index: number): number | undefined {
    const { part, offset } = this.#locate(index);
    const block = part.block;
    // A named target keeps its name: it goes through at().
    if (block.valueAt === undefined || block.hostname !== undefined) return undefined;
    return block.valueAt(rawIndex(part, offset));
  }

  #locate(index: number): { part: Part; offset: number } {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`target index ${index} is outside 0..${this.size - 1}`);
    }
    let low = 0;
    let high = this.#starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.#starts[mid] <= index) low = mid;
      else high = mid - 1;
    }
    return { part: this.#parts[low], offset: index - this.#starts[low] };
  }
}

/**
 * Parse nmap-style target specifications into a lazy set, exclusions applied.
 * Throws `UsageError` for any malformed spec, unresolvable name, a set of more than
 * 2^32 addresses, or exclusions that remove every target.
 *
 * @example
 * ```ts
 * const set = await parseTargets(["127.0.0.0/8"], { exclude: ["127.0.0.1"] });
 * set.size; // 16777215
 * set.at(0).address; // "127.0.0.0"
 * ```
 */
export async function parseTargets(
  specs: string[],
  options: ParseTargetsOptions = {},
): Promise<TargetSet> {
  const family: 4 | 6 = options.ipv6 ? 6 : 4;
  const resolve = options.resolve ?? systemResolve;
  const blocks: Block[] = [];
  for (const spec of specs) blocks.push(await specBlock(spec, family, resolve));
  const excluded: ExclusionPiece[] = [];
  for (const spec of options.exclude ?? []) {
    excluded.push(await exclusionBlock(spec, family, resolve));
  }
  const exclusions = exclusionIntervals(excluded);
  const before = blocks.reduce((sum, block) => sum + block.size, 0);
  const set = new LazyTargetSet(blocks.map((block) => makePart(block, exclusions)));
  if (set.size > MAX_ADDRESSES) {
    throw new UsageError(
      `the targets hold ${set.size} addresses; at most 2^32 (${MAX_ADDRESSES}) can be scanned`,
    );
  }
  if (before > 0 && set.size === 0) throw new UsageError("exclusions leave no targets to scan");
  return set;
}

/** Strip `#` comments and split on whitespace. */
function specsOf(text: string): string[] {
  return text.split("\n").flatMap((line) => {
    const hash = line.indexOf("#");
    return (hash < 0 ? line : line.slice(0, hash)).split(/\s+/).filter((word) => word !== "");
  });
}

async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of Deno.stdin.readable) chunks.push(chunk);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * Read `-iL` / `--excludefile` specs: whitespace separated, `#` starts a comment, `-` is
 * standard input. An unreadable file is a `UsageError` naming it and the OS reason.
 *
 * @example
 * ```ts
 * const specs = await readTargetFile("targets.txt"); // ["127.0.0.1", "localhost"]
 * ```
 */
export async function readTargetFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = path === "-" ? await readStdin() : await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Error
      ? error.message.replace(/ \(os error \d+\).*$/s, "")
      : String(error);
    throw new UsageError(`Failed to open input file "${path}": ${reason}`);
  }
  return specsOf(text);
}
