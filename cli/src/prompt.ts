import { createInterface } from "node:readline/promises";
import { InterruptedError } from "./errors.ts";

/**
 * The one question the CLI asks (how many instances), on Node's own readline:
 * a number prompt does not need a prompt library, nor the minimum Node
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
