import { describe, expect, it } from "vitest";
import {
  allowedVictims,
  checkCount,
  describeGroupState,
  type GroupView,
  type Limits,
} from "../src/ask-count.ts";
import { checkAddress, formatRecipients } from "../src/recipients.ts";

const limits: Limits = {
  maxInstancesPerExperiment: 10,
  maxPercentOfGroup: 50,
  minInServiceAfter: 1,
  optInTag: { key: "macaque:enabled", value: "true" },
};
const group = (over: Partial<GroupView> = {}): GroupView => ({
  name: "web",
  desiredCapacity: 6,
  inService: 6,
  inServiceHealthy: 6,
  inTransition: 0,
  tags: { "macaque:enabled": "true" },
  ...over,
});

describe("allowedVictims", () => {
  it.each<[string, Partial<GroupView>, Partial<Limits>, number]>([
    ["half of the group by default", {}, {}, 3],
    [
      "the per-experiment cap",
      { desiredCapacity: 40, inService: 40, inServiceHealthy: 40 },
      {},
      10,
    ],
    [
      "what leaves the minimum InService",
      { desiredCapacity: 2, inService: 2, inServiceHealthy: 2 },
      { maxPercentOfGroup: 100 },
      1,
    ],
    ["none for a group of one", { desiredCapacity: 1, inService: 1, inServiceHealthy: 1 }, {}, 0],
    ["only Healthy instances left", { inServiceHealthy: 2 }, { maxPercentOfGroup: 100 }, 1],
  ])("allows %s", (_what, over, limitOver, max) => {
    expect(allowedVictims(group(over), { ...limits, ...limitOver }).max).toBe(max);
  });
});

describe("describeGroupState", () => {
  it("shows the group, the limit and why", () => {
    const g = group();
    expect(describeGroupState(g, limits, allowedVictims(g, limits))).toEqual([
      "web: 6 InService (6 Healthy) of desired 6",
      "the policy allows at most 3:",
      "  MAX_INSTANCES_PER_EXPERIMENT 10                    → 10",
      "  MAX_PERCENT_OF_GROUP 50% of desired 6              → 3",
      "  MIN_IN_SERVICE_AFTER 1 of 6 InService and Healthy  → 5",
    ]);
  });

  it("counts instances starting or stopping", () => {
    const g = group({ inServiceHealthy: 5, inTransition: 1 });
    const text = describeGroupState(g, limits, allowedVictims(g, limits)).join("\n");
    expect(text).toContain("1 starting or stopping");
  });
});

describe("checkCount", () => {
  it.each<[number | undefined, true | string]>([
    [1, true],
    [3, true],
    [4, "4 is more than the policy allows (at most 3)"],
    [0, "terminate at least 1 instance"],
    [1.5, "enter a whole number"],
    [undefined, "enter a whole number"],
  ])("answers %s with %j", (value, answer) => {
    expect(checkCount(value, 3)).toBe(answer);
  });
});

describe("recipients", () => {
  it("lower-cases an address and refuses what is not one", () => {
    expect(checkAddress(" Ops@Example.com ")).toBe("ops@example.com");
    expect(() => checkAddress("ops@")).toThrow('"ops@" is not an email address');
    // The one rule shared/email applies everywhere, length limit included.
    expect(() => checkAddress(`${"a".repeat(250)}@example.com`)).toThrow("is not an email address");
  });

  it("prints a table with both states", () => {
    expect(
      formatRecipients(
        [
          {
            address: "a@example.com",
            subscription: "confirmed",
            subscriptionArns: [],
            verification: "Success",
            identityByMacaque: true,
          },
          {
            address: "bb@example.com",
            subscription: "not subscribed",
            subscriptionArns: [],
            verification: "Pending",
            identityByMacaque: false,
          },
        ],
        "chaos-reports",
      ),
    ).toEqual([
      "ADDRESS         REPORTS TOPIC (chaos-reports)  SES VERIFICATION  SES IDENTITY",
      "a@example.com   confirmed                      Success           enrolled by macaque",
      "bb@example.com  not subscribed                 Pending           not macaque's (kept on remove)",
    ]);
    expect(formatRecipients([], "chaos-reports")[0]).toContain("no recipients");
  });
});
