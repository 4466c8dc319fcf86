/**
 * TCP connect probes through libc, as nmap's connect scan does them: non-blocking
 * `socket()` + `connect()`, one `poll()` over every connect in flight, and for each socket
 * it reports ready a second `connect()`, which returns the outcome as `getsockopt(SO_ERROR)`
 * would and leaves a refused socket ready for the next probe (making and freeing sockets is
 * most of the kernel's work per closed port). `Deno.connect` spends ~40 µs of CPU per attempt
 * and stalls when hundreds start in one event-loop turn; this costs a few system calls.
 *
 * The event loop is never blocked: a pass polls with a zero timeout, and when nothing is
 * ready the reactor waits in `poll()` on a blocking thread (a `nonblocking: true` symbol)
 * together with an eventfd, which a new connect writes to so that it is polled at once.
 */
import { AF_INET, AF_INET6, encodeSockaddr } from "./addresses.ts";
import { type Libc, libc, strerror } from "./libc.ts";

/** Why a connect was answered by an ICMP error (or refused locally by the firewall). */
export type NativeUnreachableReason =
  | "host-unreach"
  | "net-unreach"
  | "admin-prohibited"
  | "error";

/** The outcome of one connect attempt; the same shape as the engine's `ConnectResult`. */
export type NativeConnectResult =
  | { kind: "open"; rttMs: number }
  | { kind: "refused"; rttMs: number }
  | { kind: "timeout" }
  | { kind: "unreachable"; reason: NativeUnreachableReason }
  | { kind: "resource"; message?: string };

/** Options for {@linkcode createNativeConnect} and {@linkcode ConnectReactor}. */
export interface NativeConnectOptions {
  /** Aborts connects in flight (they report `timeout`) and closes the reactor. */
  signal?: AbortSignal;
  /** The libc symbols; default {@linkcode libc}(). */
  libc?: Libc;
  /**
   * Longest run of back-to-back passes, in milliseconds, before the reactor lets timers
   * and I/O of the event loop run (default 10).
   */
  sliceMs?: number;
}

/** A connect function (`ConnectFn` of the engine) that owns native resources. */
export interface NativeConnect {
  /** Try one TCP connect; never rejects. */
  (address: string, port: number, timeoutMs: number): Promise<NativeConnectResult>;
  /** Close every socket in flight (they report `timeout`) and the reactor's eventfd. */
  close(): void;
}

// Linux constants (x86-64 and arm64 agree).
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_LINGER = 13;
const POLLIN = 0x1;
const POLLOUT = 0x4;
const POLLERR = 0x8;
const POLLHUP = 0x10;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;
const EINTR = 4;
const EINPROGRESS = 115;
const ECONNREFUSED = 111;
const EALREADY = 114;
const EISCONN = 106;
/** A dissolved socket's connect may fail only with a port's verdict (else use a new socket). */
const RECYCLED_OK: ReadonlySet<number> = new Set([
  EINPROGRESS,
  EINTR,
  ECONNREFUSED,
  104, // ECONNRESET
  113, // EHOSTUNREACH
  112, // EHOSTDOWN
  101, // ENETUNREACH
  100, // ENETDOWN
  110, // ETIMEDOUT
]);
/** Refused sockets kept for reuse, per address family. */
const MAX_SPARES = 4096;
/** A sockaddr of family AF_UNSPEC: connecting to it dissolves a TCP socket's association. */
const UNSPEC = new Uint8Array(16);
/** A wait on the blocking thread never outlasts this, so a lost wake-up costs little. */
const MAX_WAIT_MS = 1000;

/**
 * The verdict for an errno from `connect()` (or `getsockopt(SO_ERROR)`).
 * The engine's `classifyConnectError` reads Deno.connect's errno through this same table.
 */
