import { describe, expect, it } from "vitest";
import { isSelectorJob, parseJobMessage, type AlarmState, type JobMessage } from "@macaque/shared";
import { createStopConditionCheck, stopConditionReasons } from "../src/stop-conditions.ts";

const jobWith = (alarms: string[]): JobMessage => {
  const parsed = parseJobMessage(
    JSON.stringify({ asg: "web", count: 1, stopConditions: { alarms } }),
  );
  if (!parsed.ok || isSelectorJob(parsed.job)) throw new Error("invalid test job");
  return parsed.job;
};
const state = (name: string, value: string): AlarmState => ({
  name,
  arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
  state: value,
  reason: `${name} says ${value}`,
  updatedAt: "2030-01-01T00:00:00.000Z",
});

describe("stop conditions before planning", () => {
  it("reads the job's alarms and STOP_ALARMS together, each once, and passes when all are OK", async () => {
    const asked: string[][] = [];
    const check = createStopConditionCheck({
      readAlarms: async (names) => (asked.push(names), names.map((n) => state(n, "OK"))),
      operatorAlarms: ["shared-5xx", "web-latency"],
      region: "us-east-1",
    });
    expect(await check(jobWith(["web-latency"]))).toEqual({
      alarms: ["web-latency", "shared-5xx"],
      reasons: [],
    });
    expect(asked).toEqual([["web-latency", "shared-5xx"]]);
  });

  it("reads nothing for a job without alarms when STOP_ALARMS is empty", async () => {
    let reads = 0;
    const check = createStopConditionCheck({
      readAlarms: async () => (reads++, []),
      operatorAlarms: [],
      region: "us-east-1",
    });
    expect(await check(jobWith([]))).toEqual({ alarms: [], reasons: [] });
    expect(reads).toBe(0);
  });

  it("names where each refusing alarm came from, with its own code for a missing one", () => {
    const job = jobWith(["web-5xx", "typo"]);
    const reasons = stopConditionReasons(
      [
        {
          alarm: "web-5xx",
          kind: "in-alarm",
          state: "ALARM",
          reason: "5xx > 10",
          firedAt: "2030-01-01T00:00:00.000Z",
        },
        { alarm: "typo", kind: "missing", reason: "the alarm does not exist" },
        { alarm: "shared", kind: "unreadable", reason: "AccessDenied: no" },
      ],
      job,
      "eu-west-1",
    );
    expect(reasons).toEqual([
      {
        code: "stop-condition-in-alarm",
        path: "stopConditions.alarms.0",
        message:
          'not planning: alarm "web-5xx" is in ALARM since 2030-01-01T00:00:00.000Z: 5xx > 10 (named in stopConditions.alarms.0)',
      },
      {
        code: "stop-condition-not-found",
        path: "stopConditions.alarms.1",
        message:
          'not planning: alarm "typo" does not exist in eu-west-1 (named in stopConditions.alarms.1); check its name, account and region',
      },
      {
        code: "stop-condition-in-alarm",
        message:
          'not planning: alarm "shared" could not be read (AccessDenied: no); an alarm that cannot be read counts as in ALARM (named in STOP_ALARMS)',
      },
    ]);
  });
});
