/**
 * Personality responders: a userspace TCP/IP responder that answers, inside a lab target
 * namespace, the way another operating system's stack would (Windows 10/11, FreeBSD 13/14,
 * macOS), so OS detection can be tested against more than the one Linux kernel the lab runs.
 *
 * How: an nft rule in the target namespace drops every packet to the host's IPv4 address at
 * the input hook, so its kernel never answers (no SYN-ACK, RST, port unreachable or echo
 * reply of its own); an AF_PACKET socket on the host's interface still sees the frames
 * (packet taps run before the IP layer) and a small Python program (standard library only)
 * writes whole Ethernet frames back, which pass no netfilter hook. ARP and IPv6 stay with
 * the kernel (the lab installs permanent neighbour entries anyway).
 *
 * The per-stack facts live in {@link PERSONALITIES}, as data, with their public sources in
 * tests/lab/README.md ("Personality responders"). The responder is stateless: every SYN to
 * an open port gets a fresh SYN-ACK, and it never sends data.
 *
 * @example
 * ```ts
 * const lab = await startLab({ hosts: [{ name: "win" }] });
 * try {
 *   const r = await startPersonality(lab, "win", PERSONALITIES.windows, { tcpOpen: [445] });
 *   await lab.exec(["nmap", "-O", "-Pn", "-p", "445,1", lab.host("win").ipv4]);
 *   await r.close();
 * } finally {
 *   await lab.close();
 * }
 * ```
 *
 * @module
 */
import { type Lab, labPython } from "./lab.ts";

/** How a stack fills the IPv4 identification field. */
export type IpIdPolicy =
  /** One global counter, +1 per datagram, shared by TCP and ICMP. */
  | "incremental"
  /** RFC 6864: 0 on atomic (DF) datagrams; a global +1 counter on the others. */
  | "rfc6864-incremental"
  /** RFC 6864: 0 on atomic (DF) datagrams; a random value on the others. */
  | "rfc6864-random";

/** The order a stack writes the options of its SYN-ACK in (each a code path of its own). */
export type OptionLayout =
  /** MSS; NOP,WS; NOP,NOP,SACK-permitted; NOP,NOP,TS. */
  | "windows"
  /** FreeBSD tcp_addoptions(): MSS; NOP to an odd offset, WS; SACK at even; TS at 4n+2; EOL pad. */
  | "freebsd"
  /** XNU tcp_output(): MSS; NOP,WS; NOP,NOP,TS; SACK-permitted last; EOL pad. */
  | "darwin";

/** Everything a responder needs to answer like one stack. */
export interface Personality {
  /** Short id ("windows"). */
  id: string;
  /** OS family as Portolan names it ("Windows", "FreeBSD", "macOS"). */
  family: string;
  /** A pattern an outside oracle's verdict must match to name the same family. */
  oracleFamily: RegExp;
  /** What it imitates, for messages. */
  description: string;
  /** Initial TTL of every datagram it sends. */
  ttl: number;
  /** DF on TCP segments (SYN-ACKs and RSTs). */
  tcpDf: boolean;
  ipId: IpIdPolicy;
  /** Window of the SYN-ACK (never scaled, RFC 7323). */
  window: number;
  /** MSS it announces (its interface MTU 1500 less 40). */
  mss: number;
  /** Window-scale shift it offers when the SYN offered window scaling. */
  windowScale: number;
  layout: OptionLayout;
  /** Timestamps when the SYN offers them, or undefined when the stack does not answer them. */
  timestamps?: {
    /** Clock rate of TSval. */
    hz: number;
    /** "per-connection": a keyed hash of the 4-tuple is added (RFC 7323, section 5.4). */
    offset: "per-connection" | "per-host";
  };
  /** Answers a SYN asking for ECN (ECE+CWR) with ECE. */
  ecn: boolean;
  /** A segment with neither SYN, ACK nor RST (NULL, FIN, Xmas) to an open port. */
  bareToOpen: "drop" | "reset";
  /** A SYN+FIN to an open port. */
  synFinToOpen: "drop" | "synack" | "reset";
  /** Bytes of the offending datagram's payload quoted after its IP header in ICMP errors. */
  icmpQuote: "all" | number;
  /** DF on ICMP errors. */
  icmpErrorDf: boolean;
  /** Echo reply: code copied from the request ("copy") or always 0; DF copied or clear. */
  echo: { code: "copy" | "zero"; df: "copy" | "clear" };
  /** Keys of tests/lab/README.md's source table. */
  sources: string[];
}

