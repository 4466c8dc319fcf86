/**
 * The few assertions the native tests need, so they import nothing from outside
 * (jsr: is unreachable from our build machines).
 */

/** Throw when `condition` is falsy. */
export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Error(message);
}

/** Deep equality through JSON, enough for plain data. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(message ?? `expected ${e}, got ${a}`);
}

/** Throw unless `text` contains `part`. */
export function assertStringIncludes(text: string, part: string): void {
  if (!text.includes(part)) {
    throw new Error(`expected ${JSON.stringify(text)} to include ${JSON.stringify(part)}`);
  }
}

/** Throw unless `value` is an instance of `type`. */
export function assertInstanceOf<T>(
  value: unknown,
  type: new (...args: never[]) => T,
): asserts value is T {
  if (!(value instanceof type)) {
    throw new Error(`expected an instance of ${type.name}, got ${String(value)}`);
  }
}

/** Run `fn`, require it to throw an instance of `type`, and return the error. */
export function assertThrows<T>(fn: () => unknown, type: new (...args: never[]) => T): T {
  try {
    fn();
  } catch (error) {
    assertInstanceOf(error, type);
    return error;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}
