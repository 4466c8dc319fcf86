/**
 * libpcap through FFI: live capture with a BPF filter, read without blocking
 * the event loop.
 *
 * Bytes handed out are always copies: libpcap reuses its buffer on the next
 * call, so nothing here returns a view of native memory.
 */
import { cString, libc, waitReadable } from "./libc.ts";
import { type LibrarySpec, openLibrary, type OpenLibraryOptions } from "./library.ts";
import { NativeError } from "./native_error.ts";

/** Where libpcap is looked for. `PORTOLAN_LIBPCAP` overrides. */
export const PCAP_SPEC: LibrarySpec = {
  name: "libpcap",
  envVar: "PORTOLAN_LIBPCAP",
  candidates: [
    "libpcap.so.1",
    "libpcap.so.0.8",
    "libpcap.so",
    "/usr/lib/x86_64-linux-gnu/libpcap.so.1",
    "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8",
    "/usr/lib/aarch64-linux-gnu/libpcap.so.1",
    "/usr/lib/aarch64-linux-gnu/libpcap.so.0.8",
    "/usr/lib64/libpcap.so.1",
    "/usr/lib/libpcap.so.1",
    "/usr/local/lib/libpcap.so.1",
  ],
};

/** The libpcap symbol table, parameters commented with their C types. */
export const PCAP_SYMBOLS = {
  /** pcap_t *pcap_create(const char *source, char *errbuf) */
  pcap_create: {
    parameters: ["buffer", /* const char *source */ "buffer" /* char *errbuf */],
    result: "pointer", /* pcap_t * */
  },
  /** int pcap_set_snaplen(pcap_t *p, int snaplen) */
  pcap_set_snaplen: {
    parameters: ["pointer", /* pcap_t *p */ "i32" /* int snaplen */],
    result: "i32",
  },
  /** int pcap_set_immediate_mode(pcap_t *p, int immediate_mode) */
  pcap_set_immediate_mode: {
    parameters: ["pointer", /* pcap_t *p */ "i32" /* int immediate_mode */],
    result: "i32",
  },
  /** int pcap_set_buffer_size(pcap_t *p, int buffer_size) */
  pcap_set_buffer_size: {
    parameters: ["pointer", /* pcap_t *p */ "i32" /* int buffer_size */],
    result: "i32",
  },
  /** int pcap_set_promisc(pcap_t *p, int promisc) */
  pcap_set_promisc: {
    parameters: ["pointer", /* pcap_t *p */ "i32" /* int promisc */],
    result: "i32",
  },
  /** int pcap_set_timeout(pcap_t *p, int to_ms) */
  pcap_set_timeout: {
    parameters: ["pointer", /* pcap_t *p */ "i32" /* int to_ms */],
    result: "i32",
  },
  /** int pcap_activate(pcap_t *p) */
  pcap_activate: { parameters: ["pointer" /* pcap_t *p */], result: "i32" },
  /** int pcap_compile(pcap_t *p, struct bpf_program *fp, const char *str, int optimize, bpf_u_int32 netmask) */
  pcap_compile: {
    parameters: [
      "pointer", /* pcap_t *p */
      "buffer", /* struct bpf_program *fp */
      "buffer", /* const char *str */
      "i32", /* int optimize */
      "u32", /* bpf_u_int32 netmask */
    ],
    result: "i32",
  },
  /** int pcap_setfilter(pcap_t *p, struct bpf_program *fp) */
  pcap_setfilter: {
    parameters: ["pointer", /* pcap_t *p */ "buffer" /* struct bpf_program *fp */],
    result: "i32",
  },
  /** void pcap_freecode(struct bpf_program *fp) */
  pcap_freecode: { parameters: ["buffer" /* struct bpf_program *fp */], result: "void" },
  /** int pcap_next_ex(pcap_t *p, struct pcap_pkthdr **pkt_header, const u_char **pkt_data) */
  pcap_next_ex: {
    parameters: [
      "pointer", /* pcap_t *p */
      "buffer", /* struct pcap_pkthdr **pkt_header */
      "buffer", /* const u_char **pkt_data */
    ],
    result: "i32",
  },
  /** int pcap_dispatch(pcap_t *p, int cnt, pcap_handler callback, u_char *user) */
  pcap_dispatch: {
    parameters: [
      "pointer", /* pcap_t *p */
      "i32", /* int cnt */
      "function", /* pcap_handler callback */
      "pointer", /* u_char *user */
    ],
    result: "i32",
  },
  /** int pcap_datalink(pcap_t *p) */
  pcap_datalink: { parameters: ["pointer" /* pcap_t *p */], result: "i32" },
  /** int pcap_get_selectable_fd(pcap_t *p) */
  pcap_get_selectable_fd: { parameters: ["pointer" /* pcap_t *p */], result: "i32" },
  /** int pcap_setnonblock(pcap_t *p, int nonblock, char *errbuf) */
  pcap_setnonblock: {
    parameters: ["pointer", /* pcap_t *p */ "i32", /* int nonblock */ "buffer" /* char *errbuf */],
    result: "i32",
  },
  /** int pcap_stats(pcap_t *p, struct pcap_stat *ps) */
  pcap_stats: {
    parameters: ["pointer", /* pcap_t *p */ "buffer" /* struct pcap_stat *ps */],
    result: "i32",
  },
  /** char *pcap_geterr(pcap_t *p) */
  pcap_geterr: { parameters: ["pointer" /* pcap_t *p */], result: "pointer" /* char * */ },
  /** const char *pcap_statustostr(int error) */
  pcap_statustostr: { parameters: ["i32" /* int error */], result: "pointer" /* const char * */ },
  /** int pcap_inject(pcap_t *p, const void *buf, size_t size) */
  pcap_inject: {
    parameters: [
      "pointer", /* pcap_t *p */
      "buffer", /* const void *buf */
      "usize", /* size_t size */
    ],
    result: "i32",
  },
  /** int pcap_findalldevs(pcap_if_t **alldevsp, char *errbuf) */
  pcap_findalldevs: {
    parameters: ["buffer", /* pcap_if_t **alldevsp */ "buffer" /* char *errbuf */],
    result: "i32",
  },
  /** void pcap_freealldevs(pcap_if_t *alldevs) */
  pcap_freealldevs: { parameters: ["pointer" /* pcap_if_t *alldevs */], result: "void" },
  /** const char *pcap_lib_version(void) */
  pcap_lib_version: { parameters: [], result: "pointer" /* const char * */ },
  /** void pcap_close(pcap_t *p) */
  pcap_close: { parameters: ["pointer" /* pcap_t *p */], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened libpcap with {@linkcode PCAP_SYMBOLS}. */
export type Pcap = Deno.DynamicLibrary<typeof PCAP_SYMBOLS>["symbols"];

let cached: Pcap | undefined;

/**
 * Open libpcap (once per isolate) and return its symbols. With `options` the
 * library is opened afresh and not cached (tests use this to vary the environment).
 *
 * @throws {LibraryLoadError} listing every path tried.
 */
export function pcap(options?: OpenLibraryOptions): Pcap {
  if (cached && !options) return cached;
  const lib = openLibrary(PCAP_SPEC, PCAP_SYMBOLS, options).symbols;
  if (!options) cached = lib;
  return lib;
}

/** libpcap's version string, e.g. `libpcap version 1.10.3 (with TPACKET_V3)`. */
export function pcapVersion(): string {
  const p = pcap().pcap_lib_version();
  return p ? Deno.UnsafePointerView.getCString(p) : "";
}

/** Link-layer types ({@linkcode Capture.linkType}) that matter to a scanner. */
export const DLT = {
  /** BSD loopback: 4-byte host-order family. */
  NULL: 0,
  /** Ethernet; Linux `lo` reports this too, with zero MACs. */
  EN10MB: 1,
  /** Raw IP, as Linux reports it (tun devices). */
  RAW: 12,
  /** Linux cooked capture v1 (the `any` device). */
  LINUX_SLL: 113,
  /** Raw IP (the portable number). */
  RAW_IP: 101,
  /** Linux cooked capture v2. */
  LINUX_SLL2: 276,
} as const;

/** One captured packet. */
export interface CapturedPacket {
  /** Capture time, microseconds since the Unix epoch. */
  timestampUs: number;
  /** The captured bytes (at most the snap length), copied out of libpcap. */
  bytes: Uint8Array;
  /** The packet's length on the wire. */
  origLength: number;
}

/** Counters from `pcap_stats`. */
export interface CaptureStats {
  /** Packets the filter passed. */
  received: number;
  /** Packets dropped for lack of buffer space. */
  dropped: number;
  /** Packets the interface or driver dropped. */
  interfaceDropped: number;
}

/** Options for {@linkcode Capture.open}. */
export interface CaptureOptions {
  /** A BPF filter expression (tcpdump syntax). */
  filter?: string;
  /** Bytes kept per packet. Default 256: headers are all a scanner reads. */
  snaplen?: number;
  /** Kernel ring size in bytes. Default 8 MiB. */
  bufferSize?: number;
  /** Deliver each packet at once instead of batching. Default `true`. */
  immediate?: boolean;
  /** Promiscuous mode. Default `false`: replies are addressed to us. */
  promiscuous?: boolean;
  /** Read timeout in milliseconds (matters only without immediate mode). Default 10. */
  timeoutMs?: number;
  /**
   * Only packets the interface receives, not those this host sends: the kernel then never
   * copies or filters our own outgoing packets for the capture (Linux's
   * PACKET_IGNORE_OUTGOING, 4.20 and later; elsewhere, or when it is refused, every packet
   * still reaches the filter). Default `false`.
   */
  incomingOnly?: boolean;
}

const SOL_PACKET = 263;
const PACKET_IGNORE_OUTGOING = 23;

/** Best effort: a kernel without the option just keeps delivering outgoing packets. */
function ignoreOutgoing(fd: number): void {
  if (fd < 0 || Deno.build.os !== "linux") return;
  const on = new Int32Array([1]);
  libc().setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, on, 4);
}

/** Options for {@linkcode Capture.packets}. */
export interface PacketStreamOptions {
  /** Stops the stream; it ends within `pollMs`. */
  signal?: AbortSignal;
  /** Most packets per yielded batch. Default 512. */
  maxBatch?: number;
  /** Longest wait for the descriptor to become readable before re-checking `signal`. Default 50. */
  pollMs?: number;
}

/** An interface libpcap can capture on. */
export interface PcapDevice {
  name: string;
  description?: string;
  flags: number;
  loopback: boolean;
  up: boolean;
}

const ERRBUF_SIZE = 256;
/** Size of the blocks captured packets are copied into (see `Capture.readBatch`). */
const BLOCK_BYTES = 256 << 10;
const PCAP_NETMASK_UNKNOWN = 0xffffffff;
const PCAP_IF_LOOPBACK = 1;
const PCAP_IF_UP = 2;

/** Every device libpcap can open (pcap_findalldevs). */
export function findAllDevices(): PcapDevice[] {
  const p = pcap();
  const head = new BigUint64Array(1);
  const errbuf = new Uint8Array(ERRBUF_SIZE);
  if (p.pcap_findalldevs(head, errbuf) !== 0) {
    throw new NativeError("pcap_findalldevs", { detail: errbufText(errbuf) });
  }
  const first = Deno.UnsafePointer.create(head[0]);
  const out: PcapDevice[] = [];
  try {
    // pcap_if_t: next@0, name@8, description@16, addresses@24, flags@32
    for (let node = first; node !== null;) {
      const view = new Deno.UnsafePointerView(node);
      const name = view.getPointer(8);
      const desc = view.getPointer(16);
      const flags = view.getUint32(32);
      const dev: PcapDevice = {
        name: name ? Deno.UnsafePointerView.getCString(name) : "",
        flags,
        loopback: (flags & PCAP_IF_LOOPBACK) !== 0,
        up: (flags & PCAP_IF_UP) !== 0,
      };
      if (desc) dev.description = Deno.UnsafePointerView.getCString(desc);
      out.push(dev);
      node = view.getPointer(0);
    }
  } finally {
    if (first) p.pcap_freealldevs(first);
  }
  return out;
}

/**
 * A live capture on one device, non-blocking.
 *
 * `next()` and `readBatch()` never wait; `packets()` waits for the capture
 * descriptor with poll(2) on a blocking thread, so the event loop stays free.
 *
 * @example
 * ```ts
 * import { Capture } from "./pcap.ts";
 * const cap = Capture.open("lo", { filter: "tcp and src port 80" });
 * const ac = new AbortController();
 * setTimeout(() => ac.abort(), 1000);
 * for await (const batch of cap.packets({ signal: ac.signal })) console.log(batch.length);
 * cap.close();
 * ```
 */
export class Capture {
  #handle: Deno.PointerObject | null;
  readonly #device: string;
  readonly #linkType: number;
  readonly #fd: number;
  readonly #warning?: string;
  readonly #hdrSlot = new BigUint64Array(1);
  readonly #dataSlot = new BigUint64Array(1);
  #callback?: Deno.UnsafeCallback<
    { readonly parameters: readonly ["pointer", "pointer", "pointer"]; readonly result: "void" }
  >;
  #batch: CapturedPacket[] = [];
  /** Reused copy of one pcap_pkthdr. */
  readonly #hdr = new Uint8Array(24);
  readonly #hdrWords = new Uint32Array(this.#hdr.buffer);
  /** Packets are copied into slices of one shared block: one allocation per many packets. */
  #block = new ArrayBuffer(0);
  #blockUsed = 0;
  #waiting = 0;
  #closeRequested = false;

  private constructor(handle: Deno.PointerObject, device: string, warning?: string) {
    this.#handle = handle;
    this.#device = device;
    this.#warning = warning;
    const p = pcap();
    this.#linkType = p.pcap_datalink(handle);
    this.#fd = p.pcap_get_selectable_fd(handle);
  }

  /**
   * Open and activate a capture on `device` (e.g. `lo`, `eth0`), set its
   * filter, and make it non-blocking.
   *
   * @throws {NativeError} naming the pcap call that failed, with libpcap's message.
   * @throws {LibraryLoadError} when libpcap cannot be loaded.
   */
  static open(device: string, options: CaptureOptions = {}): Capture {
    const p = pcap();
    const errbuf = new Uint8Array(ERRBUF_SIZE);
    const handle = p.pcap_create(cString(device), errbuf);
    if (!handle) throw new NativeError("pcap_create", { detail: errbufText(errbuf) });
    try {
      p.pcap_set_snaplen(handle, options.snaplen ?? 256);
      p.pcap_set_promisc(handle, options.promiscuous ? 1 : 0);
      p.pcap_set_timeout(handle, options.timeoutMs ?? 10);
      p.pcap_set_immediate_mode(handle, options.immediate === false ? 0 : 1);
      p.pcap_set_buffer_size(handle, options.bufferSize ?? 8 << 20);
      const rc = p.pcap_activate(handle);
      if (rc < 0) throw pcapError("pcap_activate", handle, rc);
      const warning = rc > 0 ? statusText(rc) : undefined;
      if (options.filter !== undefined) setFilter(handle, options.filter);
      if (options.incomingOnly) ignoreOutgoing(p.pcap_get_selectable_fd(handle));
      if (p.pcap_setnonblock(handle, 1, errbuf) !== 0) {
        throw new NativeError("pcap_setnonblock", { detail: errbufText(errbuf) });
      }
      return new Capture(handle, device, warning);
    } catch (error) {
      p.pcap_close(handle);
      throw error;
    }
  }

  /** The device name. */
  get device(): string {
    return this.#device;
  }

  /** The link-layer type of captured frames (see {@linkcode DLT}). */
  get linkType(): number {
    return this.#linkType;
  }

  /** The descriptor to poll for readability, or -1 when the platform has none. */
  get selectableFd(): number {
    return this.#fd;
  }

  /** libpcap's warning from activation, if it gave one. */
  get warning(): string | undefined {
    return this.#warning;
  }

  /** Replace the BPF filter. */
  setFilter(expression: string): void {
    setFilter(this.#live("pcap_setfilter"), expression);
  }

  /**
   * The next packet if one is waiting, else `undefined`; never blocks.
   *
   * @throws {NativeError} when libpcap reports an error.
   */
  next(): CapturedPacket | undefined {
    const handle = this.#live("pcap_next_ex");
    const rc = pcap().pcap_next_ex(handle, this.#hdrSlot, this.#dataSlot);
    if (rc === 1) {
      const hdr = Deno.UnsafePointer.create(this.#hdrSlot[0]);
      const data = Deno.UnsafePointer.create(this.#dataSlot[0]);
      return copyPacket(hdr, data);
    }
    if (rc === 0 || rc === -2) return undefined;
    throw pcapError("pcap_next_ex", handle, rc);
  }

  /**
   * Up to `max` waiting packets in one `pcap_dispatch` call (libpcap calls
   * back into JavaScript once per packet); never blocks.
   */
  readBatch(max = 512): CapturedPacket[] {
    const handle = this.#live("pcap_dispatch");
    const cb = this.#callback ??= new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer", "pointer"], result: "void" } as const,
      (_user, hdr, data) => {
        // libpcap reuses its buffer after we return: copy now.
        this.#batch.push(this.#copy(hdr, data));
      },
    );
    this.#batch = [];
    const rc = pcap().pcap_dispatch(handle, max, cb.pointer, null);
    const batch = this.#batch;
    this.#batch = [];
    if (rc < 0 && rc !== -2) throw pcapError("pcap_dispatch", handle, rc);
    return batch;
  }

  /** Copy one packet out of libpcap's buffer into the shared block. */
  #copy(hdr: Deno.PointerValue, data: Deno.PointerValue): CapturedPacket {
    if (!hdr) throw new NativeError("pcap_dispatch", { detail: "null packet header" });
    // struct pcap_pkthdr (LP64): tv_sec@0 (long), tv_usec@8 (long), caplen@16, len@20
    Deno.UnsafePointerView.copyInto(hdr, this.#hdr);
    const w = this.#hdrWords;
    const sec = w[0] + w[1] * 0x1_0000_0000;
    const usec = w[2];
    const caplen = w[4];
    if (this.#blockUsed + caplen > this.#block.byteLength) {
      this.#block = new ArrayBuffer(Math.max(BLOCK_BYTES, caplen));
      this.#blockUsed = 0;
    }
    const bytes = new Uint8Array(this.#block, this.#blockUsed, caplen);
    // Keep slices 8-byte aligned so decoders may take typed views of them.
    this.#blockUsed += (caplen + 7) & ~7;
    if (caplen > 0 && data) Deno.UnsafePointerView.copyInto(data, bytes);
    return { timestampUs: sec * 1_000_000 + usec, bytes, origLength: w[5] };
  }

  /**
   * Batches of packets as they arrive, until `signal` aborts or the capture
   * is closed. Waiting happens in poll(2) on a blocking thread.
   */
  async *packets(options: PacketStreamOptions = {}): AsyncGenerator<CapturedPacket[]> {
    const maxBatch = options.maxBatch ?? 512;
    const pollMs = options.pollMs ?? 50;
    while (this.#handle && !this.#closeRequested && !options.signal?.aborted) {
      const batch = this.readBatch(maxBatch);
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      this.#waiting++;
      try {
        if (this.#fd >= 0) await waitReadable(this.#fd, pollMs);
        else await new Promise((r) => setTimeout(r, Math.min(pollMs, 5)));
      } finally {
        this.#waiting--;
        // close() during the wait was deferred: the descriptor must outlive poll().
        if (this.#closeRequested && this.#waiting === 0) this.#release();
      }
    }
  }

  /** Counters since the capture opened. */
  stats(): CaptureStats {
    const handle = this.#live("pcap_stats");
    const buf = new Uint32Array(4);
    if (pcap().pcap_stats(handle, buf) !== 0) throw pcapError("pcap_stats", handle, -1);
    return { received: buf[0], dropped: buf[1], interfaceDropped: buf[2] };
  }

  /**
   * Send a whole link-layer frame on the device (pcap_inject).
   *
   * @returns bytes written.
   */
  inject(frame: Uint8Array): number {
    const handle = this.#live("pcap_inject");
    const n = pcap().pcap_inject(handle, frame, BigInt(frame.length));
    if (n < 0) throw pcapError("pcap_inject", handle, n);
    return n;
  }

  /**
   * Close the capture; safe to call twice. While `packets()` is waiting in
   * poll the release is deferred until that wait returns (at most `pollMs`).
   */
  close(): void {
    this.#closeRequested = true;
    if (this.#waiting === 0) this.#release();
  }

  #release(): void {
    if (this.#handle) {
      pcap().pcap_close(this.#handle);
      this.#handle = null;
    }
    this.#callback?.close();
    this.#callback = undefined;
  }

  #live(call: string): Deno.PointerObject {
    if (!this.#handle || this.#closeRequested) {
      throw new NativeError(call, { detail: "capture is closed" });
    }
    return this.#handle;
  }
}

function setFilter(handle: Deno.PointerObject, expression: string): void {
  const p = pcap();
  // struct bpf_program { u_int bf_len; struct bpf_insn *bf_insns; } = 16 bytes
  const program = new Uint8Array(16);
  if (p.pcap_compile(handle, program, cString(expression), 1, PCAP_NETMASK_UNKNOWN) !== 0) {
    throw pcapError("pcap_compile", handle, -1, `filter "${expression}": `);
  }
  try {
    if (p.pcap_setfilter(handle, program) !== 0) throw pcapError("pcap_setfilter", handle, -1);
  } finally {
    p.pcap_freecode(program);
  }
}

function copyPacket(hdr: Deno.PointerValue, data: Deno.PointerValue): CapturedPacket {
  if (!hdr) throw new NativeError("pcap_next_ex", { detail: "null packet header" });
  // struct pcap_pkthdr (LP64): tv_sec@0 (long), tv_usec@8 (long), caplen@16, len@20
  const view = new Deno.UnsafePointerView(hdr);
  const sec = Number(view.getBigInt64(0));
  const usec = Number(view.getBigInt64(8));
  const caplen = view.getUint32(16);
  const bytes = new Uint8Array(caplen);
  if (caplen > 0 && data) new Deno.UnsafePointerView(data).copyInto(bytes);
  return { timestampUs: sec * 1_000_000 + usec, bytes, origLength: view.getUint32(20) };
}

function pcapError(call: string, handle: Deno.PointerObject, rc: number, prefix = ""): NativeError {
  const p = pcap().pcap_geterr(handle);
  let text = p ? Deno.UnsafePointerView.getCString(p) : "";
  // Codes like PCAP_ERROR_NO_SUCH_DEVICE often leave geterr empty: use the status text.
  if (rc < -1) {
    const status = statusText(rc);
    if (!text.includes(status)) text = text ? `${status}: ${text}` : status;
  }
  if (!text) text = statusText(rc);
  return new NativeError(call, { detail: prefix + text });
}

function statusText(rc: number): string {
  const p = pcap().pcap_statustostr(rc);
  return p ? Deno.UnsafePointerView.getCString(p) : `status ${rc}`;
}

function errbufText(errbuf: Uint8Array): string {
  const end = errbuf.indexOf(0);
  return new TextDecoder().decode(errbuf.subarray(0, end < 0 ? errbuf.length : end)) ||
    "unknown error";
}
