import { describe, expect, it } from "vitest";
import { EventType, type AnyCloudEvent } from "@macaque/shared";
import { describeEvent } from "@macaque/sandbox";

/** The fields of recovery.completed the line reads; the rest does not matter here. */
const completed = (timeToRecoverSeconds: number | null) =>
  ({
    type: EventType.recoveryCompleted,
    data: {
      outcome: timeToRecoverSeconds === null ? "not-recovered" : "recovered",
      timeToRecoverSeconds,
      checkIntervalSeconds: 0.5,
      verdict: "pass",
      checks: 5,
    },
  }) as unknown as AnyCloudEvent;

describe("describeEvent", () => {
  it.each([
    [
      "at real speed",
      2.5,
      1,
      "recovery recovered: time to recover 2.5 s (± 0.5 s), verdict PASS, 5 checks",
    ],
    [
      "at a time scale, with the real-speed equivalent",
      2.5,
      0.05,
      "recovery recovered: time to recover 2.5 s (± 0.5 s), verdict PASS, 5 checks, simulated at time scale 0.05: about 50 s at real speed",
    ],
    [
      "at a time scale, without a time to recover",
      null,
      0.05,
      "recovery not-recovered: did not recover before the deadline, verdict PASS, 5 checks, simulated at time scale 0.05",
    ],
  ])("says what a recovery took %s", (_, seconds, timeScale, line) => {
    expect(describeEvent(completed(seconds), { timeScale })).toBe(line);
  });
});
