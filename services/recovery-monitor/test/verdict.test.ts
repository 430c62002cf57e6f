import { describe, expect, it } from "vitest";
import type { RecoveryOutcome as Outcome, Verdict } from "@macaque/shared";
import { decideVerdict } from "../src/verdict.ts";

describe("decideVerdict", () => {
  const cases: Array<[string, Outcome, number | null, number | undefined, Verdict]> = [
    ["gives no verdict without a target", "recovered", 40, undefined, "none"],
    [
      "gives no verdict without a target, even when not recovered",
      "not-recovered",
      null,
      undefined,
      "none",
    ],
    ["passes a recovery within the target", "recovered", 40, 60, "pass"],
    ["passes a recovery exactly at the target", "recovered", 60, 60, "pass"],
    ["fails a recovery slower than the target", "recovered", 61, 60, "fail"],
    ["fails when the group did not recover by the deadline", "not-recovered", null, 60, "fail"],
    ["fails an experiment an alarm stopped, even one that recovered", "stopped", 40, 60, "fail"],
  ];
  it.each(cases)("%s", (_name, outcome, seconds, target, verdict) => {
    expect(decideVerdict(outcome, seconds, target)).toBe(verdict);
  });
});
