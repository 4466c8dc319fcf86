/**
 * Port and service knowledge: names, usage, class, and the ranked top-ports lists.
 * The data lives in `registry/*_data.ts` (imported, so a compiled binary carries it);
 * `registry/PROVENANCE.md` says where each fact came from.
 *
 * @module
 */
import type { Protocol } from "../engine/events.ts";
import { type CuratedService, EXTRA_SERVICES, SEED_SERVICES } from "./common_data.ts";
import { IANA_PORTS_TEXT } from "./ports_data.ts";
import { TCP_RANKING_HEAD, UDP_RANKING_HEAD } from "./ranking_data.ts";

/** What the registry knows about one port. */
export interface ServiceEntry {
  /** Short service name as shown in the SERVICE column ("http", "ssh", "mysql"). */
  name: string;
  /** Human description of its usage ("Websites (not secure)"). */
  usage?: string;
}

/** IANA's three port ranges. */
export type PortClass = "well-known" | "registered" | "dynamic";

/** Highest port number. */
const MAX_PORT = 65535;

/**
 * The class of a port number: 0-1023 well-known, 1024-49151 registered, 49152-65535 dynamic.
 *
 * @example
 * ```ts
 * portClass(443); // "well-known"
 * ```
 */
export function portClass(port: number): PortClass {
  if (port < 1024) return "well-known";
  if (port < 49152) return "registered";
  return "dynamic";
}

interface ProtocolTables {
  /**
   * Where each port's IANA line starts in the registry text, plus one (0: no line). Entries
   * are made from it on first lookup: a scan's report names a few ports, and making all 6300
   * entries up front cost every scan ~15 ms.
   */
  line: Int32Array;
  /** Curated entries, and IANA entries once made; indexed by port. */
  byPort: (ServiceEntry | undefined)[];
  /** IANA names that a curated entry replaced, kept searchable (`-p wap-wsp` finds 9200). */
  replaced: [string, number][];
  /** Lower-cased name -> ports, ascending; built on the first name search. */
  byName?: Map<string, number[]>;
}

let tables: Record<Protocol, ProtocolTables> | undefined;

/**
 * The IANA registrations (registry/ports_data.ts), one `[port, protocols, name, description]`
 * per line of its text; protocols: 1 = tcp, 2 = udp, 3 = both.
 */
export function ianaPorts(): [number, number, string, string][] {
  const rows: [number, number, string, string][] = [];
  const text = IANA_PORTS_TEXT;
  for (let at = 0; at < text.length; at = lineEnd(at) + 1) {
    if (lineEnd(at) > at) rows.push(ianaLine(at));
  }
  return rows;
}

/** Where the registry text's line starting at `start` ends. */
function lineEnd(start: number): number {
  const end = IANA_PORTS_TEXT.indexOf("\n", start);
  return end < 0 ? IANA_PORTS_TEXT.length : end;
}

/** The registry line starting at `start`: "port\tprotocols\tname\tdescription". */
function ianaLine(start: number): [number, number, string, string] {
  const text = IANA_PORTS_TEXT;
  const end = lineEnd(start);
  const t1 = text.indexOf("\t", start);
  const t2 = text.indexOf("\t", t1 + 1);
  const t3 = text.indexOf("\t", t2 + 1);
  const last = t3 < 0 || t3 > end;
  return [
    Number(text.slice(start, t1)),
    Number(text.slice(t1 + 1, t2)),
    text.slice(t2 + 1, last ? end : t3),
    last ? "" : text.slice(t3 + 1, end),
  ];
}

/** Built on first use: output looks up every reported port, so lookups must be O(1). */
function getTables(): Record<Protocol, ProtocolTables> {
  if (tables) return tables;
  const built: Record<Protocol, ProtocolTables> = {
    tcp: { line: new Int32Array(MAX_PORT + 1), byPort: new Array(MAX_PORT + 1), replaced: [] },
    udp: { line: new Int32Array(MAX_PORT + 1), byPort: new Array(MAX_PORT + 1), replaced: [] },
  };
  // Only each line's port and protocols are read here; the rest when the port is looked up.
  const text = IANA_PORTS_TEXT;
  for (let at = 0; at < text.length; at = lineEnd(at) + 1) {
    const t1 = text.indexOf("\t", at);
    if (t1 < 0 || t1 > lineEnd(at)) continue;
    const port = Number(text.slice(at, t1));
    const flags = text.charCodeAt(t1 + 1) - 48;
    if (flags & 1) built.tcp.line[port] = at + 1;
    if (flags & 2) built.udp.line[port] = at + 1;
  }
  const curated: readonly CuratedService[] = [...EXTRA_SERVICES, ...SEED_SERVICES];
  for (const service of curated) {
    for (const protocol of service.protocols) {
      const table = built[protocol];
      const previous = entryOf(table, service.port);
      if (previous) table.replaced.push([previous.name, service.port]);
      table.byPort[service.port] = Object.freeze({ name: service.name, usage: service.usage });
    }
  }
  tables = built;
  return built;
}

