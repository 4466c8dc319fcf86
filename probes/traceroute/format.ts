/**
 * nmap-style renderings of a {@linkcode TraceResult}: the normal-output TRACEROUTE block
 * and the XML `<trace>` element of nmap's DTD. Pure functions, for output/ to call.
 *
 * @module
 */
import type { TraceHop, TraceResult } from "./traceroute.ts";

/** "using port 80/tcp", or "using proto 1/icmp" for ICMP (58/ipv6-icmp for IPv6). */
function usingText(result: TraceResult): string {
  if (result.protocol === "icmp") {
    return result.address.includes(":") ? "proto 58/ipv6-icmp" : "proto 1/icmp";
  }
  return `port ${result.port}/${result.protocol}`;
}

/** RTT as nmap prints it: two decimals. */
function rttText(ms: number): string {
  return `${ms.toFixed(2)} ms`;
}

function addressText(hop: TraceHop): string {
  return hop.hostname ? `${hop.hostname} (${hop.address})` : hop.address!;
}

/**
 * The normal-output block, without a trailing newline:
 *
 * ```
 * TRACEROUTE (using port 80/tcp)
 * HOP RTT     ADDRESS
 * 1   0.05 ms 198.18.10.1
 * 2   ... 3
 * 4   0.09 ms 198.18.10.10
 * ```
 *
 * A run of unanswered hops is one `...` row naming its first and last TTL.
 */
export function formatTracerouteNormal(result: TraceResult): string {
  const rows: [string, string, string][] = [["HOP", "RTT", "ADDRESS"]];
  const hops = result.hops;
  for (let i = 0; i < hops.length; i++) {
    const h = hops[i];
    if (h.address === undefined) {
      let j = i;
      while (j + 1 < hops.length && hops[j + 1].address === undefined) j++;
      rows.push([String(h.ttl), j > i ? `... ${hops[j].ttl}` : "...", ""]);
      i = j;
      continue;
    }
    rows.push([String(h.ttl), h.rttMs !== undefined ? rttText(h.rttMs) : "--", addressText(h)]);
  }
  // An unanswered row spans the RTT and ADDRESS columns: it does not widen RTT.
  const hopWidth = Math.max(...rows.map((r) => r[0].length));
  const rttWidth = Math.max(...rows.filter((r) => r[2] !== "").map((r) => r[1].length));
  const lines = rows.map((r) =>
    r[2] === ""
      ? `${r[0].padEnd(hopWidth)} ${r[1]}`
      : `${r[0].padEnd(hopWidth)} ${r[1].padEnd(rttWidth)} ${r[2]}`
  );
  return [`TRACEROUTE (using ${usingText(result)})`, ...lines].join("\n");
}

function attr(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}

/**
 * The XML `<trace>` element of nmap's DTD (`trace (hop*)`, attributes `port`, `proto`;
 * `hop` with `ttl`, `ipaddr`, `rtt`, `host`). Unanswered hops are left out, as nmap does;
 * their TTLs are the gaps.
 */
export function formatTracerouteXml(result: TraceResult): string {
  const head = result.port !== undefined
    ? `<trace port="${result.port}" proto="${result.protocol}">`
    : `<trace proto="${result.protocol}">`;
  const hops = result.hops.filter((h) => h.address !== undefined).map((h) => {
    const rtt = h.rttMs !== undefined ? ` rtt="${h.rttMs.toFixed(2)}"` : "";
    const host = h.hostname ? ` host="${attr(h.hostname)}"` : "";
    return `<hop ttl="${h.ttl}" ipaddr="${attr(h.address!)}"${rtt}${host}/>`;
  });
  return [head, ...hops, "</trace>"].join("\n");
}
