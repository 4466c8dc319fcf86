/**
 * Portolan's own OS database for active fingerprinting (`-O`): per OS, the values each
 * test line of the fingerprint is expected to take, as expressions (`|` alternatives,
 * `A-B` hex ranges, `>A`/`<A`, `*` for any hex digits; see probes/os/active/match.ts).
 *
 * Provenance (registry/OS_PROVENANCE.md, "Active OS database", says more): entries marked
 * `measured` come from running our own probes against Linux network namespaces on this
 * project's machines, with sysctls varied (timestamps, window scaling, SACK, ECN, buffers, TTL). Every other
 * entry is written from public descriptions of the stacks' defaults (vendor documentation,
 * RFCs, kernel sources and changelogs, published measurements), is not measured by us, and
 * describes only the lines those sources support; its `confidence` says how far to trust it.
 * Nothing here is taken from nmap's or p0f's databases.
 */

/** What an OS is: vendor, family, generation and the kind of device it runs on. */
export interface OsClass {
  vendor: string;
  family: string;
  generation?: string;
  deviceType: string;
}

/** Where an entry's facts came from. */
export interface OsProvenance {
  source: "measured" | "public";
  confidence: "high" | "medium" | "low";
  notes: string;
}

/** One OS in the database. */
export interface OsDbEntry {
  name: string;
  classes: OsClass[];
  cpe: string[];
  /** Line (SEQ, OPS, WIN, ECN, T1-T7, U1, IE) to attribute to expression. */
  tests: Record<string, Record<string, string>>;
  provenance: OsProvenance;
}

type Tests = Record<string, Record<string, string>>;

/** The same expression for O1-O6 / W1-W6 except where a probe's options differ. */
function six(prefix: "O" | "W", values: string | readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < 6; i++) {
    out[`${prefix}${i + 1}`] = typeof values === "string" ? values : values[i];
  }
  return out;
}

/**
 * Option strings of a Linux SYN-ACK to the six SEQ probes, for the given timestamp, window
 * scaling and SACK settings; probe 3 offers no SACK and probe 6 no window scaling, which is
 * why their strings differ. Measured here for every combination of the three sysctls'
 * defaults and each one switched off.
 */
function linuxOps(): Record<string, string> {
  const withTs = ["M*ST11NW*", "M*ST11NW*", "M*NNT11NW*", "M*ST11NW*", "M*ST11NW*", "M*ST11"];
  const noTs = ["M*NNSNW*", "M*NNSNW*", "M*NW*", "M*NNSNW*", "M*NNSNW*", "M*NNS"];
  const noWs = ["M*ST11", "M*ST11", "M*NNT11", "M*ST11", "M*ST11", "M*ST11"];
  const noTsWs = ["M*NNS", "M*NNS", "M*", "M*NNS", "M*NNS", "M*NNS"];
  const noSack = ["M*NNT11NW*", "M*NNT11NW*", "M*NNT11NW*", "M*NNT11NW*", "M*NNT11NW*", "M*NNT11"];
  return six(
    "O",
    withTs.map((_, i) => [withTs, noTs, noWs, noTsWs, noSack].map((v) => v[i]).join("|")),
  );
}

/** What every Linux since 2.6 does to the T2-T7, U1 and IE probes (measured on 6.x; the
 * kernel code paths for resets, ICMP errors and echo have not changed in these respects). */
function linuxCommon(ttl: string, extra: { t3?: string } = {}): Tests {
  const rst = { DF: "Y", T: ttl, TG: "40", W: "0", O: "", RD: "0", Q: "" };
  return {
    T1: { R: "Y", DF: "Y", T: ttl, TG: "40", S: "O", A: "S+", F: "AS", RD: "0", Q: "" },
    T2: { R: "N" },
    T3: { R: extra.t3 ?? "N" },
    T4: { R: "Y", ...rst, S: "A", A: "Z", F: "R" },
    T5: { R: "Y", ...rst, S: "Z", A: "S+", F: "AR" },
    T6: { R: "Y", ...rst, S: "A", A: "Z", F: "R" },
    T7: { R: "Y", ...rst, S: "Z", A: "S+", F: "AR" },
    U1: {
      R: "Y",
      DF: "N",
      T: ttl,
      TG: "40",
      IPL: "164",
      UN: "0",
      RIPL: "G",
      RID: "G",
      RIPCK: "G",
      RUCK: "G",
      RUD: "G",
    },
    IE: { R: "Y", DFI: "N", T: ttl, TG: "40", CD: "S" },
  };
}

