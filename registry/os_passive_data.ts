/**
 * Passive OS signatures: what a TCP/IP stack's SYN, SYN-ACK and RST look like by default.
 *
 * Written from public facts (kernel sources, vendor documentation, RFCs) and from our own
 * measurements of Linux in network namespaces; `registry/OS_PROVENANCE.md` ("Passive OS
 * signatures") gives the source of every value, keyed by each signature's `sources`. Nothing
 * here comes from p0f.fp or nmap-os-db.
 *
 * Option layouts use the letters of `ReplyFingerprint.options` (M mss, N nop, W wscale,
 * S sack-permitted, T timestamp, E end of list), with a run of trailing E's written once
 * (the packet decoder stops at the first EOL). A SYN-ACK only carries the options its SYN
 * offered, so each signature lists every layout the stack emits for some subset of
 * {wscale, sack-permitted, timestamps}.
 */

/** Initial TTLs in use: 32 (old stacks), 64 (Unix), 128 (Windows), 255 (network gear, Solaris). */
export type InitialTtl = 32 | 64 | 128 | 255;

/** The weighted tests a signature may define; absent ones are simply not tested. */
export interface PassiveCriteria {
  /** The stack's default initial TTL / hop limit. */
  initialTtl: InitialTtl;
  /** IPv4 don't-fragment bit on SYN-ACKs and RSTs. */
  df?: boolean;
  /**
   * IPv4 identification on DF-flagged SYN-ACKs and RSTs (not SYNs): "zero" (RFC 6864 atomic
   * datagrams) or "nonzero" (a counter or random value).
   */
  ipId?: "zero" | "nonzero";
  /** Exact windows the stack advertises on SYN and SYN-ACK. */
  windows?: readonly number[];
  /**
   * Window is an integer multiple of the MSS in the same packet, or of the MSS less the 12
   * bytes a timestamp option takes from every segment, within [min, max] segments.
   */
  windowMssMultiple?: { min: number; max: number };
  /** Option layouts (see the module comment). */
  layouts?: readonly string[];
  /** Window-scale shifts the stack offers with default buffer sizes. */
  windowScales?: readonly number[];
}

/** Relative weight of each criterion; the matcher divides matched by applicable weight. */
export interface PassiveWeights {
  ttl: number;
  df: number;
  ipId: number;
  window: number;
  layout: number;
  windowScale: number;
}

/** One passive signature. */
export interface PassiveSignature {
  /** Stable identifier, used in tests and provenance. */
  id: string;
  /** OS family as shown to users ("Linux", "Windows"). */
  family: string;
  /** Versions the signature describes ("4.x-6.x"), shown after the family. */
  versionRange?: string;
  /** CPE 2.3 names for the family. */
  cpe: readonly string[];
  criteria: PassiveCriteria;
  /** Per-signature overrides of {@link DEFAULT_PASSIVE_WEIGHTS}, for facts we hold less firmly. */
  weights?: Partial<PassiveWeights>;
  /** Keys into OS_PROVENANCE.md. */
  sources: readonly string[];
}

/**
 * Default weights. The option layout says most (it is the stack's own code path), then the
 * initial TTL and the window; DF and the window scale are shared by many stacks.
 */
export const DEFAULT_PASSIVE_WEIGHTS: Readonly<PassiveWeights> = {
  ttl: 4,
  df: 1,
  ipId: 2,
  window: 3,
  layout: 4,
  windowScale: 1,
};

/** Linux's tcp_options_write: M, then S,T | N,N,T | N,N,S, then N,W. */
const LINUX_LAYOUTS = [
  "M",
  "M,S,T",
  "M,N,N,T",
  "M,N,N,S",
  "M,N,W",
  "M,S,T,N,W",
  "M,N,N,T,N,W",
  "M,N,N,S,N,W",
] as const;

/** Windows Vista and later: M, N,W, N,N,S (timestamps off by default). */
const WINDOWS_LAYOUTS = ["M", "M,N,W", "M,N,N,S", "M,N,W,N,N,S"] as const;

/** Windows 2000/XP/2003: no window scaling by default; SACK permitted after MSS. */
const WINDOWS_XP_LAYOUTS = ["M", "M,N,N,S"] as const;

/**
 * FreeBSD's tcp_addoptions: MSS, NOP+wscale, sack-permitted padded to an even offset,
 * timestamps padded to offset 4n+2, then EOL padding to a 4-byte boundary.
 */
const FREEBSD_LAYOUTS = [
  "M",
  "M,N,W",
  "M,S,E",
  "M,N,N,T",
  "M,N,W,S,E",
  "M,N,W,N,N,T",
  "M,S,T",
  "M,N,W,S,T",
] as const;

/** XNU (macOS, iOS): MSS, NOP+wscale, NOP,NOP+timestamps, sack-permitted, EOL padding. */
const DARWIN_LAYOUTS = [
  "M",
  "M,N,W",
  "M,N,N,T",
  "M,S,E",
  "M,N,W,N,N,T",
  "M,N,W,S,E",
  "M,N,N,T,S,E",
  "M,N,W,N,N,T,S,E",
] as const;