/** The entry for `port`: curated, or made from its IANA line (and kept). */
function entryOf(table: ProtocolTables, port: number): ServiceEntry | undefined {
  const known = table.byPort[port];
  if (known !== undefined || !(port >= 0 && port <= MAX_PORT)) return known;
  const start = table.line[port] - 1;
  if (start < 0) return undefined;
  const [, , name, description] = ianaLine(start);
  const entry: ServiceEntry = Object.freeze(description ? { name, usage: description } : { name });
  table.byPort[port] = entry;
  return entry;
}

/** Every port with an entry (curated or IANA), ascending. */
function namedPorts(table: ProtocolTables): number[] {
  const ports: number[] = [];
  for (let port = 0; port <= MAX_PORT; port++) {
    if (table.line[port] !== 0 || table.byPort[port] !== undefined) ports.push(port);
  }
  return ports;
}

function getNameIndex(table: ProtocolTables): Map<string, number[]> {
  if (table.byName) return table.byName;
  const index = new Map<string, number[]>();
  const add = (name: string, port: number): void => {
    const key = name.toLowerCase();
    const ports = index.get(key);
    if (!ports) index.set(key, [port]);
    else if (!ports.includes(port)) ports.push(port);
  };
  for (const port of namedPorts(table)) add(entryOf(table, port)!.name, port);
  for (const [name, port] of table.replaced) add(name, port);
  for (const ports of index.values()) ports.sort((a, b) => a - b);
  table.byName = index;
  return index;
}

/**
 * The service registered or commonly run on `port`/`protocol`, if known. Curated entries (the
 * seed table and a few well-known unregistered services) win over IANA registrations.
 *
 * @example
 * ```ts
 * lookupService(3306, "tcp"); // { name: "mysql", usage: "MySQL database" }
 * ```
 */
export function lookupService(port: number, protocol: Protocol): ServiceEntry | undefined {
  const table = getTables()[protocol];
  return table === undefined ? undefined : entryOf(table, port);
}

/**
 * Every port that carries the service `name` on `protocol`, ascending. The match is
 * case-insensitive; `*` matches any run of characters and `?` one character ("http*").
 * An unknown name gives an empty list.
 *
 * @example
 * ```ts
 * portsByName("https", "tcp"); // [443]
 * ```
 */
export function portsByName(name: string, protocol: Protocol): number[] {
  const table = getTables()[protocol];
  if (!table) return [];
  const byName = getNameIndex(table);
  const key = name.toLowerCase();
  if (!/[*?]/.test(key)) return [...(byName.get(key) ?? [])];
  const pattern = globToRegExp(key);
  const found = new Set<number>();
  for (const [candidate, ports] of byName) {
    if (pattern.test(candidate)) { for (const port of ports) found.add(port); }
  }
  return [...found].sort((a, b) => a - b);
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(
    /\?/g,
    ".",
  );
  return new RegExp(`^${body}$`);
}

const rankings: Partial<Record<Protocol, number[]>> = {};

/**
 * Every port 0-65535 once, best first: the editorial head, then IANA-named well-known ports,
 * then IANA-named registered and dynamic ports, each ascending, then the unnamed rest ascending
 * and port 0 last (it is reserved and rarely worth a probe).
 */
function getRanking(protocol: Protocol): number[] {
  const cached = rankings[protocol];
  if (cached) return cached;
  const head = protocol === "tcp" ? TCP_RANKING_HEAD : UDP_RANKING_HEAD;
  const named = namedPorts(getTables()[protocol]);
  const seen = new Uint8Array(MAX_PORT + 1);
  const ranking: number[] = [];
  const take = (port: number): void => {
    if (port < 1 || port > MAX_PORT || seen[port]) return;
    seen[port] = 1;
    ranking.push(port);
  };
  for (const port of head) take(port);
  for (const port of named) if (port < 1024) take(port);
  for (const port of named) take(port);
  for (let port = 1; port <= MAX_PORT; port++) take(port);
  ranking.push(0);
  rankings[protocol] = ranking;
  return ranking;
}

/**
 * The `count` highest-ranked ports for `protocol`, most common first. The ranking is
 * Portolan's own editorial one (see registry/PROVENANCE.md); past its end come the remaining
 * ports in ascending order, so `topPorts(65536, p)` is every port. `topPorts(1000, "tcp")` is
 * the default scan and `topPorts(100, "tcp")` is `-F`.
 *
 * @example
 * ```ts
 * topPorts(3, "tcp"); // [80, 443, 22]
 * ```
 */
export function topPorts(count: number, protocol: Protocol): number[] {
  if (!(count > 0)) return [];
  return getRanking(protocol).slice(0, Math.floor(count));
}