const LINUX_TTL = "3B-45";

function linux(
  name: string,
  detail: {
    generation: string;
    cpe: string;
    windows: string;
    ecnWindow: string;
    ts: string;
    cc: string;
    t3?: string;
    deviceType?: string;
    vendor?: string;
    family?: string;
    provenance: OsProvenance;
  },
): OsDbEntry {
  return {
    name,
    classes: [{
      vendor: detail.vendor ?? "Linux",
      family: detail.family ?? "Linux",
      generation: detail.generation,
      deviceType: detail.deviceType ?? "general purpose",
    }],
    cpe: [detail.cpe],
    tests: {
      SEQ: { SP: "C8-12C", GCD: "1-6", ISR: "C8-12C", TI: "Z", CI: "Z", II: "I", TS: detail.ts },
      OPS: linuxOps(),
      WIN: six("W", detail.windows),
      ECN: {
        R: "Y",
        DF: "Y",
        T: LINUX_TTL,
        TG: "40",
        W: detail.ecnWindow,
        O: "M*NNSNW*|M*NNS|M*NW*|M*",
        CC: detail.cc,
        Q: "",
      },
      ...linuxCommon(LINUX_TTL, detail.t3 ? { t3: detail.t3 } : {}),
    },
    provenance: detail.provenance,
  };
}

const PUBLIC_LOW = (notes: string): OsProvenance => ({
  source: "public",
  confidence: "low",
  notes,
});
const PUBLIC_MEDIUM = (notes: string): OsProvenance => ({
  source: "public",
  confidence: "medium",
  notes,
});

/** Windows since Vista: one stack (the "Next Generation TCP/IP stack") with tuned defaults. */
function windows(
  name: string,
  detail: { generation: string; cpe: string; windows: string; deviceType?: string; notes: string },
): OsDbEntry {
  const ttl = "7B-85";
  const rst = { DF: "Y", T: ttl, TG: "80", W: "0", O: "", RD: "0", Q: "" };
  return {
    name,
    classes: [{
      vendor: "Microsoft",
      family: "Windows",
      generation: detail.generation,
      deviceType: detail.deviceType ?? "general purpose",
    }],
    cpe: [detail.cpe],
    tests: {
      // A global incrementing IP ID shared by TCP and ICMP; random ISNs (RFC 6528 style).
      SEQ: { SP: "F0-130", ISR: "F0-130", TI: "I", CI: "I", II: "I", SS: "S", TS: "U|A|7|8" },
      // MSS, NOP, window scale 8, then SACK-permitted (and timestamps only when enabled).
      OPS: six("O", "M*NW8ST11|M*NW8NNS|M*NNS|M*NW8NNT11|M*NW8|M*ST11|M*NNT11"),
      WIN: six("W", detail.windows),
      ECN: { R: "Y", DF: "Y", T: ttl, TG: "80", W: detail.windows, O: "M*NW8NNS", CC: "N", Q: "" },
      T1: { R: "Y", DF: "Y", T: ttl, TG: "80", S: "O", A: "S+", F: "AS", RD: "0", Q: "" },
      T5: { R: "Y", ...rst, S: "Z", A: "S+", F: "AR" },
      T6: { R: "Y", ...rst, S: "A", A: "O|Z", F: "R" },
      T7: { R: "Y", ...rst, S: "Z", A: "S+", F: "AR" },
      U1: { R: "Y|N", DF: "N", T: ttl, TG: "80", IPL: "164", UN: "0", RIPL: "G", RID: "G" },
      IE: { R: "Y|N", DFI: "N", T: ttl, TG: "80", CD: "Z" },
    },
    provenance: PUBLIC_LOW(detail.notes),
  };
}

/** BSD-derived stacks (FreeBSD, XNU, OpenBSD) quote only header + 8 bytes in ICMP errors. */
function bsdU1(ttl: string): Record<string, string> {
  return { R: "Y", DF: "N", T: ttl, TG: "40", IPL: "38", UN: "0", RUD: "G" };
}