/**
 * The personalities. Each value is a documented default of the stack named (sources in
 * tests/lab/README.md, "Personality responders"); none was read from nmap's or p0f's data.
 */
export const PERSONALITIES: Readonly<Record<"windows" | "freebsd" | "macos", Personality>> = {
  windows: {
    id: "windows",
    family: "Windows",
    oracleFamily: /windows/i,
    description: "Windows 10 / 11 (and Server 2016+) defaults",
    ttl: 128,
    tcpDf: true,
    ipId: "incremental",
    window: 65535,
    mss: 1460,
    windowScale: 8,
    layout: "windows",
    // Tcp1323Opts: timestamps neither offered nor accepted by default on Windows 10 / 11.
    timestamps: undefined,
    ecn: false,
    // Windows answers NULL, FIN and Xmas probes with a reset whatever the port's state.
    bareToOpen: "reset",
    synFinToOpen: "reset",
    icmpQuote: "all",
    icmpErrorDf: false,
    echo: { code: "zero", df: "clear" },
    sources: ["win-ttl", "win-window", "win-options", "win-ipid", "win-rst", "win-icmp"],
  },
  freebsd: {
    id: "freebsd",
    family: "FreeBSD",
    oracleFamily: /freebsd/i,
    description: "FreeBSD 13 / 14 defaults",
    ttl: 64,
    tcpDf: true,
    ipId: "rfc6864-incremental",
    window: 65535,
    mss: 1460,
    windowScale: 6,
    layout: "freebsd",
    timestamps: { hz: 1000, offset: "per-connection" },
    // net.inet.tcp.ecn.enable=2: ECN accepted when the peer asks, never initiated.
    ecn: true,
    bareToOpen: "drop",
    synFinToOpen: "synack",
    icmpQuote: 8,
    icmpErrorDf: false,
    echo: { code: "copy", df: "copy" },
    sources: [
      "bsd-ttl",
      "fbsd-window",
      "fbsd-options",
      "fbsd-ipid",
      "fbsd-ts",
      "bsd-rst",
      "bsd-icmp",
    ],
  },
  macos: {
    id: "macos",
    family: "macOS",
    // Case-sensitive, so that "Cisco IOS" is not taken for Apple's iOS.
    oracleFamily: /[Mm]ac ?OS|OS X|Apple|Darwin|\biOS\b/,
    description: "macOS 11 - 14 defaults",
    ttl: 64,
    tcpDf: true,
    ipId: "rfc6864-random",
    window: 65535,
    mss: 1460,
    windowScale: 6,
    layout: "darwin",
    timestamps: { hz: 1000, offset: "per-host" },
    ecn: true,
    bareToOpen: "drop",
    // XNU's net.inet.tcp.drop_synfin defaults to 1.
    synFinToOpen: "drop",
    icmpQuote: 8,
    icmpErrorDf: false,
    echo: { code: "copy", df: "copy" },
    sources: ["bsd-ttl", "xnu-window", "xnu-options", "xnu-ipid", "xnu-ts", "bsd-rst", "bsd-icmp"],
  },
};

