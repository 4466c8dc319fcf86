/**
 * The script contract: what a script is, what it is given, what it returns.
 * Bundled scripts and users' own script files share it.
 *
 * @module
 */

/** What a port rule sees about one port. */
export interface ScriptPort {
  port: number;
  protocol: "tcp" | "udp";
  state: string;
  service?: ScriptService;
}

/** What version detection (or the port number) says about the service. */
export interface ScriptService {
  name: string;
  product?: string;
  version?: string;
  tunnel?: "ssl";
}

/** The host a script runs against. */
export interface ScriptHost {
  address: string;
  hostname?: string;
}

/** Parsed `--script-args`: nested tables, lists and strings. */
export type ScriptArgValue = string | ScriptArgValue[] | { [key: string]: ScriptArgValue };

/** The whole `--script-args` value, keyed by name ("b.c" is stored as `{b: {c}}` and as "b.c"). */
export type ScriptArgs = Record<string, ScriptArgValue>;

/** How `receive` decides it has enough. */
export interface ReceiveOptions {
  /** Up to and including the next "\n"; the line is returned without "\r\n". */
  line?: boolean;
  /** Exactly this many bytes (fewer only at end of stream). */
  bytes?: number;
  /** Up to and including this marker. */
  until?: string | Uint8Array;
  /** Give up after this long (default: the helper's read timeout). */
  timeoutMs?: number;
}

/** A connected stream socket (TCP or TLS) with buffered reads. */
export interface ScriptSocket {
  /** Write all of `data` (strings are UTF-8). */
  send(data: string | Uint8Array): Promise<void>;
  /** Read by line, byte count or marker; with no option, whatever arrives next. Empty at EOF. */
  receive(options?: ReceiveOptions): Promise<Uint8Array>;
  /** `receive`, decoded as latin1 so that every byte survives. */
  receiveText(options?: ReceiveOptions): Promise<string>;
  /** Close; safe to call twice. */
  close(): void;
}

/** Options for a TCP or TLS connection; host and port default to the script's target. */
export interface ConnectOptions {
  host?: string;
  port?: number;
  /** TLS server name (SNI); defaults to the target's hostname when it is a name. */
  serverName?: string;
  /** Connect timeout. */
  timeoutMs?: number;
}

/** The peer certificate of a TLS connection. */
export interface PeerCertificate {
  /** DER bytes of the leaf certificate. */
  der: Uint8Array;
}

/** A TLS connection and what the handshake revealed. */
export interface TlsConnection {
  socket: ScriptSocket;
  certificate?: PeerCertificate;
  /** "TLSv1.3", ... */
  protocol?: string;
  cipher?: string;
}

/** One HTTP/1.1 request. */
export interface HttpRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Force TLS on or off; default: on when the service is tunnelled in SSL or named https. */
  tls?: boolean;
  /** Follow up to this many redirects to the same host and port (default 0). */
  redirects?: number;
}

/** The response to an `HttpRequest`. */
export interface HttpResponse {
  status: number;
  statusText: string;
  /** Header names in lower case; repeated headers joined with ", " (set-cookie with "\n"). */
  headers: Record<string, string>;
  /** Headers in order, as sent. */
  rawHeaders: [string, string][];
  /** Body decoded as UTF-8 (after chunked decoding). */
  body: string;
  bodyBytes: Uint8Array;
  /** The path finally fetched (differs from the request's after redirects). */
  path: string;
}

/** Network helpers bound to the script's target and deadline. */
export interface ScriptHelpers {
  tcp(options?: ConnectOptions): Promise<ScriptSocket>;
  tls(options?: ConnectOptions): Promise<TlsConnection>;
  /** Send one datagram to the target port and return the first reply, or undefined on timeout. */
  udp(
    payload: Uint8Array,
    options?: { port?: number; timeoutMs?: number },
  ): Promise<Uint8Array | undefined>;
  http(request?: HttpRequest): Promise<HttpResponse>;
}

/** Everything a script's action is given. */
export interface ScriptContext extends ScriptHelpers {
  host: ScriptHost;
  /** Absent for host scripts. */
  port?: ScriptPort;
  args: ScriptArgs;
  /** The whole budget of this run; `signal` fires when it is spent. */
  timeoutMs: number;
  signal: AbortSignal;
}

/** What a vulnerability check concluded. */
export interface VulnerabilityReport {
  state: "VULNERABLE" | "NOT VULNERABLE" | "LIKELY VULNERABLE";
  /** CVE or other identifier. */
  id?: string;
  title: string;
  evidence: string;
  risk?: "low" | "medium" | "high" | "critical";
}

/** A script's result. */
export interface ScriptOutput {
  /** Human-readable lines, as shown under the port. */
  text: string;
  /** The same facts, structured, for JSON/XML writers. */
  data?: Record<string, unknown>;
  vulnerable?: VulnerabilityReport;
}

/** A script: a bundled module or a user's file exporting `script`. */
export interface Script {
  /** Unique, nmap style ("http-title"). */
  name: string;
  categories: string[];
  description: string;
  portRule?: (port: ScriptPort) => boolean;
  hostRule?: (host: ScriptHost) => boolean;
  action: (ctx: ScriptContext) => Promise<ScriptOutput | undefined>;
  /** Set for scripts loaded from a user's file: they run in a restricted Worker. */
  file?: string;
}

/** A host and its ports, as the runner takes them. */
export interface ScriptTarget {
  host: ScriptHost;
  ports: ScriptPort[];
}

/** One script's outcome on one host (and port, for port scripts). */
export interface ScriptResult {
  script: string;
  address: string;
  port?: number;
  protocol?: "tcp" | "udp";
  output?: ScriptOutput;
  /** Why the script produced no output: timed out, threw, refused. */
  error?: string;
  elapsedMs: number;
}
