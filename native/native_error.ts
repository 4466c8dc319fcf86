/**
 * The one error type of the native layer: a failed C call, named, with the
 * system's own words for why it failed.
 */
import { RuntimeError } from "../cli/errors.ts";

/** Details of a failed native call. */
export interface NativeErrorDetails {
  /** `errno` read right after the failing call, when the call sets errno. */
  errno?: number;
  /** Human text: `strerror(errno)` or the library's own message (pcap_geterr). */
  detail: string;
}

/**
 * A native call (syscall or library function) that failed.
 *
 * It is a `RuntimeError`, so the command prints its message as one line and exits 1.
 *
 * @example
 * ```ts
 * import { NativeError } from "./native_error.ts";
 * const e = new NativeError("socket", { errno: 1, detail: "Operation not permitted" });
 * e.message; // "socket: Operation not permitted (errno 1)"
 * ```
 */
export class NativeError extends RuntimeError {
  /** The C function that failed, e.g. `sendto` or `pcap_activate`. */
  readonly syscall: string;
  /** `errno` after the failure, when there is one. */
  readonly errno?: number;
  /** The failure in words, without the function name. */
  readonly detail: string;

  /** Build the error; the message is `<syscall>: <detail>[ (errno N)]`. */
  constructor(syscall: string, details: NativeErrorDetails) {
    const suffix = details.errno === undefined ? "" : ` (errno ${details.errno})`;
    super(`${syscall}: ${details.detail}${suffix}`);
    this.name = "NativeError";
    this.syscall = syscall;
    this.errno = details.errno;
    this.detail = details.detail;
  }
}
