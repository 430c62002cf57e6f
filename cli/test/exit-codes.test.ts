import { describe, expect, it } from "vitest";
import { InfrastructureError, InvalidInputError, exitCodeOfError } from "../src/errors.ts";
import { exitCodeFor, exitCodeHelp, type Outcome } from "../src/exit-codes.ts";

describe("exit codes", () => {
  it.each<[Outcome, number]>([
    [{ kind: "recovered" }, 0],
    [{ kind: "dry-run" }, 0],
    [{ kind: "not-recovered" }, 1],
    [{ kind: "stopped" }, 1],
    [{ kind: "rejected" }, 2],
    [{ kind: "termination-failed" }, 2],
    [{ kind: "abandoned" }, 3],
    [{ kind: "timed-out", waitingFor: "the plan" }, 3],
    [{ kind: "interrupted" }, 130],
  ])("%j exits %d", (outcome, code) => {
    expect(exitCodeFor(outcome)).toBe(code);
  });

  it.each<[unknown, number]>([
    [new InvalidInputError("bad flag"), 2],
    [new InfrastructureError("no topic"), 3],
    [Object.assign(new Error("socket hang up"), { name: "TimeoutError" }), 3],
    ["a string", 3],
  ])("an error %s exits %d", (err, code) => {
    expect(exitCodeOfError(err)).toBe(code);
  });

  it("documents every code in the help text", () => {
    for (const code of ["0 ", "1 ", "2 ", "3 ", "4 ", "130"])
      expect(exitCodeHelp).toContain(`  ${code}`);
  });
});
