/**
 * What the engine yields. Writers consume these; the engine never prints.
 * Every event is plain JSON-serialisable data.
 */

/** Transport protocols a port belongs to. */
export type Protocol = "tcp" | "udp";

/** Port states, with nmap's names. */
export type PortState =
  | "open"
  | "closed"
  | "filtered"
  | "unfiltered"
  | "open|filtered"
  | "closed|filtered";

/** The scan started: what is about to be scanned. */
export interface StartEvent {
  type: "start";
  /** Milliseconds since the epoch. */
  time: number;
  /** Scan technique actually used (after any fallback). */
  scanType: string;
  /** Protocol and number of ports per host. */
  ports: { tcp: number; udp: number };
  /** Number of target addresses. */
  hosts: number;
}

/** A host was found up (or, at the end, known to be down). */
export interface HostEvent {
  type: "host";
  address: string;
  /** The name the user typed or a reverse lookup found. */
  hostname?: string;
  status: "up" | "down";
  /** Why we think so: "localhost-response", "conn-refused", "syn-ack", "user-set", "no-response", ... */
  reason: string;
  /** Round-trip latency measured during discovery, milliseconds. */
  latencyMs?: number;
  /** The host's hardware address, when it answered ARP (same link). */
  mac?: string;
}

/** The state of one port on one host. */
export interface PortEvent {
  type: "port";
  address: string;
  protocol: Protocol;
  port: number;
  state: PortState;
  /** What decided the state: "syn-ack", "conn-refused", "no-response", "host-unreach", ... */
  reason: string;
  /** TTL of the reply that decided the state, when known (raw scans). */
  reasonTtl?: number;
  /** Round-trip time of the deciding probe, milliseconds. */
  rttMs?: number;
  /** Raw scans: what the deciding reply revealed about the remote stack. */
  fingerprint?: ReplyFingerprint;
}

/** What one SYN-ACK or RST revealed about the stack that sent it (for passive OS hints). */
export interface ReplyFingerprint {
  /** TTL (IPv4) or hop limit (IPv6) as received. */
  ttl: number;
  /** TCP window. */
  window: number;
  mss?: number;
  windowScale?: number;
  sackPermitted: boolean;
  timestamps: boolean;
  /** Option layout in order, one letter each: M mss, N nop, W wscale, S sack-permitted,
   * T timestamp, E eol, K sack, ? other (e.g. "M,S,T,N,W"). */
  options: string;
  /** IPv4 don't-fragment bit. */
  df: boolean;
  /** IPv4 identification (0 for IPv6 without a fragment header). */
  ipId: number;
}

/** What a TLS handshake showed about a service's certificate and session. */
export interface TlsInfo {
  /** Negotiated protocol ("TLSv1.3"). */
  protocol: string;
  cipher: string;
  subject: string;
  issuer: string;
  /** Subject alternative names ("DNS:example.com", "IP Address:127.0.0.1"). */
  sans: string[];
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** SHA-256 fingerprint of the certificate, hex. */
  sha256: string;
}

/** What version detection found behind an open port. */
export interface ServiceEvent {
  type: "service";
  address: string;
  protocol: Protocol;
  port: number;
  /** Service name, "ssl/" prefixed inside TLS ("http", "ssh", "ssl/http", "tcpwrapped"). */
  name: string;
  product?: string;
  version?: string;
  extraInfo?: string;
  /** Operating system the service revealed ("Linux", "Windows"). */
  osHint?: string;
  deviceType?: string;
  /** Host name the service announced (SMTP greeting, certificate, ...). */
  hostname?: string;
  /** CPE 2.3 names. */
  cpe: string[];
  /** "ssl" when the service runs inside TLS. */
  tunnel?: "ssl";
  tls?: TlsInfo;
  /** "probed": a reply matched; "table": nothing answered, the name is the port's usual one. */
  method: "probed" | "table";
  /** 0-10, like nmap's conf. */
  confidence: number;
  /** The first bytes the service sent, printable-escaped. */
  evidence?: string;
}

