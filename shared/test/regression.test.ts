import { describe, expect, it } from "vitest";
import {
  describeChange,
  diffGroupConfiguration,
  judgeRecoveryTime,
  median,
  percentile,
} from "../src/history/index.ts";
import type { GroupConfiguration } from "../src/index.ts";
import { groupConfiguration } from "../../test/support/experiment.ts";

describe("judgeRecoveryTime", () => {
  it.each([
    // seconds, earlier runs (newest first), status, threshold
    [84, [40, 41, 39, 40, 42, 38, 40, 41, 39, 40], "regression", 60],
    [55, [40, 41, 39, 40, 42, 38, 40, 41, 39, 40], "normal", 60],
    [61, [40, 40, 40], "regression", 60],
    [60, [40, 40, 40], "normal", 60],
    [84, [40, 40], "insufficient-history", undefined],
    [84, [], "insufficient-history", undefined],
    // A noisy group: the MAD term is the higher line.
    [130, [40, 80, 30, 70, 50], "normal", 50 + 3 * 1.4826 * 20],
    [140, [40, 80, 30, 70, 50], "regression", 50 + 3 * 1.4826 * 20],
  ] as const)("%s s after %j is %s", (seconds, earlier, status, threshold) => {
    const verdict = judgeRecoveryTime(seconds, earlier);
    expect(verdict.status).toBe(status);
    if (threshold !== undefined && verdict.status !== "insufficient-history") {
      expect(verdict.thresholdSeconds).toBeCloseTo(threshold, 2);
    }
  });

  it("compares only the last 10 runs", () => {
    const verdict = judgeRecoveryTime(84, [
      ...Array<number>(10).fill(40),
      ...Array<number>(20).fill(200),
    ]);
    expect(verdict).toMatchObject({ status: "regression", runs: 10, medianSeconds: 40 });
  });

  it("computes median and nearest-rank percentiles", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([5], 95)).toBe(5);
  });
});

const config = groupConfiguration;

describe("diffGroupConfiguration", () => {
  it.each([
    ["nothing", {}, []],
    [
      "the launch template version",
      { launchTemplate: { id: "lt-0abc", name: "web", version: "4" } },
      ["launch template: lt-0abc (web) version 3 → lt-0abc (web) version 4"],
    ],
    ["the AMI", { imageIds: ["ami-2"] }, ["AMI: ami-1 → ami-2"]],
    [
      "instance types",
      { instanceTypes: ["t3.micro", "m5.large"] },
      ["instance types: t3.micro → t3.micro, m5.large"],
    ],
    ["the health check type", { healthCheckType: "EC2" }, ["health check type: ELB → EC2"]],
    [
      "the grace period",
      { healthCheckGracePeriodSeconds: 600 },
      ["health check grace period: 300 s → 600 s"],
    ],
    ["desired capacity", { desiredCapacity: 6 }, ["desired capacity: 4 → 6"]],
    ["target groups", { targetGroupArns: [] }, ["target groups: web → none"]],
    [
      "suspended processes",
      { suspendedProcesses: ["AZRebalance"] },
      ["suspended processes: none → AZRebalance"],
    ],
    [
      "two things at once, in a fixed order",
      { imageIds: ["ami-9"], launchTemplate: { id: "lt-0abc", name: "web", version: "5" } },
      ["launch template: lt-0abc (web) version 3 → lt-0abc (web) version 5", "AMI: ami-1 → ami-9"],
    ],
  ] as const)("names %s", (_, changes, expected) => {
    expect(
      diffGroupConfiguration(config(), config(changes as Partial<GroupConfiguration>)).map(
        describeChange,
      ),
    ).toEqual(expected);
  });
});
