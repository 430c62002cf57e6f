import { describe, expect, it } from "vitest";
import { checkTooSoon, effectiveLimits, type Limits } from "../src/group-limits.ts";

const operator: Limits = {
  maxInstancesPerExperiment: 10,
  maxPercentOfGroup: 50,
  minInServiceAfter: 1,
  minMinutesBetweenExperiments: 60,
};

describe("effectiveLimits", () => {
  it("keeps the operator's limits for a group without limit tags", () => {
    expect(effectiveLimits(operator, { "macaque:enabled": "true" })).toEqual({
      limits: operator,
      sources: {
        maxInstancesPerExperiment: "MAX_INSTANCES_PER_EXPERIMENT",
        maxPercentOfGroup: "MAX_PERCENT_OF_GROUP",
        minInServiceAfter: "MIN_IN_SERVICE_AFTER",
        minMinutesBetweenExperiments: "MIN_MINUTES_BETWEEN_EXPERIMENTS",
      },
      ignored: [],
    });
  });

  it.each([
    ["macaque:max-instances", "1", "maxInstancesPerExperiment", 1],
    ["macaque:max-instances", "10", "maxInstancesPerExperiment", 10],
    ["macaque:max-percent", "25", "maxPercentOfGroup", 25],
    ["macaque:min-in-service", "3", "minInServiceAfter", 3],
    ["macaque:min-minutes-between", "90.5", "minMinutesBetweenExperiments", 90.5],
  ] as const)("applies a tightening tag %s=%s", (tag, value, name, expected) => {
    const { limits, sources, ignored } = effectiveLimits(operator, { [tag]: value });
    expect(limits).toEqual({ ...operator, [name]: expected });
    expect(sources[name]).toBe(`tag ${tag}=${value}`);
    expect(ignored).toEqual([]);
  });

  it.each([
    ["macaque:max-instances", "20", "would raise the limit above MAX_INSTANCES_PER_EXPERIMENT 10"],
    ["macaque:max-percent", "80", "would raise the limit above MAX_PERCENT_OF_GROUP 50"],
    ["macaque:max-percent", "150", "more than 100"],
    ["macaque:min-in-service", "0", "would lower the limit below MIN_IN_SERVICE_AFTER 1"],
    ["macaque:min-minutes-between", "5", "would lower the limit below MIN_MINUTES_BETWEEN"],
    ["macaque:max-instances", "two", "not a number"],
    ["macaque:max-instances", "", "not a number"],
    ["macaque:max-instances", "1.5", "not a whole number"],
    ["macaque:min-minutes-between", "-5", "a negative number"],
  ])("ignores %s=%s and says why: %s", (tag, value, why) => {
    const { limits, ignored } = effectiveLimits(operator, { [tag]: value });
    expect(limits).toEqual(operator);
    expect(ignored).toEqual([
      {
        code: "limit-tag-ignored",
        message: expect.stringMatching(new RegExp(`^tag ${tag}=${value} is ignored: .*${why}`)),
      },
    ]);
  });

  it("applies the tightening tags and ignores the loosening ones of the same group", () => {
    const { limits, ignored } = effectiveLimits(operator, {
      "macaque:max-instances": "2",
      "macaque:max-percent": "90",
    });
    expect(limits).toEqual({ ...operator, maxInstancesPerExperiment: 2 });
    expect(ignored.map((r) => r.message)).toEqual([
      expect.stringContaining("macaque:max-percent=90"),
    ]);
  });
});

describe("checkTooSoon", () => {
  const endedAt = new Date("2030-01-01T10:00:00.000Z");
  const at = (iso: string) => new Date(`2030-01-01T${iso}.000Z`);
  const check = (now: Date, lastEndedAt: Date | undefined, minMinutes: number) =>
    checkTooSoon({
      asg: "web",
      lastEndedAt,
      minMinutes,
      source: "MIN_MINUTES_BETWEEN_EXPERIMENTS",
      now,
    });

  it.each([
    ["a group with no recorded end", at("10:00:01"), undefined, 60, []],
    ["one minute after the end", at("10:01:00"), endedAt, 60, ["too-soon"]],
    [
      "a millisecond before the next is allowed",
      new Date(endedAt.getTime() + 3_599_999),
      endedAt,
      60,
      ["too-soon"],
    ],
    ["exactly when the next is allowed", at("11:00:00"), endedAt, 60, []],
    ["long after", at("18:00:00"), endedAt, 60, []],
    ["right after, when no wait is set", at("10:00:00"), endedAt, 0, []],
  ] as const)("%s", (_, now, lastEndedAt, minMinutes, codes) => {
    expect(check(now, lastEndedAt, minMinutes).map((r) => r.code)).toEqual(codes);
  });

  it("names when the last experiment ended, when the next is allowed and the limit's source", () => {
    expect(check(at("10:20:00"), endedAt, 60)).toEqual([
      {
        code: "too-soon",
        message:
          "group web's last experiment ended at 2030-01-01T10:00:00.000Z; the next is allowed from 2030-01-01T11:00:00.000Z, 60 min later (MIN_MINUTES_BETWEEN_EXPERIMENTS)",
      },
    ]);
  });
});
