import { describe, expect, it } from "vitest";
import { checkExperimentId, checkReason, formatStatus } from "../src/control.ts";
import { InvalidInputError } from "../src/errors.ts";

describe("the control commands' input", () => {
  it("requires a reason for halt and abort, and keeps it short", () => {
    expect(() => checkReason("  ", true)).toThrow(InvalidInputError);
    expect(() => checkReason(undefined, true)).toThrow("--reason TEXT is required");
    expect(checkReason(undefined, false)).toBe("");
    expect(checkReason(" incident 42 ", true)).toBe("incident 42");
    expect(() => checkReason("x".repeat(1001), true)).toThrow("at most 1000");
  });

  it("takes only experiment ids", () => {
    expect(checkExperimentId("exp-0123456789abcdef")).toBe("exp-0123456789abcdef");
    expect(() => checkExperimentId("web")).toThrow('"web" is not an experiment id');
  });
});

describe("formatStatus", () => {
  const at = "2030-01-01T00:00:00.000Z";
  it("says when the switch was never set and nothing is in flight", () => {
    expect(formatStatus({ switch: null, parameter: "/macaque/halt", experiments: [] })).toEqual([
      "running: the kill switch (/macaque/halt) was never set",
      "no experiment in flight",
    ]);
  });

  it("shows who halted, and each experiment in flight with its group and abort", () => {
    const lines = formatStatus({
      switch: { halted: true, by: "ops", at, reason: "incident" },
      parameter: "/macaque/halt",
      experiments: [
        { experimentId: "exp-1", asg: "web", plannedAt: at, endsBy: at, requestedBy: "dev" },
        {
          experimentId: "exp-2",
          asg: "api",
          plannedAt: at,
          endsBy: at,
          abort: { experimentId: "exp-2", by: "ops", at, reason: "x" },
        },
      ],
    });
    expect(lines).toEqual([
      `HALTED by ops at ${at}: incident`,
      "2 in flight:",
      `  exp-1  web  planned ${at} by dev`,
      `  exp-2  api  planned ${at}, ABORTED by ops at ${at}`,
    ]);
  });

  it("replaces control characters someone put in a reason", () => {
    const [line] = formatStatus({
      switch: { halted: true, by: "ops", at, reason: "\u001b[2Jgone" },
      parameter: "/macaque/halt",
      experiments: [],
    });
    expect(line).toBe(`HALTED by ops at ${at}: ?[2Jgone`);
  });
});