export function classifyErrno(code: number, rttMs: number): NativeConnectResult {
  switch (code) {
    case 111: // ECONNREFUSED
    case 104: // ECONNRESET: a reset during the handshake is a refusal too
      return { kind: "refused", rttMs };
    case 113: // EHOSTUNREACH
    case 112: // EHOSTDOWN
      return { kind: "unreachable", reason: "host-unreach" };
    case 101: // ENETUNREACH
    case 100: // ENETDOWN
      return { kind: "unreachable", reason: "net-unreach" };
    case 1: // EPERM: a local firewall rule rejected it
    case 13: // EACCES
      return { kind: "unreachable", reason: "admin-prohibited" };
    case 110: // ETIMEDOUT: the kernel gave up before we did
      return { kind: "timeout" };
    case 24: // EMFILE
    case 23: // ENFILE
    case 99: // EADDRNOTAVAIL: out of local ports
    case 105: // ENOBUFS
    case 12: // ENOMEM
    case 11: // EAGAIN
      return { kind: "resource", message: `os error ${code}` };
  }
  return { kind: "unreachable", reason: "error" };
}

interface SocketRef {
  fd: number;
  port: number;
  /** The sockaddr template of the address (its port bytes belong to the latest connect). */
  sockaddr: Uint8Array;
}

interface Pending extends SocketRef {
  start: number;
  deadline: number;
  resolve: (result: NativeConnectResult) => void;
}

const TIMEOUT: NativeConnectResult = Object.freeze({ kind: "timeout" });

/**
 * The connect reactor: many non-blocking connects in flight, polled in batches.
 *
 * @example
 * ```ts
 * import { ConnectReactor } from "./connect.ts";
 * const reactor = new ConnectReactor();
 * try {
 *   const result = await reactor.connect("127.0.0.1", 22, 1000);
 *   console.log(result.kind); // "open", "refused", "timeout", ...
 * } finally {
 *   reactor.close();
 * }
 * ```
 */
export class ConnectReactor {
  readonly #c: Libc;
  readonly #errno: Int32Array;
  readonly #signal: AbortSignal | undefined;
  readonly #sliceMs: number;
  #eventFd: number;
  #pending: Pending[] = [];
  #pollBytes = new Uint8Array(0);
  #pollWords = new Int32Array(0);
  #state: "idle" | "scheduled" | "waiting" = "idle";
  #woken = false;
  #fallback: ReturnType<typeof setTimeout> | undefined;
  #sliceStart = 0;
  #closed = false;
  #lastAddress = "";
  #lastSockaddr: Uint8Array = new Uint8Array(0);
  readonly #opt = new Int32Array(2);
  readonly #optBytes = new Uint8Array(this.#opt.buffer);
  readonly #optLen = new Uint32Array(1);
  readonly #name = new Uint8Array(28);
  readonly #one = new BigUint64Array([1n]);
  readonly #drain = new BigUint64Array(1);
  readonly #spares4: number[] = [];
  readonly #spares6: number[] = [];
  /** Sockets made so far (tests read it to see that refused sockets are reused). */
  #sockets = 0;
  readonly #onAbort = () => this.close();

