import { describe, expect, it } from "vitest";
import type { GroupState } from "@macaque/shared";
import {
  checkGuardrails,
  resolveCount,
  type GuardrailInput,
  type GuardrailRequest,
} from "../src/guardrails.ts";
import { instance, policy, steadyGroup } from "./fixtures.ts";

const check = (
  group: GroupState | undefined,
  request: Partial<GuardrailRequest> = {},
  extra: Partial<GuardrailInput> = {},
) =>
  checkGuardrails({
    request: { asg: "web", count: 1, ...request },
    group,
    region: "eu-west-1",
    policy,
    experimentId: "exp-self",
    leaseHolder: undefined,
    lastEndedAt: undefined,
    now: new Date("2030-01-01T12:00:00.000Z"),
    ...extra,
  });

const codesOf = (result: ReturnType<typeof check>) =>
  result.ok ? [] : result.reasons.map((r) => r.code);

const excludedTag = { "macaque:exclude": "true" };
const optIn = { "macaque:enabled": "true" };

describe("checkGuardrails refuses", () => {
  const cases: Array<{
    name: string;
    group: GroupState | undefined;
    request?: Partial<GuardrailRequest>;
    extra?: Partial<GuardrailInput>;
    codes: string[];
  }> = [
    { name: "a group Auto Scaling does not know", group: undefined, codes: ["unknown-group"] },
    {
      name: "a group without the opt-in tag",
      group: steadyGroup(4, { tags: {} }),
      codes: ["not-opted-in"],
    },
    {
      name: "a group whose opt-in tag has another value",
      group: steadyGroup(4, { tags: { "macaque:enabled": "false" } }),
      codes: ["not-opted-in"],
    },
    {
      name: "a group held by another experiment",
      group: steadyGroup(4),
      extra: { leaseHolder: "exp-other" },
      codes: ["group-busy"],
    },
    {
      name: "when Launch is suspended",
      group: steadyGroup(4, { suspendedProcesses: ["Launch"] }),
      codes: ["process-suspended"],
    },
    {
      name: "when HealthCheck and ReplaceUnhealthy are suspended (one reason naming both)",
      group: steadyGroup(4, { suspendedProcesses: ["HealthCheck", "ReplaceUnhealthy"] }),
      codes: ["process-suspended"],
    },
    {
      name: "when an instance is Unhealthy",
      group: steadyGroup(4, {
        instances: [...steadyGroup(3).instances, instance(3, { healthStatus: "Unhealthy" })],
      }),
      codes: ["not-at-desired-capacity"],
    },
    {
      name: "when an instance is Pending",
      group: steadyGroup(4, {
        instances: [...steadyGroup(3).instances, instance(3, { lifecycleState: "Pending:Wait" })],
      }),
      codes: ["not-at-desired-capacity", "instances-in-transition"],
    },
    {
      name: "when an instance is Terminating beside a full group",
      group: steadyGroup(4, {
        instances: [...steadyGroup(4).instances, instance(4, { lifecycleState: "Terminating" })],
      }),
      codes: ["instances-in-transition"],
    },
    {
      name: "when more instances are InService than desired (scaling in)",
      group: steadyGroup(4, { desiredCapacity: 3 }),
      codes: ["not-at-desired-capacity"],
    },
    {
      name: "when an instance is leaving the group (a detach under way)",
      group: steadyGroup(4, {
        instances: [...steadyGroup(4).instances, instance(4, { lifecycleState: "Detaching" })],
      }),
      codes: ["instances-in-transition"],
    },
    {
      name: "a count above MAX_INSTANCES_PER_EXPERIMENT",
      group: steadyGroup(30),
      request: { count: 11 },
      codes: ["above-max-instances"],
    },
    {
      name: "a count above MAX_PERCENT_OF_GROUP",
      group: steadyGroup(4),
      request: { count: 3 },
      codes: ["above-max-percent"],
    },
    {
      name: "any count in a group too small for MAX_PERCENT_OF_GROUP",
      group: steadyGroup(1),
      codes: ["group-too-small", "below-min-in-service"],
    },
    {
      name: "a count that leaves fewer than MIN_IN_SERVICE_AFTER",
      group: steadyGroup(4),
      request: { count: 2 },
      extra: { policy: { ...policy, minInServiceAfter: 3 } },
      codes: ["below-min-in-service"],
    },
    {
      name: "a count above the eligible candidates",
      group: steadyGroup(6, {
        instances: steadyGroup(6).instances.map((i, n) =>
          n < 5 ? { ...i, tags: excludedTag } : i,
        ),
      }),
      request: { count: 2 },
      codes: ["not-enough-candidates"],
    },
    {
      name: "a zone with no eligible instance",
      group: steadyGroup(4),
      request: { availabilityZone: "us-east-1c" },
      codes: ["no-candidates"],
    },
    {
      name: "a percent in a zone with no eligible instance",
      group: steadyGroup(4),
      request: { count: undefined, percent: 100, availabilityZone: "us-east-1c" },
      codes: ["no-candidates"],
    },
    {
      name: "a percent of 100 that loses a zone beyond MAX_PERCENT_OF_GROUP",
      group: steadyGroup(6, {
        instances: steadyGroup(6).instances.map((i) =>
          i.instanceId.endsWith("a005") ? { ...i, availabilityZone: "us-east-1a" } : i,
        ),
      }),
      request: { count: undefined, percent: 100, availabilityZone: "us-east-1a" },
      codes: ["above-max-percent"],
    },
    {
      name: "a group where every instance is excluded",
      group: steadyGroup(2, {
        instances: steadyGroup(2).instances.map((i) => ({ ...i, tags: excludedTag })),
      }),
      codes: ["no-candidates"],
    },
  ];

  it.each(cases)("$name", ({ group, request, extra, codes }) => {
    expect(codesOf(check(group, request, extra))).toEqual(codes);
  });
});