/** A running responder. */
export interface PersonalityResponder {
  personality: Personality;
  /** The address it answers for (the host's IPv4 address). */
  address: string;
  /** Pid of the Python process (inside the host's namespace). */
  pid: number;
  /** Stop it (SIGTERM, by pid) and remove the nft table; safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link startPersonality}. */
export interface StartPersonalityOptions {
  /** TCP ports that answer SYNs with a SYN-ACK; every other TCP port is closed. */
  tcpOpen: number[];
  /** UDP ports that stay silent (open|filtered); every other UDP port is closed. */
  udpSilent?: number[];
}

/**
 * The responder. Frames in on an AF_PACKET socket, whole frames out with the MAC
 * addresses swapped. Only the standard library, so the lab needs nothing beyond python3.
 * No backslashes in here: the text sits in a template literal.
 */
const RESPONDER_PY = `
import socket, struct, sys, json, os, time, hashlib
try:
    import ctypes
    ctypes.CDLL(None).prctl(1, 15)
except Exception:
    pass
cfg = json.loads(sys.argv[1])
P = cfg["p"]
ME = socket.inet_aton(cfg["address"])
OPEN = set(cfg["tcpOpen"])
SILENT = set(cfg["udpSilent"])
SECRET = os.urandom(16)
HOST_TS_OFFSET = int.from_bytes(os.urandom(4), "big")
counter = [int.from_bytes(os.urandom(2), "big")]
T0 = time.monotonic()
HALF = {}
CONNS = {}
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 1, 2, 4, 8, 16, 32, 64, 128
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
sock.bind((cfg["interface"], 0x0800))

def csum(b):
    if len(b) % 2:
        b += bytes(1)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def ip_id(df):
    pol = P["ipId"]
    if pol != "incremental" and df:
        return 0
    if pol == "rfc6864-random":
        return 1 + int.from_bytes(os.urandom(2), "big") % 65535
    counter[0] = (counter[0] + 1) & 0xFFFF
    return counter[0]

def ip_packet(dst, proto, payload, df, tos=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ip_id(df),
                    0x4000 if df else 0, P["ttl"], proto, 0, ME, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def send(frame_in, packet):
    sock.send(frame_in[6:12] + frame_in[0:6] + bytes([8, 0]) + packet)

def parse_opts(b):
    o = {}
    i = 0
    while i < len(b):
        k = b[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(b) or b[i + 1] < 2:
            break
        n = b[i + 1]
        v = b[i + 2:i + n]
        if k == 2 and n == 4:
            o["mss"] = struct.unpack("!H", v)[0]
        elif k == 3 and n == 3:
            o["ws"] = v[0]
        elif k == 4:
            o["sack"] = True
        elif k == 8 and n == 10:
            o["ts"] = struct.unpack("!I", v[:4])[0]
        i += n
    return o

def tsval(src, sport, dport):
    ts = P["timestamps"]
    now = int((time.monotonic() - T0) * ts["hz"]) + 1
    if ts["offset"] == "per-connection":
        key = SECRET + src + ME + struct.pack("!HH", sport, dport)
        off = int.from_bytes(hashlib.sha256(key).digest()[:4], "big")
    else:
        off = HOST_TS_OFFSET
    return (now + off) & 0xFFFFFFFF

def syn_ack_options(offer, ts):
    mss = struct.pack("!BBH", 2, 4, P["mss"])
    ws = bytes([3, 3, P["windowScale"]]) if "ws" in offer else None
    sack = bytes([4, 2]) if offer.get("sack") else None
    tso = struct.pack("!BBII", 8, 10, ts, offer["ts"]) if ts is not None else None
    lay = P["layout"]
    out = b""
    if lay == "windows":
        out = mss
        if ws:
            out += bytes([1]) + ws
        if sack:
            out += bytes([1, 1]) + sack
        if tso:
            out += bytes([1, 1]) + tso
    elif lay == "freebsd":
        # Each option padded with NOPs to the offset its code path wants.
        out = mss
        if ws:
            while len(out) % 2 != 1:
                out += bytes([1])
            out += ws
        if sack:
            while len(out) % 2:
                out += bytes([1])
            out += sack
        if tso:
            while len(out) % 4 != 2:
                out += bytes([1])
            out += tso
    else:
        out = mss
        if ws:
            out += bytes([1]) + ws
        if tso:
            out += bytes([1, 1]) + tso
        if sack:
            out += sack
    while len(out) % 4:
        out += bytes(1)
    return out

def tcp_segment(src, sport, dport, seq, ack, flags, window, opts=b""):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", dport, sport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                    off << 4, flags, window, 0, 0) + opts
    pseudo = ME + src + struct.pack("!BBH", 0, 6, len(h))
    c = csum(pseudo + h)
    return h[:16] + struct.pack("!H", c) + h[18:]

def reset(frame, src, sport, dport, seq, ack, flags):
    seg = tcp_segment(src, sport, dport, seq, ack, flags, 0)
    send(frame, ip_packet(src, 6, seg, P["tcpDf"]))

def on_tcp(frame, ip, ihl, src):
    t = ip[ihl:]
    if len(t) < 20:
        return
    sport, dport, seq, ack, offb, flags = struct.unpack("!HHIIBB", t[:14])
    thl = (offb >> 4) * 4
    seglen = len(ip) - ihl - thl
    if flags & RST:
        return
    rst_ack = seq + seglen + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)
    if dport not in OPEN:
        if flags & ACK:
            reset(frame, src, sport, dport, ack, 0, RST)
        else:
            reset(frame, src, sport, dport, 0, rst_ack, RST | ACK)
        return
    key = (src, sport, dport)
    if key in CONNS:
        # A connection that a client completed (connect() before a p0f capture): take its
        # ACKs quietly and answer its FIN, as a listening stack would; no reset.
        if flags & ACK and not flags & SYN:
            if flags & FIN and CONNS[key] != "closing":
                fin = tcp_segment(src, sport, dport, ack, rst_ack, FIN | ACK, P["window"])
                send(frame, ip_packet(src, 6, fin, P["tcpDf"]))
                CONNS[key] = "closing"
            elif CONNS[key] == "closing" and not flags & FIN:
                del CONNS[key]
            return
        del CONNS[key]
    if flags & SYN and not flags & ACK:
        if flags & FIN and P["synFinToOpen"] != "synack":
            if P["synFinToOpen"] == "reset":
                reset(frame, src, sport, dport, 0, rst_ack, RST | ACK)
            return
        offer = parse_opts(t[20:thl])
        ts = None
        if "ts" in offer and P.get("timestamps"):
            ts = tsval(src, sport, dport)
        out = SYN | ACK
        if P["ecn"] and flags & ECE and flags & CWR:
            out |= ECE
        isn = int.from_bytes(os.urandom(4), "big")
        if len(HALF) > 4096:
            HALF.clear()
        seg = tcp_segment(src, sport, dport, isn, seq + 1, out, P["window"],
                          syn_ack_options(offer, ts))
        send(frame, ip_packet(src, 6, seg, P["tcpDf"]))
        HALF[key] = isn
    elif flags & ACK:
        if HALF.get(key) is not None and ack == (HALF[key] + 1) & 0xFFFFFFFF and not flags & FIN:
            CONNS[key] = HALF.pop(key)
            return
        reset(frame, src, sport, dport, ack, 0, RST)
    elif P["bareToOpen"] == "reset":
        reset(frame, src, sport, dport, 0, rst_ack, RST | ACK)

def on_udp(frame, ip, ihl, src):
    if len(ip) < ihl + 8:
        return
    dport = struct.unpack("!H", ip[ihl + 2:ihl + 4])[0]
    if dport in SILENT:
        return
    q = P["icmpQuote"]
    quoted = ip[:min(len(ip), 548)] if q == "all" else ip[:ihl + q]
    icmp = struct.pack("!BBHI", 3, 3, 0, 0) + quoted
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    send(frame, ip_packet(src, 1, icmp, P["icmpErrorDf"]))

def on_icmp(frame, ip, ihl, src):
    m = ip[ihl:]
    if len(m) < 8 or m[0] != 8:
        return
    code = m[1] if P["echo"]["code"] == "copy" else 0
    df = bool(struct.unpack("!H", ip[6:8])[0] & 0x4000) and P["echo"]["df"] == "copy"
    rep = bytes([0, code, 0, 0]) + m[4:]
    rep = rep[:2] + struct.pack("!H", csum(rep)) + rep[4:]
    send(frame, ip_packet(src, 1, rep, df))

sys.stdout.write("ready" + chr(10))
sys.stdout.flush()
while True:
    frame, meta = sock.recvfrom(65535)
    if meta[2] == socket.PACKET_OUTGOING or len(frame) < 34:
        continue
    ip = frame[14:]
    if ip[0] >> 4 != 4 or ip[16:20] != ME:
        continue
    ihl = (ip[0] & 15) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    ip = ip[:total]
    if struct.unpack("!H", ip[6:8])[0] & 0x3FFF:
        continue
    src = ip[12:16]
    proto = ip[9]
    if proto == 6:
        on_tcp(frame, ip, ihl, src)
    elif proto == 17:
        on_udp(frame, ip, ihl, src)
    elif proto == 1:
        on_icmp(frame, ip, ihl, src)
`;

/**
 * Make lab host `hostName` answer like `personality`: drop everything to its IPv4 address
 * before its kernel sees it, and start the responder on its interface. Resolves when the
 * responder is listening. The host should have no `tcpOpen`/`udpOpen` of its own.
 */
export async function startPersonality(
  lab: Lab,
  hostName: string,
  personality: Personality,
  options: StartPersonalityOptions,
): Promise<PersonalityResponder> {
  const host = lab.host(hostName);
  const table = `ptl_personality`;
  const rules = [
    `table ip ${table} {`,
    "  chain input {",
    // Before any other input rule: the kernel must not answer for this address at all.
    "    type filter hook input priority -400; policy accept;",
    `    ip daddr ${host.ipv4} drop`,
    "  }",
    "}",
    "",
  ].join("\n");
  const nft = await lab.exec(["nft", "-f", "-"], { host: hostName, stdin: rules });
  if (!nft.success) throw new Error(`nft in ${hostName} failed: ${nft.stderr.trim()}`);
  const config = {
    p: personality,
    address: host.ipv4,
    interface: host.interface,
    tcpOpen: options.tcpOpen,
    udpSilent: options.udpSilent ?? [],
  };
  const child = lab.spawn([labPython(), "-c", RESPONDER_PY, JSON.stringify(config)], {
    host: hostName,
    stdout: "piped",
    stderr: "piped",
  });
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.getReader();
  let text = "";
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 10_000);
  try {
    const decoder = new TextDecoder();
    while (!text.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) {
        throw new Error(`personality ${personality.id} did not start: ${(await stderr).trim()}`);
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  // Drain stdout so the pipe never fills; the responder prints nothing more.
  const drained = child.stdout.cancel().catch(() => {});
  let closing: Promise<void> | undefined;
  return {
    personality,
    address: host.ipv4,
    pid: child.pid,
    close() {
      closing ??= (async () => {
        let died = false;
        try {
          child.kill("SIGTERM");
        } catch {
          died = true;
        }
        const status = await child.status;
        const text = await stderr.catch(() => "");
        await drained;
        await lab.exec(["nft", "delete", "table", "ip", table], { host: hostName });
        // A responder that crashed mid-test would make every later verdict meaningless.
        if (died || (status.code !== 0 && status.signal !== "SIGTERM")) {
          throw new Error(`personality ${personality.id} responder died: ${text.trim()}`);
        }
      })();
      return closing;
    },
  };
}