  /**
   * Open libc and the reactor's eventfd.
   *
   * @throws {LibraryLoadError} when libc cannot be loaded.
   * @throws {Error} when no eventfd can be made.
   */
  constructor(options: NativeConnectOptions = {}) {
    this.#c = options.libc ?? libc();
    // errno is thread-local and JavaScript runs on one thread: read it through a view
    // instead of a native call per failure.
    const where = this.#c.__errno_location();
    if (!where) throw new Error("__errno_location returned NULL");
    this.#errno = new Int32Array(Deno.UnsafePointerView.getArrayBuffer(where, 4));
    this.#sliceMs = options.sliceMs ?? 10;
    this.#eventFd = this.#c.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (this.#eventFd < 0) throw new Error(`eventfd failed (os error ${this.#errno[0]})`);
    this.#signal = options.signal;
    if (this.#signal?.aborted) this.close();
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Connects waiting for an answer. */
  get inFlight(): number {
    return this.#pending.length;
  }

  /** Sockets created so far; fewer than connects made, as refused sockets are reused. */
  get socketsCreated(): number {
    return this.#sockets;
  }

  /**
   * Try one TCP connect to `address` (an IPv4 or IPv6 literal) and `port`, giving up after
   * `timeoutMs`. Never rejects: every failure is a result. A completed connection is reset
   * (SO_LINGER 0), as nmap does, so no TIME_WAIT state is left behind.
   *
   * @throws {TypeError} when `address` is not an IP address literal.
   */
  connect(address: string, port: number, timeoutMs: number): Promise<NativeConnectResult> {
    if (this.#closed) return Promise.resolve(TIMEOUT);
    const sockaddr = this.#sockaddrFor(address);
    sockaddr[2] = port >> 8;
    sockaddr[3] = port & 0xff;
    const c = this.#c;
    const spares = sockaddr.length === 16 ? this.#spares4 : this.#spares6;
    let fd = spares.pop() ?? -1;
    let code = -1;
    const start = performance.now();
    if (fd >= 0) {
      code = c.connect(fd, sockaddr, sockaddr.length) === 0 ? 0 : this.#errno[0];
      if (code !== 0 && !RECYCLED_OK.has(code)) {
        // The recycled socket did not take the new connect as a fresh one: use a new socket.
        c.close(fd);
        fd = -1;
      }
    }
    if (fd < 0) {
      fd = this.#newSocket(sockaddr.length === 16 ? AF_INET : AF_INET6);
      if (fd < 0) {
        // A socket that cannot be made says nothing about the port: always a resource matter.
        const failure = this.#errno[0];
        return Promise.resolve({ kind: "resource", message: `socket: ${strerror(failure)}` });
      }
      code = c.connect(fd, sockaddr, sockaddr.length) === 0 ? 0 : this.#errno[0];
    }
    if (code === 0) {
      return Promise.resolve(this.#finish({ fd, port, sockaddr }, performance.now() - start));
    }
    if (code !== EINPROGRESS && code !== EINTR) {
      this.#release(fd, sockaddr, code);
      return Promise.resolve(classifyErrno(code, performance.now() - start));
    }
    return new Promise((resolve) => {
      this.#pending.push({
        fd,
        port,
        sockaddr,
        start,
        deadline: start + Math.max(0, timeoutMs),
        resolve,
      });
      this.#kick();
    });
  }

  /** Close every socket in flight (they report `timeout`) and release the eventfd. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#fallback !== undefined) clearTimeout(this.#fallback);
    this.#fallback = undefined;
    const pending = this.#pending;
    this.#pending = [];
    for (const p of pending) {
      this.#c.close(p.fd);
      p.resolve(TIMEOUT);
    }
    for (const fd of this.#spares4) this.#c.close(fd);
    for (const fd of this.#spares6) this.#c.close(fd);
    this.#spares4.length = 0;
    this.#spares6.length = 0;
    if (this.#state === "waiting") {
      // The blocking thread still polls the eventfd: wake it; the wait closes it.
      this.#wake();
    } else {
      this.#closeEventFd();
    }
  }

  #newSocket(family: number): number {
    // Spares of the other family give way, so that spares and sockets in flight together
    // never hold more descriptors than the most connects ever in flight at once.
    const other = family === AF_INET ? this.#spares6 : this.#spares4;
    const surplus = other.pop();
    if (surplus !== undefined) this.#c.close(surplus);
    const fd = this.#c.socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0) this.#sockets++;
    return fd;
  }

  /**
   * Done with a socket whose connect failed with `code`. A refused socket is dissolved
   * (connect to AF_UNSPEC) and kept for the next connect: that halves the kernel's work per
   * closed port, since making and freeing a socket costs more than the probe itself.
   */
  #release(fd: number, sockaddr: Uint8Array, code: number): void {
    const spares = sockaddr.length === 16 ? this.#spares4 : this.#spares6;
    if (
      code === ECONNREFUSED && !this.#closed && spares.length < MAX_SPARES &&
      this.#c.connect(fd, UNSPEC, UNSPEC.length) === 0
    ) {
      spares.push(fd);
    } else {
      this.#c.close(fd);
    }
  }

  #sockaddrFor(address: string): Uint8Array {
    if (address !== this.#lastAddress) {
      this.#lastSockaddr = encodeSockaddr(address, 0);
      this.#lastAddress = address;
    }
    return this.#lastSockaddr;
  }

