import { createInterface } from "node:readline/promises";
import { InterruptedError } from "./errors.ts";

/**
 * How many instances, asked on Node's own readline (as is the confirmation
 * below): a number prompt does not need a prompt library, nor the minimum Node
 * version one sets. Asks again, saying why, until `check` accepts the answer.
 * Ctrl-C or the end of input stops asking with an InterruptedError (exit 130).
 */
export async function askNumber(options: {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  message: string;
  /** `true` accepts the number, a string says what is wrong with it. */
  check(value: number | undefined): true | string;
}): Promise<number> {
  const rl = createInterface({ input: options.input, output: options.output, terminal: true });
  const stop = new AbortController();
  const interrupted = () => stop.abort();
  rl.on("SIGINT", interrupted);
  rl.on("close", interrupted);
  try {
    for (;;) {
      let answer: string;
      try {
        answer = await rl.question(`${options.message} `, { signal: stop.signal });
      } catch (err) {
        if (stop.signal.aborted)
          throw new InterruptedError("not asked: interrupted", { cause: err });
        throw err;
      }
      const text = answer.trim();
      const value = /^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
      const verdict = options.check(value);
      if (verdict === true) return value!;
      options.output.write(`${verdict}\n`);
    }
  } finally {
    rl.off("close", interrupted);
    rl.close();
  }
}

/** Only these answers, in any case, let a termination go ahead. */
export function isYes(answer: string): boolean {
  return /^(y|yes)$/i.test(answer.trim());
}

/**
 * Asks a yes/no question once; only `y` or `yes` is a yes. The end of input
 * (Ctrl-D) is a no, not an interruption: nothing was said yes to. Ctrl-C
 * stops with an InterruptedError (exit 130), as at the number prompt.
 */
export async function askYesNo(options: {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  message: string;
}): Promise<boolean> {
  const rl = createInterface({ input: options.input, output: options.output, terminal: true });
  const interrupted = new AbortController();
  const ended = new AbortController();
  rl.on("SIGINT", () => interrupted.abort());
  rl.on("close", () => ended.abort());
  const signal = AbortSignal.any([interrupted.signal, ended.signal]);
  try {
    return isYes(await rl.question(`${options.message} `, { signal }));
  } catch (err) {
    if (interrupted.signal.aborted) {
      throw new InterruptedError("not terminating: interrupted at the question; nothing was sent", {
        cause: err,
      });
    }
    if (ended.signal.aborted) return false;
    throw err;
  } finally {
    rl.close();
  }
}
