/**
 * libc through FFI: raw sockets, interface addresses, errno.
 *
 * Everything that can fail throws {@linkcode NativeError} built from `errno`,
 * which is read right after the failing call, before any other native call.
 */
import {
  AF_INET,
  AF_INET6,
  AF_PACKET,
  decodeSockaddr,
  encodeSockaddr,
  formatIPv4,
  formatIPv6,
  parseAddress,
  prefixLength,
} from "./addresses.ts";
import { type LibrarySpec, openLibrary, type OpenLibraryOptions } from "./library.ts";
import { NativeError } from "./native_error.ts";

/** Where libc is looked for. `PORTOLAN_LIBC` overrides. */
export const LIBC_SPEC: LibrarySpec = {
  name: "libc",
  envVar: "PORTOLAN_LIBC",
  candidates: [
    "libc.so.6",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/aarch64-linux-gnu/libc.so.6",
    "/lib64/libc.so.6",
    "/usr/lib64/libc.so.6",
    "/lib/libc.so.6",
    "libc.musl-x86_64.so.1",
  ],
};

/** The libc symbol table: one entry per C function, parameters commented with their C types. */
export const LIBC_SYMBOLS = {
  /** int socket(int domain, int type, int protocol) */
  socket: {
    parameters: ["i32", /* int domain */ "i32", /* int type */ "i32" /* int protocol */],
    result: "i32", /* int */
  },
  /** int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen) */
  setsockopt: {
    parameters: [
      "i32", /* int sockfd */
      "i32", /* int level */
      "i32", /* int optname */
      "buffer", /* const void *optval */
      "u32", /* socklen_t optlen */
    ],
    result: "i32", /* int */
  },
  /** int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen) */
  getsockopt: {
    parameters: [
      "i32", /* int sockfd */
      "i32", /* int level */
      "i32", /* int optname */
      "buffer", /* void *optval */
      "buffer", /* socklen_t *optlen */
    ],
    result: "i32", /* int */
  },
  /** int bind(int fd, const struct sockaddr *addr, socklen_t addrlen) */
  bind: {
    parameters: [
      "i32", /* int sockfd */
      "buffer", /* const struct sockaddr *addr */
      "u32", /* socklen_t addrlen */
    ],
    result: "i32", /* int */
  },
  /** int connect(int fd, const struct sockaddr *addr, socklen_t addrlen) */
  connect: {
    parameters: [
      "i32", /* int sockfd */
      "buffer", /* const struct sockaddr *addr */
      "u32", /* socklen_t addrlen */
    ],
    result: "i32", /* int */
  },
  /** int listen(int fd, int backlog) */
  listen: {
    parameters: ["i32", /* int sockfd */ "i32" /* int backlog */],
    result: "i32", /* int */
  },
  /** int getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen) */
  getsockname: {
    parameters: [
      "i32", /* int sockfd */
      "buffer", /* struct sockaddr *addr */
      "buffer", /* socklen_t *addrlen */
    ],
    result: "i32", /* int */
  },
  /** ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *dest, socklen_t addrlen) */
  sendto: {
    parameters: [
      "i32", /* int sockfd */
      "buffer", /* const void *buf */
      "usize", /* size_t len */
      "i32", /* int flags */
      "buffer", /* const struct sockaddr *dest_addr */
      "u32", /* socklen_t addrlen */
    ],
    result: "isize", /* ssize_t */
  },
  /** int sendmmsg(int fd, struct mmsghdr *msgvec, unsigned int vlen, int flags) */
  sendmmsg: {
    parameters: [
      "i32", /* int sockfd */
      "buffer", /* struct mmsghdr *msgvec */
      "u32", /* unsigned int vlen */
      "i32", /* int flags */
    ],
    result: "i32", /* int */
    optional: true,
  },
  /** The same sendmmsg(), run on a blocking thread so the kernel's work overlaps ours. */
  sendmmsg_async: {
    name: "sendmmsg",
    parameters: [
      "i32", /* int sockfd */
      "buffer", /* struct mmsghdr *msgvec */
      "u32", /* unsigned int vlen */
      "i32", /* int flags */
    ],
    result: "i32", /* int */
    nonblocking: true,
    optional: true,
  },
  /** ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src, socklen_t *addrlen) */
  recvfrom: {
    parameters: [
      "i32", /* int sockfd */
      "buffer", /* void *buf */
      "usize", /* size_t len */
      "i32", /* int flags */
      "buffer", /* struct sockaddr *src_addr */
      "buffer", /* socklen_t *addrlen */
    ],
    result: "isize", /* ssize_t */
  },
  /** int poll(struct pollfd *fds, nfds_t nfds, int timeout): for a zero timeout only */
  poll: {
    parameters: [
      "buffer", /* struct pollfd *fds */
      "usize", /* nfds_t nfds */
      "i32", /* int timeout_ms */
    ],
    result: "i32", /* int */
  },
  /** The same poll(), run on a blocking thread so waiting does not stall the event loop. */
  poll_wait: {
    name: "poll",
    parameters: [
      "buffer", /* struct pollfd *fds */
      "usize", /* nfds_t nfds */
      "i32", /* int timeout_ms */
    ],
    result: "i32", /* int */
    nonblocking: true,
  },
  /** int close(int fd) */
  close: { parameters: ["i32" /* int fd */], result: "i32" /* int */ },
  /** int eventfd(unsigned int initval, int flags): wakes a poll that waits on another thread */
  eventfd: {
    parameters: ["u32", /* unsigned int initval */ "i32" /* int flags */],
    result: "i32", /* int */
  },
  /** ssize_t read(int fd, void *buf, size_t count) */
  read: {
    parameters: ["i32", /* int fd */ "buffer", /* void *buf */ "usize" /* size_t count */],
    result: "isize", /* ssize_t */
  },
  /** ssize_t write(int fd, const void *buf, size_t count) */
  write: {
    parameters: ["i32", /* int fd */ "buffer", /* const void *buf */ "usize" /* size_t count */],
    result: "isize", /* ssize_t */
  },
  /** int fcntl(int fd, int cmd, ... int arg): variadic; an int third argument is ABI-safe on x86-64 and arm64 Linux */
  fcntl: {
    parameters: ["i32", /* int fd */ "i32", /* int cmd */ "i32" /* int arg */],
    result: "i32", /* int */
  },
  /** unsigned int if_nametoindex(const char *ifname) */
  if_nametoindex: {
    parameters: ["buffer" /* const char *ifname */],
    result: "u32", /* unsigned int */
  },
  /** int getifaddrs(struct ifaddrs **ifap) */
  getifaddrs: { parameters: ["buffer" /* struct ifaddrs **ifap */], result: "i32" /* int */ },
  /** void freeifaddrs(struct ifaddrs *ifa) */
  freeifaddrs: { parameters: ["pointer" /* struct ifaddrs *ifa */], result: "void" },
  /** int *__errno_location(void): errno of the calling thread */
  __errno_location: { parameters: [], result: "pointer" /* int * */ },
  /** char *strerror(int errnum) */
  strerror: { parameters: ["i32" /* int errnum */], result: "pointer" /* char * */ },
  /** uid_t getuid(void) */
  getuid: { parameters: [], result: "u32" /* uid_t */ },
  /** int getrlimit(int resource, struct rlimit *rlim): rlim is two rlim_t (u64) on 64-bit Linux */
  getrlimit: {
    parameters: ["i32", /* int resource */ "buffer" /* struct rlimit *rlim */],
    result: "i32",
  },
  /** int setrlimit(int resource, const struct rlimit *rlim) */
  setrlimit: {
    parameters: ["i32", /* int resource */ "buffer" /* const struct rlimit *rlim */],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened libc with {@linkcode LIBC_SYMBOLS}. */
export type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

let cached: Libc | undefined;

/**
 * Open libc (once per isolate) and return its symbols.
 *
 * @throws {LibraryLoadError} listing every path tried.
 */
export function libc(options?: OpenLibraryOptions): Libc {
  if (cached && !options) return cached;
  const lib = openLibrary(LIBC_SPEC, LIBC_SYMBOLS, options).symbols;
  if (!options) cached = lib;
  return lib;
}

// Linux constants (x86-64 and arm64 agree on all of these).
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const IPPROTO_IP = 0;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_IPV6 = 41;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_RAW = 255;
const IP_HDRINCL = 3;
const IPV6_CHECKSUM = 7;
const IPV6_UNICAST_HOPS = 16;
const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;
const POLLIN = 1;
/** `EAGAIN` / `EWOULDBLOCK`. */
export const EAGAIN = 11;
/** `ENOBUFS`: a raw socket's queue is full. */
export const ENOBUFS = 105;
/** `EINTR`. */
export const EINTR = 4;

/** `errno` of this thread, as left by the last native call. */
export function errno(): number {
  const p = libc().__errno_location();
  return p ? new Deno.UnsafePointerView(p).getInt32() : 0;
}

/** The C library's text for an errno value. */
export function strerror(code: number): string {
  const p = libc().strerror(code);
  return p ? Deno.UnsafePointerView.getCString(p) : `errno ${code}`;
}

/** Build a {@linkcode NativeError} from the current errno; call it first thing after a failure. */
export function errnoError(syscall: string): NativeError {
  const code = errno();
  return new NativeError(syscall, { errno: code, detail: strerror(code) });
}

/** The real user id of this process. */
export function getuid(): number {
  return libc().getuid();
}

/** RLIMIT_NOFILE on Linux. */
const RLIMIT_NOFILE = 7;

/**
 * Raise the soft open-file limit to the hard limit, so a connect scan can keep thousands of
 * sockets in flight without "too many open files". Returns the soft limit now in force.
 */
export function raiseOpenFileLimit(): number {
  const c = libc();
  const limits = new BigUint64Array(2); // { rlim_cur, rlim_max }
  if (c.getrlimit(RLIMIT_NOFILE, limits) !== 0) throw errnoError("getrlimit");
  if (limits[0] < limits[1]) {
    const wanted = new BigUint64Array([limits[1], limits[1]]);
    if (c.setrlimit(RLIMIT_NOFILE, wanted) !== 0) throw errnoError("setrlimit");
    limits[0] = limits[1];
  }
  return Number(limits[0]);
}

/** The kernel's index of a network interface, or 0 when there is no such interface. */
export function ifNameToIndex(name: string): number {
  return libc().if_nametoindex(cString(name));
}

/** Set or clear `O_NONBLOCK` on a descriptor. */
export function setNonBlocking(fd: number, on: boolean): void {
  const c = libc();
  const flags = c.fcntl(fd, F_GETFL, 0);
  if (flags < 0) throw errnoError("fcntl");
  const next = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
  if (c.fcntl(fd, F_SETFL, next) < 0) throw errnoError("fcntl");
}

/**
 * Wait until `fd` is readable or `timeoutMs` passes, without blocking the event
 * loop (poll runs on a blocking thread). Resolves `true` when readable.
 *
 * errno of that other thread is out of reach, so a failed poll (EINTR, mostly)
 * resolves `false`, and the caller's next read reports any lasting fault.
 */
export async function waitReadable(fd: number, timeoutMs: number): Promise<boolean> {
  const pfd = new Uint8Array(8);
  const view = new DataView(pfd.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, POLLIN, true);
  const n = await libc().poll_wait(pfd, 1n, Math.max(0, Math.floor(timeoutMs)));
  return n > 0 && (view.getInt16(6, true) & POLLIN) !== 0;
}

/** Whether `fd` is readable right now (a zero-timeout poll). */
export function isReadable(fd: number): boolean {
  const pfd = new Uint8Array(8);
  const view = new DataView(pfd.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, POLLIN, true);
  const n = libc().poll(pfd, 1n, 0);
  if (n < 0) throw errnoError("poll");
  return n > 0 && (view.getInt16(6, true) & POLLIN) !== 0;
}

/** One address of one interface, as `getifaddrs(3)` lists it. */
export interface InterfaceAddress {
  /** Interface name, e.g. `lo`, `eth0`. */
  name: string;
  /** Kernel interface index (`if_nametoindex`). */
  index: number;
  /** `inet` and `inet6` carry an IP address; `packet` is the link layer itself. */
  family: "inet" | "inet6" | "packet";
  /** IP address text; for `packet` entries the hardware address. */
  address: string;
  /** Netmask text (`inet`/`inet6`), when the kernel gives one. */
  netmask?: string;
  /** Prefix length of the netmask. */
  prefixLength?: number;
  /** The interface's hardware address (from its `packet` entry), when it has one. */
  mac?: string;
  /** `IFF_*` flags of the interface. */
  flags: number;
  /** `IFF_UP`. */
  up: boolean;
  /** `IFF_LOOPBACK`. */
  loopback: boolean;
}

const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;

/**
 * Every address of every interface (getifaddrs). Entries of the `packet`
 * family give each interface's hardware address; `mac` is copied onto its IP
 * entries too.
 *
 * @example
 * ```ts
 * import { getInterfaceAddresses } from "./libc.ts";
 * const lo = getInterfaceAddresses().find((a) => a.name === "lo" && a.family === "inet");
 * ```
 */
export function getInterfaceAddresses(): InterfaceAddress[] {
  const c = libc();
  const head = new BigUint64Array(1);
  if (c.getifaddrs(head) !== 0) throw errnoError("getifaddrs");
  const first = Deno.UnsafePointer.create(head[0]);
  const out: InterfaceAddress[] = [];
  const indexes = new Map<string, number>();
  try {
    // struct ifaddrs (x86-64/arm64): next@0, name@8, flags@16, addr@24, netmask@32, ifu@40, data@48
    for (let p = first; p !== null;) {
      const node = new Deno.UnsafePointerView(p);
      const namePtr = node.getPointer(8);
      const name = namePtr ? Deno.UnsafePointerView.getCString(namePtr) : "";
      const flags = node.getUint32(16);
      const addr = node.getPointer(24);
      const mask = node.getPointer(32);
      const decoded = addr ? decodeIfaSockaddr(addr) : undefined;
      if (decoded) {
        let index = indexes.get(name);
        if (index === undefined) {
          index = decoded.ifindex ?? ifNameToIndex(name);
          indexes.set(name, index);
        }
        const entry: InterfaceAddress = {
          name,
          index,
          family: decoded.family,
          address: decoded.address,
          flags,
          up: (flags & IFF_UP) !== 0,
          loopback: (flags & IFF_LOOPBACK) !== 0,
        };
        if (decoded.family !== "packet" && mask) {
          const m = decodeIfaSockaddr(mask);
          if (m && m.raw) {
            entry.netmask = decoded.family === "inet" ? formatIPv4(m.raw) : formatIPv6(m.raw);
            entry.prefixLength = prefixLength(m.raw);
          }
        }
        out.push(entry);
      }
      p = node.getPointer(0);
    }
  } finally {
    c.freeifaddrs(first);
  }
  const macs = new Map<string, string>();
  for (const e of out) if (e.family === "packet") macs.set(e.name, e.address);
  for (const e of out) {
    const mac = macs.get(e.name);
    if (mac !== undefined) e.mac = mac;
  }
  return out;
}

interface DecodedIfa {
  family: "inet" | "inet6" | "packet";
  address: string;
  raw?: Uint8Array;
  ifindex?: number;
}

function decodeIfaSockaddr(p: Deno.PointerObject): DecodedIfa | undefined {
  const view = new Deno.UnsafePointerView(p);
  const family = view.getUint16(0);
  if (family === AF_INET) {
    const raw = new Uint8Array(4);
    view.copyInto(raw, 4);
    return { family: "inet", address: formatIPv4(raw), raw };
  }
  if (family === AF_INET6) {
    const raw = new Uint8Array(16);
    view.copyInto(raw, 8);
    return { family: "inet6", address: formatIPv6(raw), raw };
  }
  if (family === AF_PACKET) {
    // struct sockaddr_ll: family@0, protocol@2, ifindex@4, hatype@8, pkttype@10, halen@11, addr@12
    const halen = Math.min(view.getUint8(11), 8);
    const raw = new Uint8Array(halen);
    if (halen > 0) view.copyInto(raw, 12);
    const address = [...raw].map((b) => b.toString(16).padStart(2, "0")).join(":");
    return { family: "packet", address, ifindex: view.getInt32(4) };
  }
  return undefined;
}

/**
 * The source address the kernel would use to reach `target`: connect a UDP
 * socket (which only consults the routing table, sending nothing) and read
 * its local name.
 *
 * @throws {NativeError} e.g. `connect: Network is unreachable`.
 */
export function kernelSourceAddress(target: string): string {
  const parsed = parseAddress(target);
  if (!parsed) throw new TypeError(`not an IP address: ${target}`);
  const c = libc();
  const fd = c.socket(parsed.family === 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoError("socket");
  try {
    const sa = encodeSockaddr(target, 9);
    if (c.connect(fd, sa, sa.length) !== 0) throw errnoError("connect");
    const name = new Uint8Array(28);
    const len = new Uint32Array([name.length]);
    if (c.getsockname(fd, name, len) !== 0) throw errnoError("getsockname");
    const decoded = decodeSockaddr(name);
    if (!decoded) throw new NativeError("getsockname", { detail: "unexpected address family" });
    return decoded.address;
  } finally {
    c.close(fd);
  }
}

/** Options for {@linkcode RawSocket.open}. */
export interface RawSocketOptions {
  /**
   * IPv6 only: the upper-layer protocol of the socket. The kernel writes the
   * IPv6 header for raw IPv6 sockets (there is no IPV6_HDRINCL), so the bytes
   * sent start at the TCP/UDP/ICMPv6 header. Default `tcp`.
   */
  protocol?: "tcp" | "udp" | "icmpv6";
  /** IPv6 only: bind to this source address so replies come back to it. */
  source?: string;
  /** IPv6 only: hop limit of outgoing packets (IPv4 callers write TTL in their header). */
  hopLimit?: number;
  /**
   * IPv6 only: have the kernel fill in the TCP/UDP checksum (IPV6_CHECKSUM).
   * ICMPv6 checksums are always the kernel's. Default `false`: the caller's
   * checksum is sent as is.
   */
  kernelChecksum?: boolean;
  /** SO_SNDBUF in bytes, to absorb bursts. */
  sendBufferBytes?: number;
}

/** Messages per sendmmsg call (UIO_MAXIOV). */
const MMSG_CHUNK = 1024;

/** One packet for {@linkcode RawSocket.sendBatch}. */
export interface OutgoingPacket {
  bytes: Uint8Array;
  /**
   * Where the kernel routes it. Optional on an IPv4 socket, whose packets carry their
   * header: the header's destination is used (no text to parse per packet).
   */
  destination?: string;
}

/**
 * A raw IP socket for sending hand-built packets; the kernel routes them.
 *
 * - IPv4: `AF_INET, SOCK_RAW, IPPROTO_RAW` (which implies `IP_HDRINCL`): the
 *   caller writes the whole IPv4 header. Linux still fills in the header
 *   checksum and total length, and the ID and source when they are zero.
 * - IPv6: `AF_INET6, SOCK_RAW, IPPROTO_TCP|UDP|ICMPV6`: the kernel builds the
 *   IPv6 header (source from `bind` or the route, hop limit from the socket),
 *   and the caller writes from the transport header on.
 *
 * The socket is non-blocking: `send` returns `false` when the kernel's queue
 * is full, so the sender can back off instead of stalling the event loop.
 * Raw sockets also receive copies of matching inbound packets; nothing reads
 * them here (capture is libpcap's job), so the receive buffer is kept tiny.
 *
 * @example
 * ```ts
 * import { RawSocket } from "./libc.ts";
 * const sock = RawSocket.open(4);
 * try {
 *   // sock.send(ipv4Packet, "127.0.0.1");
 * } finally {
 *   sock.close();
 * }
 * ```
 */
export class RawSocket {
  #fd: number;
  readonly #family: 4 | 6;
  #lastDestination = "";
  #lastSockaddr: Uint8Array = new Uint8Array(0);
  #arena?: MmsgArena;
  #asyncArena?: MmsgArena;
  #busy = false;

  private constructor(fd: number, family: 4 | 6) {
    this.#fd = fd;
    this.#family = family;
  }

  /**
   * Open a raw socket of the given family.
   *
   * @throws {NativeError} `socket: Operation not permitted` without CAP_NET_RAW.
   */
  static open(family: 4 | 6, options: RawSocketOptions = {}): RawSocket {
    const c = libc();
    const type = SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC;
    let fd: number;
    if (family === 4) {
      fd = c.socket(AF_INET, type, IPPROTO_RAW);
      if (fd < 0) throw errnoError("socket");
    } else {
      const proto = options.protocol === "udp"
        ? IPPROTO_UDP
        : options.protocol === "icmpv6"
        ? IPPROTO_ICMPV6
        : IPPROTO_TCP;
      fd = c.socket(AF_INET6, type, proto);
      if (fd < 0) throw errnoError("socket");
    }
    const sock = new RawSocket(fd, family);
    try {
      if (family === 4) {
        // IPPROTO_RAW implies it, but saying so keeps the contract explicit.
        sock.#setInt(IPPROTO_IP, IP_HDRINCL, 1, "setsockopt(IP_HDRINCL)");
      } else {
        if (options.kernelChecksum && options.protocol !== "icmpv6") {
          const offset = options.protocol === "udp" ? 6 : 16;
          sock.#setInt(IPPROTO_IPV6, IPV6_CHECKSUM, offset, "setsockopt(IPV6_CHECKSUM)");
        }
        if (options.hopLimit !== undefined) {
          sock.#setInt(
            IPPROTO_IPV6,
            IPV6_UNICAST_HOPS,
            options.hopLimit,
            "setsockopt(IPV6_UNICAST_HOPS)",
          );
        }
        if (options.source) {
          const sa = encodeSockaddr(options.source);
          if (c.bind(fd, sa, sa.length) !== 0) throw errnoError("bind");
        }
      }
      if (options.sendBufferBytes) {
        sock.#setInt(SOL_SOCKET, SO_SNDBUF, options.sendBufferBytes, "setsockopt(SO_SNDBUF)");
      }
    } catch (error) {
      sock.close();
      throw error;
    }
    return sock;
  }

  /** The address family this socket sends. */
  get family(): 4 | 6 {
    return this.#family;
  }

  /** The descriptor, or -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  /**
   * Send one packet to `destination` (which picks the route; for IPv4 it
   * should equal the header's destination).
   *
   * @returns `true` when the kernel took it, `false` when its queue is full
   * (EAGAIN/ENOBUFS): wait a little and send again.
   * @throws {NativeError} for any other failure, e.g. `sendto: Network is unreachable`.
   */
  send(bytes: Uint8Array, destination: string): boolean {
    const fd = this.#open("sendto");
    const sa = this.#sockaddr(destination);
    const n = libc().sendto(fd, bytes, BigInt(bytes.length), 0, sa, sa.length);
    if (n < 0) {
      const error = errnoError("sendto");
      if (error.errno === EAGAIN || error.errno === ENOBUFS) return false;
      throw error;
    }
    return true;
  }

  /**
   * Send many packets with one `sendmmsg` call per chunk (plain `sendto` where
   * libc lacks it).
   *
   * @returns how many were sent from the front of `packets`; fewer than all
   * means the kernel's queue filled: send the rest later.
   */
  sendBatch(packets: readonly OutgoingPacket[]): number {
    const c = libc();
    if (!c.sendmmsg) {
      let sent = 0;
      for (const p of packets) {
        if (!this.send(p.bytes, p.destination ?? headerDestination(p.bytes))) break;
        sent++;
      }
      return sent;
    }
    const fd = this.#open("sendmmsg");
    const arena = this.#arena ??= new MmsgArena(MMSG_CHUNK);
    let total = 0;
    for (let start = 0; start < packets.length; start += MMSG_CHUNK) {
      const count = Math.min(MMSG_CHUNK, packets.length - start);
      const headers = arena.fill(packets, start, count);
      const n = c.sendmmsg(fd, headers, count, 0);
      // The headers point into the arena's buffers: keep them reachable past the call.
      arena.data.length;
      if (n < 0) {
        const error = errnoError("sendmmsg");
        if (error.errno === EAGAIN || error.errno === ENOBUFS) return total;
        throw error;
      }
      total += n;
      if (n < count) return total;
    }
    return total;
  }

  /**
   * {@linkcode sendBatch} on a blocking thread: the kernel's per-packet work (on loopback
   * and veth it also answers the probes inside the call) runs while the event loop reads
   * replies. One call at a time per socket: await it before the next.
   *
   * @returns how many were sent from the front of `packets`.
   */
  async sendBatchAsync(packets: readonly OutgoingPacket[]): Promise<number> {
    const c = libc();
    if (!c.sendmmsg_async || packets.length === 0 || this.#busy) return this.sendBatch(packets);
    const fd = this.#open("sendmmsg");
    const arena = this.#asyncArena ??= new MmsgArena(MMSG_CHUNK);
    const count = Math.min(MMSG_CHUNK, packets.length);
    const headers = arena.fill(packets, 0, count);
    this.#busy = true;
    let n: number;
    try {
      n = await c.sendmmsg_async(fd, headers, count, 0);
    } finally {
      this.#busy = false;
    }
    arena.data.length;
    // errno lives on the thread that made the call: ask again here to learn why.
    if (n < 0) return this.sendBatch(packets);
    if (n < count) return n;
    return n + (count < packets.length ? this.sendBatch(packets.slice(count)) : 0);
  }

  /** Close the socket; safe to call twice. */
  close(): void {
    if (this.#fd >= 0) {
      libc().close(this.#fd);
      this.#fd = -1;
    }
  }

  #open(syscall: string): number {
    if (this.#fd < 0) throw new NativeError(syscall, { detail: "socket is closed" });
    return this.#fd;
  }

  #sockaddr(destination: string): Uint8Array {
    // Scans send many probes to one host in a row: skip re-encoding.
    if (destination !== this.#lastDestination) {
      const sa = encodeSockaddr(destination);
      if ((sa.length === 16) !== (this.#family === 4)) {
        throw new TypeError(`${destination} is not an IPv${this.#family} address`);
      }
      this.#lastSockaddr = sa;
      this.#lastDestination = destination;
    }
    return this.#lastSockaddr;
  }

  #setInt(level: number, name: number, value: number, what: string): void {
    const v = new Int32Array([value]);
    if (libc().setsockopt(this.#fd, level, name, v, 4) !== 0) throw errnoError(what);
  }
}

/**
 * The native memory sendmmsg reads, kept per socket and reused across calls: the message
 * headers and iovecs point at fixed slots, so only the packet bytes, their lengths and the
 * destination sockaddrs change from one batch to the next (no per-call allocation, no
 * BigInt arithmetic on pointers).
 */
class MmsgArena {
  /** struct mmsghdr is a 56-byte msghdr plus an unsigned int, padded to 64 bytes. */
  readonly headers: Uint8Array;
  readonly #hv: DataView;
  /** struct iovec {void *base; size_t len} = 16 bytes, viewed as u32 pairs. */
  readonly #iov: Uint32Array;
  /** One 28-byte sockaddr slot per message. */
  readonly #names: Uint8Array;
  #data: Uint8Array;
  #dataBase: number;
  readonly #slots: number;
  readonly #slotDest: string[];

  constructor(slots: number) {
    this.#slots = slots;
    this.headers = new Uint8Array(slots * 64);
    this.#hv = new DataView(this.headers.buffer);
    const iov = new Uint32Array(slots * 4);
    this.#iov = iov;
    this.#names = new Uint8Array(slots * 28);
    this.#slotDest = new Array(slots).fill("");
    this.#data = new Uint8Array(slots * 128);
    this.#dataBase = pointerNumber(this.#data);
    const namesBase = pointerNumber(this.#names);
    const iovBase = pointerNumber(iov);
    for (let i = 0; i < slots; i++) {
      const h = i * 64;
      setU64(this.#hv, h, namesBase + i * 28); // msg_name
      setU64(this.#hv, h + 16, iovBase + i * 16); // msg_iov
      setU64(this.#hv, h + 24, 1); // msg_iovlen
    }
  }

  /** Lay out `count` packets from `start`; returns the headers to pass to sendmmsg. */
  fill(packets: readonly OutgoingPacket[], start: number, count: number): Uint8Array {
    let payload = 0;
    for (let i = 0; i < count; i++) payload += packets[start + i].bytes.length;
    if (payload > this.#data.length) {
      this.#data = new Uint8Array(Math.max(payload, this.#data.length * 2));
      this.#dataBase = pointerNumber(this.#data);
    }
    const data = this.#data;
    const names = this.#names;
    const base = this.#dataBase;
    const iov = this.#iov;
    const hv = this.#hv;
    let offset = 0;
    let lastDest = "";
    let lastSa: Uint8Array = EMPTY;
    for (let i = 0; i < count && i < this.#slots; i++) {
      const p = packets[start + i];
      const len = p.bytes.length;
      data.set(p.bytes, offset);
      if (p.destination === undefined) {
        // sockaddr_in from the IPv4 header's destination (bytes 16-19).
        if (p.bytes.length < 20 || p.bytes[0] >> 4 !== 4) {
          throw new TypeError("a packet without a destination must be IPv4 with its header");
        }
        const n = i * 28;
        names[n] = AF_INET;
        names[n + 1] = 0;
        names[n + 2] = 0;
        names[n + 3] = 0;
        names.set(p.bytes.subarray(16, 20), n + 4);
        if (this.#slotDest[i] !== HEADER) {
          names.fill(0, n + 8, n + 16);
          hv.setUint32(i * 64 + 8, 16, true); // msg_namelen
          this.#slotDest[i] = HEADER;
        }
      } else if (this.#slotDest[i] !== p.destination) {
        if (p.destination !== lastDest) {
          lastSa = encodeSockaddr(p.destination);
          lastDest = p.destination;
        }
        names.set(lastSa, i * 28);
        hv.setUint32(i * 64 + 8, lastSa.length, true); // msg_namelen
        this.#slotDest[i] = p.destination;
      }
      const addr = base + offset;
      iov[i * 4] = addr >>> 0;
      iov[i * 4 + 1] = Math.floor(addr / 0x1_0000_0000);
      iov[i * 4 + 2] = len;
      iov[i * 4 + 3] = 0;
      offset += len;
    }
    return this.headers;
  }

  /** The packet buffer the iovecs point into: keep it reachable across the call. */
  get data(): Uint8Array {
    return this.#data;
  }
}

const EMPTY = new Uint8Array(0);
/** Marks a sockaddr slot that holds a header-derived sockaddr_in (no text address). */
const HEADER = "\0header";

/** The destination of an IPv4 packet, as text (for the one-packet fallback). */
function headerDestination(bytes: Uint8Array): string {
  if (bytes.length < 20 || bytes[0] >> 4 !== 4) {
    throw new TypeError("a packet without a destination must be IPv4 with its header");
  }
  return formatIPv4(bytes.subarray(16, 20));
}

/** The address of a buffer as a number (user-space pointers fit in 53 bits). */
function pointerNumber(buffer: Uint8Array | Uint32Array): number {
  return Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
}

function setU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
}

/** A NUL-terminated copy of a string for `const char *` parameters. */
export function cString(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}
