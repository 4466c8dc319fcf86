/**
 * The NDJSON event stream (one JSON object per line): every engine event
 * as it arrives, in a versioned envelope described field by field in docs/ndjson-schema.md.
 *
 * @module
 */
import type { ReplyFingerprint, ScanEvent } from "../engine/events.ts";

/** The value of every line's "schema" field; bumped only on incompatible changes. */
export const NDJSON_SCHEMA_ID = "portolan/events/1";

/** What the first ("scan") line records. */
export interface NdjsonMeta {
  /** The command line, without the program name. */
  args: string[];
  /** Portolan's version ("0.1.0"). */
  version: string;
}

/** Options for {@link NdjsonWriter} and {@link formatNdjson}. */
export interface NdjsonOptions {
  /** Clock for events that carry no time of their own, ms since the epoch; default `Date.now`. */
  now?: () => number;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function fingerprintJson(fp: ReplyFingerprint): { [key: string]: Json } {
  const out: { [key: string]: Json } = { ttl: fp.ttl, window: fp.window };
  if (fp.mss !== undefined) out.mss = fp.mss;
  if (fp.windowScale !== undefined) out.windowScale = fp.windowScale;
  out.sackPermitted = fp.sackPermitted;
  out.timestamps = fp.timestamps;
  out.options = fp.options;
  out.df = fp.df;
  out.ipId = fp.ipId;
  return out;
}

/**
 * Copies the event's own fields in the documented order, so lines are stable whatever order the
 * engine built its objects in, and fields outside the contract never leak into the stream.
 */
function eventFields(event: ScanEvent): Array<[string, Json | undefined]> {
  switch (event.type) {
    case "start":
      return [
        ["scanType", event.scanType],
        ["ports", { tcp: event.ports.tcp, udp: event.ports.udp }],
        ["hosts", event.hosts],
      ];
    case "host":
      return [
        ["address", event.address],
        ["hostname", event.hostname],
        ["status", event.status],
        ["reason", event.reason],
        ["latencyMs", event.latencyMs],
        ["mac", event.mac],
      ];
    case "port":
      return [
        ["address", event.address],
        ["protocol", event.protocol],
        ["port", event.port],
        ["state", event.state],
        ["reason", event.reason],
        ["reasonTtl", event.reasonTtl],
        ["rttMs", event.rttMs],
        ["fingerprint", event.fingerprint && fingerprintJson(event.fingerprint)],
      ];
    case "service":
      return [
        ["address", event.address],
        ["protocol", event.protocol],
        ["port", event.port],
        ["name", event.name],
        ["product", event.product],
        ["version", event.version],
        ["extraInfo", event.extraInfo],
        ["osHint", event.osHint],
        ["deviceType", event.deviceType],
        ["cpe", [...event.cpe]],
        ["tunnel", event.tunnel],
        ["confidence", event.confidence],
      ];
    case "host-done":
      return [["address", event.address], ["timedOut", event.timedOut]];
    case "progress":
      return [
        ["sent", event.sent],
        ["done", event.done],
        ["total", event.total],
        ["rate", event.rate],
      ];
    case "warning":
      return [["message", event.message]];
    case "end":
      return [["partial", event.partial]];
  }
  // An event type newer than this writer still reaches the stream, with its own fields as they are.
  const { type: _type, time: _time, ...rest } = event as { type: string; time?: number };
  return Object.entries(rest) as Array<[string, Json]>;
}

function line(type: string, time: number, fields: Array<[string, Json | undefined]>): string {
  const out: { [key: string]: Json } = { schema: NDJSON_SCHEMA_ID, type, time };
  // Absent facts are absent, never null, as in the JSON report.
  for (const [key, value] of fields) if (value !== undefined) out[key] = value;
  return JSON.stringify(out) + "\n";
}

/**
 * Streams events as NDJSON. The first call to {@link NdjsonWriter.write} is preceded by one
 * "scan" line (schema, version, args); each event then becomes exactly one line. Every line
 * handed to the sink ends with "\n", so the concatenation of all lines is the file.
 *
 * @example
 * ```ts
 * const out = await Deno.open("scan.ndjson", { write: true, create: true, truncate: true });
 * const encoder = new TextEncoder();
 * const writer = new NdjsonWriter((l) => out.writeSync(encoder.encode(l)), { args, version });
 * for await (const event of scan(options)) writer.write(event);
 * ```
 */
export class NdjsonWriter {
  #sink: (line: string) => void;
  #meta: NdjsonMeta;
  #now: () => number;
  #started = false;

  /** `write` receives each line, newline included; `meta` fills the leading "scan" line. */
  constructor(write: (line: string) => void, meta: NdjsonMeta, options: NdjsonOptions = {}) {
    this.#sink = write;
    this.#meta = meta;
    this.#now = options.now ?? Date.now;
  }

  /** Writes one event's line, after the "scan" line if this is the first event. */
  write(event: ScanEvent): void {
    // Start and end events carry the engine's own clock; the envelope reuses it.
    const own = (event as { time?: unknown }).time;
    const time = typeof own === "number" ? own : this.#now();
    if (!this.#started) {
      this.#started = true;
      this.#sink(
        line("scan", time, [["version", this.#meta.version], ["args", [...this.#meta.args]]]),
      );
    }
    this.#sink(line(event.type, time, eventFields(event)));
  }
}

/**
 * A whole event list as NDJSON text: what {@link NdjsonWriter} would have streamed.
 *
 * @example
 * ```ts
 * const text = formatNdjson(events, { args: ["-p", "22", "127.0.0.1"], version: "0.1.0" });
 * ```
 */
export function formatNdjson(
  events: Iterable<ScanEvent>,
  meta: NdjsonMeta,
  options: NdjsonOptions = {},
): string {
  const parts: string[] = [];
  const writer = new NdjsonWriter((l) => parts.push(l), meta, options);
  for (const event of events) writer.write(event);
  return parts.join("");
}