describe("checkGuardrails", () => {
  it("accepts a steady, opted-in group and a count within every limit", () => {
    const result = check(steadyGroup(4), { count: 2 });
    expect(result).toMatchObject({ ok: true, count: 2, excluded: [] });
    expect(result.ok && result.candidates).toHaveLength(4);
  });

  it("collects every reason instead of stopping at the first", () => {
    const group = steadyGroup(4, {
      tags: {},
      suspendedProcesses: ["Launch", "AZRebalance"],
      instances: [...steadyGroup(4).instances, instance(4, { lifecycleState: "Terminating:Wait" })],
    });
    expect(codesOf(check(group, { count: 20 }, { leaseHolder: "exp-other" }))).toEqual([
      "not-opted-in",
      "group-busy",
      "instances-in-transition",
      "process-suspended",
      "not-enough-candidates",
      "above-max-instances",
      "above-max-percent",
      "below-min-in-service",
    ]);
  });

  it("names the group and region of an unknown group", () => {
    const result = check(undefined, { asg: "ghost" });
    expect(!result.ok && result.reasons[0]?.message).toBe(
      "no Auto Scaling group named ghost in eu-west-1",
    );
  });

  it("names the experiment that holds the group", () => {
    const result = check(steadyGroup(4), {}, { leaseHolder: "exp-0123456789abcdef" });
    expect(!result.ok && result.reasons[0]?.message).toContain("exp-0123456789abcdef");
  });

  it("is not refused by the lease of its own experiment (a redelivered request)", () => {
    expect(check(steadyGroup(4), {}, { leaseHolder: "exp-self" }).ok).toBe(true);
  });

  it("names only the suspended processes recovery depends on", () => {
    const group = steadyGroup(4, { suspendedProcesses: ["AZRebalance", "Launch", "Terminate"] });
    const result = check(group);
    expect(!result.ok && result.reasons[0]?.message).toBe(
      "group web cannot heal itself: the processes Launch, Terminate are suspended",
    );
  });

  it("names the instances that are still starting or stopping", () => {
    const group = steadyGroup(2, {
      instances: [...steadyGroup(2).instances, instance(7, { lifecycleState: "Pending" })],
    });
    const result = check(group);
    expect(!result.ok && result.reasons[0]?.message).toContain(
      `${instance(7).instanceId} (Pending)`,
    );
  });

  it("never offers an excluded instance and records why", () => {
    const group = steadyGroup(4, {
      instances: steadyGroup(4).instances.map((i, n) =>
        n === 0 ? { ...i, tags: excludedTag } : n === 1 ? { ...i, tags: undefined } : i,
      ),
    });
    const result = check(group);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.candidates.map((i) => i.instanceId)).toEqual([
      instance(2).instanceId,
      instance(3).instanceId,
    ]);
    expect(result.excluded).toEqual([
      { instanceId: instance(0).instanceId, reason: "tagged macaque:exclude=true" },
      { instanceId: instance(1).instanceId, reason: "its EC2 tags could not be read" },
    ]);
  });

  it("offers only instances in the requested zone", () => {
    const result = check(steadyGroup(6), { availabilityZone: "us-east-1b" });
    expect(result.ok && result.candidates.map((i) => i.availabilityZone)).toEqual([
      "us-east-1b",
      "us-east-1b",
      "us-east-1b",
    ]);
    expect(result.ok && result.excluded[0]?.reason).toBe(
      "in us-east-1a, outside the requested zone us-east-1b",
    );
  });

  it("resolves percent 100 with a zone to the whole zone when the limits allow it", () => {
    const result = check(
      steadyGroup(6),
      { count: undefined, percent: 100, availabilityZone: "us-east-1a" },
      { policy: { ...policy, maxPercentOfGroup: 50 } },
    );
    expect(result).toMatchObject({ ok: true, count: 3 });
  });
});

