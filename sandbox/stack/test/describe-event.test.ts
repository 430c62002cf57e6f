import { describe, expect, it } from "vitest";
import { EventType, type AnyCloudEvent } from "@macaque/shared";
import { demoLines } from "@macaque/sandbox";

/** The fields of recovery.completed the line reads; the rest does not matter here. */
const completed = (timeToRecoverSeconds: number | null) =>
  ({
    type: EventType.recoveryCompleted,
    data: {
      experiment: { recovery: { deadlineSeconds: 60 } },
      outcome: timeToRecoverSeconds === null ? "not-recovered" : "recovered",
      timeToRecoverSeconds,
      checkIntervalSeconds: 0.5,
      verdict: "pass",
      checks: 5,
      lastObserved: null,
    },
  }) as unknown as AnyCloudEvent;

describe("demoLines", () => {
  it.each([
    ["at real speed", 2.5, 1, "recovered: in 2.5 s (± 0.5 s, 5 checks), verdict PASS"],
    [
      "at a time scale, with the real-speed equivalent",
      2.5,
      0.05,
      "recovered: in 2.5 s (± 0.5 s, 5 checks), verdict PASS, simulated at time scale 0.05: about 50 s at real speed",
    ],
    [
      "at a time scale, without a time to recover",
      null,
      0.05,
      "not recovered: by the 1 min deadline, simulated at time scale 0.05",
    ],
  ])("says what a recovery took %s", (_, seconds, timeScale, line) => {
    expect(demoLines(completed(seconds), { timeScale })).toEqual([line]);
  });
});
