import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { InterruptedError } from "../src/errors.ts";
import { askNumber, askYesNo } from "../src/prompt.ts";

/** A prompt on in-memory streams; `typed` arrives as keys after the question is shown. */
function prompt(...typed: string[]) {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = "";
  output.on("data", (d: Buffer) => {
    shown += d.toString();
    // Each question asked takes the next line typed.
    if (shown.endsWith("(1-3) ") && typed.length > 0) input.write(typed.shift()!);
  });
  const answer = askNumber({
    input,
    output,
    message: "How many? (1-3)",
    check: (value) =>
      value === undefined || !Number.isInteger(value)
        ? "enter a whole number"
        : value > 3
          ? `${value} is too many`
          : true,
  });
  return { answer, shown: () => shown };
}

describe("askNumber", () => {
  it("asks again, saying why, until the answer is accepted", async () => {
    const p = prompt("two\r", "7\r", " 2 \r");
    await expect(p.answer).resolves.toBe(2);
    expect(p.shown()).toContain("enter a whole number");
    expect(p.shown()).toContain("7 is too many");
  });

  it("stops with InterruptedError on Ctrl-C", async () => {
    const p = prompt("\x03");
    await expect(p.answer).rejects.toBeInstanceOf(InterruptedError);
  });
});

describe("askYesNo", () => {
  const ask = (typed: string) => {
    const input = new PassThrough();
    const output = new PassThrough();
    output.on("data", (d: Buffer) => {
      if (d.toString().endsWith("[y/N] ")) input.write(typed);
    });
    return askYesNo({ input, output, message: "Terminate? [y/N]" });
  };

  it("is a yes only for y or yes", async () => {
    await expect(ask("Yes\r")).resolves.toBe(true);
    await expect(ask("\r")).resolves.toBe(false);
    await expect(ask("nah\r")).resolves.toBe(false);
  });

  it("takes the end of input as a no", async () => {
    await expect(ask("\x04")).resolves.toBe(false);
  });

  it("stops with InterruptedError on Ctrl-C", async () => {
    await expect(ask("\x03")).rejects.toBeInstanceOf(InterruptedError);
  });
});
