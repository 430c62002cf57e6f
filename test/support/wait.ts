/**
 * Polling, for what a test cannot be told about: a metric, a log line, a row in a
 * stand-in's store. When something can be awaited as an event (a tap, a deferred,
 * a process's ready line), await that instead; a poll is still better than a sleep
 * because it ends as soon as the condition holds and fails saying what it waited for.
 */

export interface WaitOptions {
  /** Give up after this long. Default 15000. */
  timeoutMs?: number;
  /** Pause between checks. Default 50. */
  everyMs?: number;
}

/** A number is the timeout in ms (the form the older helpers used). */
const settings = (options: WaitOptions | number = {}): Required<WaitOptions> =>
  typeof options === "number"
    ? { timeoutMs: options, everyMs: 50 }
    : { timeoutMs: options.timeoutMs ?? 15_000, everyMs: options.everyMs ?? 50 };

/**
 * Reads `read` until `done` holds for its value and returns that value; after the
 * timeout it fails naming `what` and showing the last value read.
 */
export async function pollUntil<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  options?: WaitOptions | number,
): Promise<T> {
  const { timeoutMs, everyMs } = settings(options);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      const last =
        value === undefined || typeof value === "boolean"
          ? ""
          : `; last value: ${JSON.stringify(value)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls until `check` returns something other than `undefined`, and returns it. */
export const waitFor = <T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  options?: WaitOptions | number,
): Promise<T> => pollUntil(what, check, (value) => value !== undefined, options) as Promise<T>;

/** Polls until `holds` returns true. */
export const waitUntil = async (
  what: string,
  holds: () => boolean | Promise<boolean>,
  options?: WaitOptions | number,
): Promise<void> => void (await pollUntil(what, holds, (ok) => ok, options));

/** A promise with its resolve in hand: a test's own event to await. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