/** OpenBSD: MSS, NOP,NOP+sack-permitted, NOP+wscale, NOP,NOP+timestamps. */
const OPENBSD_LAYOUTS = [
  "M",
  "M,N,N,S",
  "M,N,W",
  "M,N,N,T",
  "M,N,N,S,N,W",
  "M,N,N,S,N,N,T",
  "M,N,W,N,N,T",
  "M,N,N,S,N,W,N,N,T",
] as const;

/** Solaris / illumos: timestamps first, then MSS, NOP+wscale, NOP,NOP+sack-permitted. */
const SOLARIS_LAYOUTS = [
  "M",
  "N,N,T,M",
  "M,N,W",
  "M,N,N,S",
  "N,N,T,M,N,W",
  "N,N,T,M,N,N,S",
  "M,N,W,N,N,S",
  "N,N,T,M,N,W,N,N,S",
] as const;

/** Every passive signature, most specific first within a family. */
export const PASSIVE_SIGNATURES: readonly PassiveSignature[] = [
  {
    id: "linux",
    family: "Linux",
    versionRange: "3.x-6.x",
    cpe: ["cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"],
    criteria: {
      initialTtl: 64,
      df: true,
      ipId: "zero",
      windowMssMultiple: { min: 1, max: 45 },
      layouts: LINUX_LAYOUTS,
      windowScales: [7, 8, 9, 10],
    },
    sources: ["linux-ttl", "linux-window", "linux-options", "linux-ipid", "lab-linux"],
  },
  {
    id: "windows",
    family: "Windows",
    versionRange: "Vista-11",
    cpe: ["cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"],
    criteria: {
      initialTtl: 128,
      df: true,
      ipId: "nonzero",
      windows: [8192, 64240, 65535],
      layouts: WINDOWS_LAYOUTS,
      windowScales: [8],
    },
    // The IP id behaviour is observed in public traces, not documented by Microsoft.
    weights: { ipId: 1 },
    sources: ["windows-ttl", "windows-window", "windows-options", "windows-ipid"],
  },
  {
    id: "windows-xp",
    family: "Windows",
    versionRange: "2000-2003",
    cpe: [
      "cpe:2.3:o:microsoft:windows_xp:*:*:*:*:*:*:*:*",
      "cpe:2.3:o:microsoft:windows_server_2003:*:*:*:*:*:*:*:*",
    ],
    criteria: {
      initialTtl: 128,
      df: true,
      ipId: "nonzero",
      windows: [16384, 64240, 65535],
      layouts: WINDOWS_XP_LAYOUTS,
    },
    weights: { ipId: 1 },
    sources: ["windows-ttl", "windows-xp-window", "windows-options"],
  },
  {
    id: "freebsd",
    family: "FreeBSD",
    versionRange: "10.x-14.x",
    cpe: ["cpe:2.3:o:freebsd:freebsd:*:*:*:*:*:*:*:*"],
    criteria: {
      initialTtl: 64,
      df: true,
      windows: [65535],
      layouts: FREEBSD_LAYOUTS,
      windowScales: [6],
    },
    sources: ["freebsd-ttl", "freebsd-window", "freebsd-options"],
  },
  {
    id: "macos",
    family: "macOS",
    versionRange: "10.x-15.x",
    cpe: [
      "cpe:2.3:o:apple:macos:*:*:*:*:*:*:*:*",
      "cpe:2.3:o:apple:mac_os_x:*:*:*:*:*:*:*:*",
    ],
    criteria: {
      initialTtl: 64,
      df: true,
      windows: [65535],
      layouts: DARWIN_LAYOUTS,
      windowScales: [5, 6],
    },
    sources: ["darwin-ttl", "darwin-window", "darwin-options"],
  },
  {
    id: "openbsd",
    family: "OpenBSD",
    versionRange: "5.x-7.x",
    cpe: ["cpe:2.3:o:openbsd:openbsd:*:*:*:*:*:*:*:*"],
    criteria: {
      initialTtl: 64,
      df: true,
      ipId: "nonzero",
      windows: [16384],
      layouts: OPENBSD_LAYOUTS,
    },
    weights: { ipId: 1 },
    sources: ["openbsd-ttl", "openbsd-window", "openbsd-options", "openbsd-ipid"],
  },
  {
    id: "solaris",
    family: "Solaris",
    versionRange: "10-11",
    cpe: ["cpe:2.3:o:oracle:solaris:*:*:*:*:*:*:*:*"],
    criteria: {
      initialTtl: 255,
      df: true,
      layouts: SOLARIS_LAYOUTS,
    },
    // The layout comes from published traces, not the source: hold it less firmly.
    weights: { layout: 2 },
    sources: ["solaris-ttl", "solaris-options"],
  },
  {
    id: "cisco-ios",
    family: "Cisco IOS",
    cpe: ["cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*"],
    criteria: {
      initialTtl: 255,
      df: false,
      windows: [4128],
      layouts: ["M"],
    },
    sources: ["cisco-ttl", "cisco-window"],
  },
];