describe("checkGuardrails: time between experiments and group limit tags", () => {
  const now = new Date("2030-01-01T12:00:00.000Z");
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

  it("refuses too soon after the group's last experiment ended, naming both times", () => {
    const result = check(steadyGroup(4), {}, { lastEndedAt: minutesAgo(10), now });
    expect(!result.ok && result.reasons).toEqual([
      {
        code: "too-soon",
        message:
          "group web's last experiment ended at 2030-01-01T11:50:00.000Z; the next is allowed from 2030-01-01T12:50:00.000Z, 60 min later (MIN_MINUTES_BETWEEN_EXPERIMENTS)",
      },
    ]);
  });

  it("accepts once the time between experiments has passed", () => {
    expect(check(steadyGroup(4), {}, { lastEndedAt: minutesAgo(60), now }).ok).toBe(true);
  });

  it("says only group-busy while another experiment holds the group", () => {
    const result = check(
      steadyGroup(4),
      {},
      { lastEndedAt: minutesAgo(1), now, leaseHolder: "exp-other" },
    );
    expect(codesOf(result)).toEqual(["group-busy"]);
  });

  it("does not refuse its own redelivery, whose lease wrote an end still ahead", () => {
    const provisional = new Date(now.getTime() + 30 * 60_000);
    const extra = { lastEndedAt: provisional, now, leaseHolder: "exp-self" };
    expect(check(steadyGroup(4), {}, extra).ok).toBe(true);
  });

  it("waits longer for a group whose tag raises the time between experiments", () => {
    const group = steadyGroup(4, { tags: { ...optIn, "macaque:min-minutes-between": "120" } });
    const result = check(group, {}, { lastEndedAt: minutesAgo(90), now });
    expect(!result.ok && result.reasons[0]?.message).toContain(
      "120 min later (tag macaque:min-minutes-between=120)",
    );
  });

  it("limits a count of 2 on a group tagged macaque:max-instances=1, naming the tag", () => {
    const group = steadyGroup(4, { tags: { ...optIn, "macaque:max-instances": "1" } });
    const result = check(group, { count: 2 });
    expect(!result.ok && result.reasons).toEqual([
      {
        code: "above-max-instances",
        message:
          "asks for 2 instances; at most 1 per experiment are allowed (tag macaque:max-instances=1)",
      },
    ]);
    expect(check(group, { count: 1 }).ok).toBe(true);
  });

  it("applies the operator's limit, not a loosening tag, and reports the tag in the refusal", () => {
    const group = steadyGroup(4, { tags: { ...optIn, "macaque:max-percent": "100" } });
    const result = check(group, { count: 3 });
    expect(codesOf(result)).toEqual(["above-max-percent", "limit-tag-ignored"]);
    expect(!result.ok && result.reasons[1]?.message).toBe(
      "tag macaque:max-percent=100 is ignored: it would raise the limit above MAX_PERCENT_OF_GROUP 50; a tag can only lower it; MAX_PERCENT_OF_GROUP 50 applies",
    );
  });

  it("plans despite an ignored tag, and hands the notice to the caller", () => {
    const group = steadyGroup(4, { tags: { ...optIn, "macaque:min-in-service": "lots" } });
    const result = check(group, { count: 1 });
    expect(result.ok && result.ignoredTags.map((r) => r.message)).toEqual([
      "tag macaque:min-in-service=lots is ignored: not a number; MIN_IN_SERVICE_AFTER 1 applies",
    ]);
  });
});

describe("resolveCount", () => {
  it.each([
    { request: { count: 3 }, eligible: 10, count: 3 },
    { request: { percent: 50 }, eligible: 4, count: 2 },
    { request: { percent: 30 }, eligible: 4, count: 2 },
    { request: { percent: 1 }, eligible: 4, count: 1 },
    { request: { percent: 7 }, eligible: 100, count: 7 },
    { request: { percent: 33.3 }, eligible: 3, count: 1 },
    { request: { percent: 100 }, eligible: 5, count: 5 },
    { request: { percent: 50 }, eligible: 0, count: 0 },
  ])("$request of $eligible eligible is $count", ({ request, eligible, count }) => {
    expect(resolveCount({ asg: "web", ...request }, eligible)).toBe(count);
  });
});