  /** A new connect is pending: make sure a pass will look at it soon. */
  #kick(): void {
    if (this.#state === "waiting") {
      this.#wake();
    } else if (this.#state === "idle") {
      this.#state = "scheduled";
      if (performance.now() - this.#sliceStart < this.#sliceMs) {
        // Usually the caller is starting a batch of connects in one synchronous run: the
        // microtask polls them all once it ends.
        queueMicrotask(() => this.#run());
      } else {
        // Long enough on microtasks alone: let timers and I/O have a turn first.
        setTimeout(() => {
          this.#sliceStart = performance.now();
          this.#run();
        }, 0);
      }
    }
  }

  #wake(): void {
    if (this.#woken || this.#eventFd < 0) return;
    this.#woken = true;
    this.#c.write(this.#eventFd, this.#one, 8n);
  }

  #closeEventFd(): void {
    if (this.#eventFd >= 0) {
      this.#c.close(this.#eventFd);
      this.#eventFd = -1;
    }
  }

  /** One pass, then either rest (answers were delivered) or wait on the blocking thread. */
  #run(): void {
    if (this.#closed || this.#state !== "scheduled") return;
    const settled = this.#pass();
    if (this.#pending.length === 0) {
      this.#state = "idle";
      return;
    }
    if (settled > 0) {
      // Callers usually answer with new connects, which kick the next pass; if none come,
      // the sockets still pending get their pass on the next turn of the event loop.
      this.#state = "idle";
      this.#fallback ??= setTimeout(() => {
        this.#fallback = undefined;
        if (this.#state !== "idle" || this.#pending.length === 0) return;
        this.#state = "scheduled";
        this.#sliceStart = performance.now();
        this.#run();
      }, 0);
      return;
    }
    this.#wait();
  }

  /**
   * Poll every pending socket without blocking; deliver answers and expired deadlines.
   * Returns how many connects were settled.
   */
  #pass(): number {
    const pending = this.#pending;
    const n = pending.length;
    if (n === 0) return 0;
    const words = this.#pollWordsFor(n);
    for (let i = 0; i < n; i++) {
      words[2 * i] = pending[i].fd;
      words[2 * i + 1] = POLLOUT; // events in the low half, revents in the high half
    }
    const c = this.#c;
    const ready = c.poll(this.#pollBytes, BigInt(n), 0);
    const now = performance.now();
    let kept = 0;
    let settled = 0;
    for (let i = 0; i < n; i++) {
      const p = pending[i];
      const revents = ready > 0 ? words[2 * i + 1] >>> 16 : 0;
      const verdict = revents & (POLLOUT | POLLERR | POLLHUP)
        ? this.#verdict(p, now - p.start)
        : undefined;
      if (verdict) {
        settled++;
        p.resolve(verdict);
      } else if (now >= p.deadline) {
        settled++;
        c.close(p.fd);
        p.resolve(TIMEOUT);
      } else {
        pending[kept++] = p;
      }
    }
    pending.length = kept;
    return settled;
  }

  #pollWordsFor(n: number): Int32Array {
    if (this.#pollWords.length < 2 * n) {
      let size = Math.max(64, this.#pollWords.length);
      while (size < 2 * n) size *= 2;
      this.#pollWords = new Int32Array(size);
      this.#pollBytes = new Uint8Array(this.#pollWords.buffer);
    }
    return this.#pollWords;
  }

  /**
   * The answer of a socket that poll() reported ready, or `undefined` when its handshake is
   * in fact still going. Calling connect() again reports the outcome (0 once connected, the
   * pending error otherwise) and, on failure, also dissolves the socket for reuse: one
   * system call instead of getsockopt(SO_ERROR) and a connect to AF_UNSPEC.
   */
  #verdict(p: Pending, rttMs: number): NativeConnectResult | undefined {
    const c = this.#c;
    const code = c.connect(p.fd, p.sockaddr, p.sockaddr.length) === 0 ? 0 : this.#errno[0];
    if (code === 0 || code === EISCONN) return this.#finish(p, rttMs);
    if (code === EALREADY || code === EINPROGRESS) return undefined;
    const spares = p.sockaddr.length === 16 ? this.#spares4 : this.#spares6;
    if (code === ECONNREFUSED && spares.length < MAX_SPARES) {
      spares.push(p.fd);
    } else {
      c.close(p.fd);
    }
    return classifyErrno(code, rttMs);
  }

  /** A connection completed: reset and close it; a connection to itself means closed. */
  #finish(socket: SocketRef, rttMs: number): NativeConnectResult {
    const c = this.#c;
    const fd = socket.fd;
    const self = this.#isSelfConnect(socket);
    this.#opt[0] = 1; // l_onoff
    this.#opt[1] = 0; // l_linger: close sends RST
    c.setsockopt(fd, SOL_SOCKET, SO_LINGER, this.#optBytes, 8);
    c.close(fd);
    // On loopback the kernel may pick the destination port as the source port, and the
    // socket then "connects" to itself (simultaneous open): nothing listens there.
    return self ? { kind: "refused", rttMs } : { kind: "open", rttMs };
  }

  #isSelfConnect({ fd, port, sockaddr }: SocketRef): boolean {
    const name = this.#name;
    this.#optLen[0] = name.length;
    if (this.#c.getsockname(fd, name, this.#optLen) !== 0) return false;
    if (((name[2] << 8) | name[3]) !== port) return false;
    const from = sockaddr.length === 16 ? 4 : 8;
    const to = sockaddr.length === 16 ? 8 : 24;
    for (let i = from; i < to; i++) if (name[i] !== sockaddr[i]) return false;
    return true;
  }

  /** Nothing is ready: wait in poll() on a blocking thread until something is, or a deadline. */
  #wait(): void {
    this.#state = "waiting";
    this.#woken = false;
    const pending = this.#pending;
    const n = pending.length;
    // The blocking thread reads this array while JavaScript runs on: give it its own.
    const words = new Int32Array(2 * (n + 1));
    let nearest = Infinity;
    for (let i = 0; i < n; i++) {
      words[2 * i] = pending[i].fd;
      words[2 * i + 1] = POLLOUT;
      if (pending[i].deadline < nearest) nearest = pending[i].deadline;
    }
    words[2 * n] = this.#eventFd;
    words[2 * n + 1] = POLLIN;
    const timeout = Math.min(MAX_WAIT_MS, Math.max(0, Math.ceil(nearest - performance.now())));
    const bytes = new Uint8Array(words.buffer);
    this.#c.poll_wait(bytes, BigInt(n + 1), timeout).then(
      () => this.#afterWait(),
      () => this.#afterWait(),
    );
  }

  #afterWait(): void {
    if (this.#woken && this.#eventFd >= 0) this.#c.read(this.#eventFd, this.#drain, 8n);
    this.#woken = false;
    if (this.#closed) {
      this.#closeEventFd();
      return;
    }
    this.#state = "scheduled";
    this.#sliceStart = performance.now();
    this.#run();
  }
}

/**
 * A `ConnectFn` backed by a {@linkcode ConnectReactor}; call `close()` when done.
 *
 * @example
 * ```ts
 * import { createNativeConnect } from "./connect.ts";
 * const connect = createNativeConnect();
 * try {
 *   console.log(await connect("::1", 8080, 500));
 * } finally {
 *   connect.close();
 * }
 * ```
 */
export function createNativeConnect(options: NativeConnectOptions = {}): NativeConnect {
  const reactor = new ConnectReactor(options);
  const connect = (address: string, port: number, timeoutMs: number) =>
    reactor.connect(address, port, timeoutMs);
  return Object.assign(connect, { close: () => reactor.close() });
}

/**
 * Whether the native transport can be used here: the FFI permission is granted (queried,
 * never prompted) and libc loads.
 */
export function nativeConnectAvailable(): boolean {
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return false;
    libc();
    return true;
  } catch {
    return false;
  }
}