/** An OS guess from the replies a raw scan already received (no extra packets). */
export interface OsPassiveHint {
  family: string;
  versionRange?: string;
  /** CPE 2.3 names. */
  cpe: string[];
  /** 0-100. */
  confidence: number;
  /** What matched and what did not. */
  reasons: string[];
  /** Network hops, from the initial TTL. */
  distance: number;
  /** Id of the best-fitting signature. */
  signature: string;
}

/** One ranked guess of active OS detection (`-O`). */
export interface OsMatch {
  name: string;
  /** 0-100. */
  accuracy: number;
  cpe: string[];
  /** Vendor, family, generation and device type of the match. */
  osClass?: { vendor: string; family: string; generation?: string; deviceType?: string };
}

/** What Portolan concluded about a host's operating system. */
export interface OsEvent {
  type: "os";
  address: string;
  /** Passive hint from the port scan's replies. */
  passive?: OsPassiveHint;
  /** Active detection (`-O`). */
  active?: {
    /** The fingerprint in the SCAN(...)SEQ(...)... form. */
    fingerprint: string;
    /** Ranked guesses, best first. */
    matches: OsMatch[];
    /** True when the best guess is a perfect match. */
    exact: boolean;
    /** Why detection could not be done or is unreliable. */
    note?: string;
  };
}

/** A script's result on a host (host scripts) or one of its ports (port scripts). */
export interface ScriptEvent {
  type: "script";
  address: string;
  /** Absent for host scripts. */
  port?: number;
  protocol?: Protocol;
  /** The script's name ("http-title"). */
  id: string;
  /** Human-readable lines. */
  output?: string;
  /** The same facts, structured. */
  data?: Record<string, unknown>;
  /** A vulnerability check's verdict, with its evidence. */
  vulnerable?: {
    state: "VULNERABLE" | "NOT VULNERABLE" | "LIKELY VULNERABLE";
    id?: string;
    title: string;
    evidence: string;
    risk?: "low" | "medium" | "high" | "critical";
  };
  /** Why the script produced nothing (timed out, failed). */
  error?: string;
  elapsedMs: number;
}

/** One hop of a traceroute. */
export interface TraceHop {
  ttl: number;
  /** Absent when nothing answered at this TTL. */
  address?: string;
  hostname?: string;
  rttMs?: number;
}

/** `--traceroute`: the route to a host. */
export interface TracerouteEvent {
  type: "traceroute";
  address: string;
  protocol: "tcp" | "udp" | "icmp";
  port?: number;
  hops: TraceHop[];
  /** True when the last hop is the target itself. */
  reached: boolean;
}

/** A host's port scan finished (all its probes answered or given up). */
export interface HostDoneEvent {
  type: "host-done";
  address: string;
  /** True if `--host-timeout` cut the host short. */
  timedOut: boolean;
}

/** Periodic progress: safe to ignore. */
export interface ProgressEvent {
  type: "progress";
  /** Probes (connect attempts, packets) sent so far, including retries. */
  sent: number;
  /** Target x port pairs decided so far. */
  done: number;
  /** Target x port pairs in the scan. */
  total: number;
  /** Current sending rate, probes per second. */
  rate: number;
  /** Replies received so far (raw scans). */
  replies?: number;
}

/** Something the user should know that does not stop the scan. */
export interface WarningEvent {
  type: "warning";
  message: string;
}

/** The scan finished (or was stopped). */
export interface EndEvent {
  type: "end";
  time: number;
  /** True when the scan was interrupted before finishing. */
  partial: boolean;
}

/** Any event the engine yields. */
export type ScanEvent =
  | StartEvent
  | HostEvent
  | PortEvent
  | HostDoneEvent
  | ServiceEvent
  | OsEvent
  | ScriptEvent
  | TracerouteEvent
  | ProgressEvent
  | WarningEvent
  | EndEvent;
