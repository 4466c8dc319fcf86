/**
 * Errors that the command line turns into one line on stderr.
 *
 * A `UsageError` is the user's mistake (bad option, bad target, bad port):
 * `main.ts` prints `portolan: <message>` and exits 2, never a stack trace.
 * A `RuntimeError` is a failure while running (a file that cannot be written,
 * a native library that fails): exit 1, one line.
 */
export class UsageError extends Error {
  /** Create a usage error; `message` is shown to the user as is. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure at run time that is not the user's input: exit code 1. */
export class RuntimeError extends Error {
  /** Create a runtime error; `message` is shown to the user as is. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RuntimeError";
  }
}