/**
 * XNU's SYN-ACK options for each subset the SEQ probes offer (tcp_output(): MSS; NOP, WS;
 * NOP, NOP, TS; SACK-permitted last; EOL padding to a 4-byte boundary), with the padding
 * written as two EOLs or as one (see the macOS entry).
 */
const XNU_OPS = "M*NW*NNT11SLL|M*NW*NNT11SL|M*NW*NNT11|M*NNT11SLL|M*NNT11SL|M*NW*SLL|M*NW*SL|" +
  "M*NNT11";

/**
 * FreeBSD's SYN-ACK options (tcp_addoptions(): MSS; NOPs to an odd offset, WS; NOPs to an
 * even offset, SACK-permitted; NOPs to offset 4n+2, TS; EOL padding) for each subset the SEQ
 * probes offer: all four, no SACK (probe 3: M N W N N T), no WS (probe 6), no TS (ECN).
 */
const FREEBSD_OPS = "M*NW*ST11|M*NW*NNT11|M*NW*SLL|M*NW*SL|M*ST11|M*NNT11|M*NW*";

/** The database. */
export const OS_DB: readonly OsDbEntry[] = [
  // ---- Linux, measured here -------------------------------------------------------------
  linux("Linux 5.4 - 6.x", {
    generation: "5.X|6.X",
    cpe: "cpe:/o:linux:linux_kernel:6",
    // 65160 = 45 x 1448 with timestamps, 64240 = 44 x 1460 without (tcp_rmem default since
    // 4.19/4.20); smaller when tcp_rmem is tuned down (A9B0 measured with 87380).
    // FFCB / FFD7 measured on the loopback interface (MSS 65495).
    windows: "FE88|FAF0|A9B0|FFFF|FFCB",
    ecnWindow: "FAF0|A564|FFFF|FFD7",
    // Per-connection random timestamp offsets make the TS rate huge (measured 21-23);
    // a plain 1000 Hz clock gives A.
    ts: "A|1F-24|U",
    cc: "Y|N",
    provenance: {
      source: "measured",
      confidence: "high",
      notes: "Our probes against kernel 6.18 in lab namespaces, defaults and with " +
        "tcp_timestamps, tcp_window_scaling, tcp_sack, tcp_ecn and tcp_rmem varied; " +
        "lines cross-checked equal to nmap 7.93's fingerprint of the same hosts.",
    },
  }),
  // ---- Linux, older eras from public sources --------------------------------------------
  linux("Linux 4.x", {
    generation: "4.X",
    cpe: "cpe:/o:linux:linux_kernel:4",
    // Initial receive window 29200 / 28960 (20 x MSS) in the 3.x-4.x tcp_rmem era.
    windows: "7210|7120|FFFF|AAAA",
    ecnWindow: "7210|FFFF",
    ts: "A|1F-24|U",
    cc: "Y|N",
    provenance: PUBLIC_MEDIUM(
      "Not measured. Kernel 4.x keeps the 6.x behaviour measured here for resets, ICMP " +
        "and IP IDs (same code paths); windows from the published tcp_rmem defaults of the " +
        "era; per-connection timestamp offsets since 4.10.",
    ),
  }),
  linux("Linux 3.x", {
    generation: "3.X",
    cpe: "cpe:/o:linux:linux_kernel:3",
    // Initial window of 10 segments (RFC 6928, Linux 2.6.39+/3.0): 14600 / 14480.
    windows: "3908|3890|7210|7120",
    ecnWindow: "3908|7210",
    ts: "7|8|A",
    cc: "Y|N",
    provenance: PUBLIC_MEDIUM(
      "Not measured. IW10 windows (RFC 6928, merged for 2.6.39/3.0); timestamps from " +
        "jiffies at HZ 100/250/1000; ECN server mode (tcp_ecn=2) default since 2.6.31.",
    ),
  }),
  linux("Linux 2.6.x", {
    generation: "2.6.X",
    cpe: "cpe:/o:linux:linux_kernel:2.6",
    // 4 segments: 5840 = 4 x 1460, 5792 = 4 x 1448.
    windows: "16D0|16A0|1920|7FFF",
    ecnWindow: "16D0|1920",
    ts: "7|8|A",
    cc: "Y|N",
    t3: "Y|N",
    provenance: PUBLIC_LOW(
      "Not measured. Windows of 4 x MSS from the 2.6 tcp_select_initial_window; " +
        "timestamps from jiffies (HZ 100/250/1000); older kernels answered SYN+FIN.",
    ),
  }),
  linux("Linux (embedded: routers, NAS, cameras; 2.6 - 4.x)", {
    generation: "2.6.X|3.X|4.X",
    cpe: "cpe:/o:linux:linux_kernel",
    windows: "16D0|16A0|3908|3890|7210|7120|1000-8000",
    ecnWindow: "16D0|3908|7210|1000-8000",
    ts: "7|8|A|U",
    cc: "Y|N",
    t3: "Y|N",
    deviceType: "router|storage-misc|webcam|WAP",
    provenance: PUBLIC_LOW(
      "Not measured. Embedded firmware runs stock kernels of the same eras with smaller " +
        "buffers (lower windows) and often HZ 100 or 250.",
    ),
  }),
  {
    ...linux("Android 10 - 14", {
      generation: "10|11|12|13|14",
      cpe: "cpe:/o:google:android",
      windows: "FFFF|FE88|FAF0|7210|7120|AAAA",
      ecnWindow: "FFFF|FAF0|7210",
      ts: "A|1F-24|U",
      cc: "Y|N",
      vendor: "Google",
      family: "Android",
      deviceType: "phone",
      provenance: PUBLIC_LOW(
        "Not measured. Android runs Linux 4.14 - 6.x kernels; vendors commonly raise " +
          "tcp_rmem (window 65535). Same kernel code paths as the measured Linux entry.",
      ),
    }),
  },
  // ---- Windows ---------------------------------------------------------------------------
  windows("Microsoft Windows 10 / 11", {
    generation: "10|11",
    cpe: "cpe:/o:microsoft:windows_10",
    windows: "FFFF|FAF0|2000",
    notes: "Not measured. DefaultTTL 128 (Microsoft TCP/IP parameter docs); window " +
      "auto-tuning with scale factor 8; timestamps off by default (Tcp1323Opts); global " +
      "incrementing IP ID; ECN off for outgoing and not negotiated by default.",
  }),
  windows("Microsoft Windows 7 / Server 2008 R2", {
    generation: "7|2008",
    cpe: "cpe:/o:microsoft:windows_7",
    windows: "2000|FFFF",
    notes: "Not measured. Vista/7 stack: 8192-byte SYN-ACK window with scale 8, TTL 128, " +
      "incrementing IP ID, timestamps off by default.",
  }),
  windows("Microsoft Windows Server 2016 - 2022", {
    generation: "2016|2019|2022",
    cpe: "cpe:/o:microsoft:windows_server_2016",
    windows: "FFFF|FAF0|2000",
    notes: "Not measured. Same stack and defaults as Windows 10; server SKUs differ in " +
      "auto-tuning level only.",
  }),
  // ---- Apple ----------------------------------------------------------------------------
  {
    name: "Apple macOS 10.12 - 14",
    classes: [{
      vendor: "Apple",
      family: "macOS",
      generation: "10.X|11|12|13|14",
      deviceType: "general purpose",
    }],
    cpe: ["cpe:/o:apple:mac_os_x"],
    tests: {
      SEQ: { TI: "RD|RI|Z", II: "RI|RD|Z", TS: "A|1F-24" },
      // XNU (BSD lineage): MSS, NOP, WS, NOP, NOP, timestamps, SACK-permitted, EOL, EOL.
      // The EOL padding is spelt both ways: one L per padding byte, or one L for the list's
      // end (our option decoder stops at the first EOL).
      OPS: six("O", XNU_OPS),
      WIN: six("W", "FFFF"),
      ECN: { R: "Y", DF: "Y", T: LINUX_TTL, TG: "40", W: "FFFF", CC: "Y|N", Q: "" },
      T1: { R: "Y", DF: "Y", T: LINUX_TTL, TG: "40", S: "O", A: "S+", F: "AS", RD: "0", Q: "" },
      T5: { R: "Y", DF: "Y|N", T: LINUX_TTL, TG: "40", W: "0", S: "Z", A: "S+", F: "AR", RD: "0" },
      T7: { R: "Y", DF: "Y|N", T: LINUX_TTL, TG: "40", W: "0", S: "Z", A: "S+", F: "AR", RD: "0" },
      U1: bsdU1(LINUX_TTL),
      IE: { R: "Y", T: LINUX_TTL, TG: "40", CD: "S" },
    },
    provenance: PUBLIC_LOW(
      "Not measured. XNU source (bsd/netinet): 65535 window, option order, random IP IDs " +
        "(ip_randomid), ICMP errors quote header + 8 bytes; ECN enabled by default since " +
        "10.11 / iOS 9 (Apple developer notes).",
    ),
  },
  {
    name: "Apple iOS 12 - 17",
    classes: [{
      vendor: "Apple",
      family: "iOS",
      generation: "12|13|14|15|16|17",
      deviceType: "phone",
    }],
    cpe: ["cpe:/o:apple:iphone_os"],
    tests: {
      SEQ: { TI: "RD|RI|Z", II: "RI|RD|Z", TS: "A|1F-24" },
      OPS: six("O", XNU_OPS),
      WIN: six("W", "FFFF"),
      ECN: { R: "Y", DF: "Y", T: LINUX_TTL, TG: "40", W: "FFFF", CC: "Y", Q: "" },
      T1: { R: "Y", DF: "Y", T: LINUX_TTL, TG: "40", S: "O", A: "S+", F: "AS", RD: "0", Q: "" },
      U1: bsdU1(LINUX_TTL),
      IE: { R: "Y", T: LINUX_TTL, TG: "40", CD: "S" },
    },
    provenance: PUBLIC_LOW("Not measured. Same XNU stack as macOS; ECN on by default."),
  },
  // ---- BSD ------------------------------------------------------------------------------
  {
    name: "FreeBSD 12 - 14",
    classes: [{
      vendor: "FreeBSD",
      family: "FreeBSD",
      generation: "12.X|13.X|14.X",
      deviceType: "general purpose",
    }],
    cpe: ["cpe:/o:freebsd:freebsd"],
    tests: {
      // RFC 6864: IP ID 0 on atomic (DF) datagrams by default since 12.
      SEQ: { TI: "Z|I|RI", CI: "Z|I|RI", TS: "A|1F-24" },
      OPS: six("O", FREEBSD_OPS),
      WIN: six("W", "FFFF"),
      ECN: { R: "Y", DF: "Y", T: LINUX_TTL, TG: "40", W: "FFFF", CC: "N|Y", Q: "" },
      T1: { R: "Y", DF: "Y", T: LINUX_TTL, TG: "40", S: "O", A: "S+", F: "AS", RD: "0", Q: "" },
      T5: { R: "Y", T: LINUX_TTL, TG: "40", W: "0", S: "Z", A: "S+", F: "AR", RD: "0" },
      U1: bsdU1(LINUX_TTL),
      IE: { R: "Y", T: LINUX_TTL, TG: "40", CD: "S" },
    },
    provenance: PUBLIC_LOW(
      "Not measured. FreeBSD tcp_syncache option order (MSS, WS, SACK, TS), 65535 window, " +
        "net.inet.ip.rfc6864 and random_id sysctls (FreeBSD manual pages), ICMP quote of " +
        "header + 8 bytes by default (net.inet.icmp.quotelen).",
    ),
  },
  {
    name: "OpenBSD 6.x - 7.x",
    classes: [{
      vendor: "OpenBSD",
      family: "OpenBSD",
      generation: "6.X|7.X",
      deviceType: "general purpose",
    }],
    cpe: ["cpe:/o:openbsd:openbsd"],
    tests: {
      // Random IP IDs and ISNs; per-connection random timestamp offsets.
      SEQ: { TI: "RD|RI", II: "RD|RI", TS: "1F-24|U" },
      OPS: six("O", "M*NNSNW*NNT11|M*NNSNW*|M*NNT11|M*NNS|M*"),
      WIN: six("W", "4000"),
      ECN: { R: "Y", DF: "Y", T: LINUX_TTL, TG: "40", W: "4000", CC: "N", Q: "" },
      T1: { R: "Y", DF: "Y", T: LINUX_TTL, TG: "40", S: "O", A: "S+", F: "AS", RD: "0", Q: "" },
      U1: bsdU1(LINUX_TTL),
      IE: { R: "Y", T: LINUX_TTL, TG: "40", CD: "S" },
    },
    provenance: PUBLIC_LOW(
      "Not measured. OpenBSD's documented randomisation (IP ID, ISN, timestamps), 16384 " +
        "default receive space, ECN off by default (net.inet.tcp.ecn=0).",
    ),
  },
  // ---- Embedded and network systems -----------------------------------------------------
  {
    name: "lwIP embedded TCP/IP stack (IoT devices)",
    classes: [{ vendor: "lwIP", family: "embedded", deviceType: "specialized" }],
    cpe: ["cpe:/a:lwip_project:lwip"],
    tests: {
      SEQ: { TI: "I", CI: "I", II: "I", TS: "U" },
      // Only MSS by default (window scaling and timestamps are compile-time options).
      OPS: six("O", "M*"),
      WIN: six("W", "860|B68|16D0|1000-FFFF"),
      ECN: { R: "Y", DF: "N", T: "F5-FF", TG: "FF", O: "M*", CC: "N", Q: "" },
      T1: { R: "Y", DF: "N", T: "F5-FF", TG: "FF", S: "O", A: "S+", F: "AS", RD: "0" },
      U1: { R: "Y", DF: "N", T: "F5-FF", TG: "FF", UN: "0" },
      IE: { R: "Y", DFI: "N", T: "F5-FF", TG: "FF" },
    },
    provenance: PUBLIC_LOW(
      "Not measured. lwIP opt.h defaults: IP_DEFAULT_TTL 255, TCP_MSS 536, TCP_WND 4 x MSS, " +
        "no window scaling or timestamps unless enabled, incrementing IP ID.",
    ),
  },
  {
    name: "Cisco IOS 12 - 15 (router / switch management plane)",
    classes: [{
      vendor: "Cisco",
      family: "IOS",
      generation: "12.X|15.X",
      deviceType: "router|switch",
    }],
    cpe: ["cpe:/o:cisco:ios"],
    tests: {
      SEQ: { TI: "RD|I|RI", II: "RI|I", TS: "U" },
      OPS: six("O", "M*"),
      WIN: six("W", "1020|1000-2000"),
      ECN: { R: "Y", DF: "N", T: "F5-FF", TG: "FF", CC: "N", Q: "" },
      T1: { R: "Y", DF: "N", T: "F5-FF", TG: "FF", S: "O", A: "S+", F: "AS", RD: "0" },
      U1: { R: "Y|N", DF: "N", T: "F5-FF", TG: "FF" },
      IE: { R: "Y", DFI: "N", T: "F5-FF", TG: "FF", CD: "S|Z" },
    },
    provenance: PUBLIC_LOW(
      "Not measured. Cisco configuration guides: TTL 255 for locally originated packets, " +
        "default TCP window 4128, MSS 536 for off-net peers; ICMP unreachables rate-limited.",
    ),
  },
  {
    name: "Wind River VxWorks 6 - 7",
    classes: [{
      vendor: "Wind River",
      family: "VxWorks",
      generation: "6.X|7.X",
      deviceType: "specialized",
    }],
    cpe: ["cpe:/o:windriver:vxworks"],
    tests: {
      SEQ: { TI: "I|RI", II: "I|RI", TS: "1|U" },
      OPS: six("O", "M*|M*NW*|M*NW*NNT11|M*NW*SLL"),
      WIN: six("W", "2000|4000|FFFF"),
      T1: { R: "Y", T: "3B-45", TG: "40", S: "O", A: "S+", F: "AS" },
      U1: { R: "Y", T: "3B-45", TG: "40" },
      IE: { R: "Y", T: "3B-45", TG: "40" },
    },
    provenance: PUBLIC_LOW(
      "Not measured. BSD 4.4-derived stack (Wind River documentation): TTL 64, 8192/16384 " +
        "default buffers, 2 Hz BSD timestamp clock in older releases.",
    ),
  },
];
