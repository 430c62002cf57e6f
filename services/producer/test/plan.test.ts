import { describe, expect, it } from "vitest";
import {
  EventType,
  eventDataSchemas,
  experimentIdFor,
  isSelectorJob,
  parseJobMessage,
  type JobMessage,
  type GroupState,
  type JobMessageInput,
} from "@macaque/shared";
import { planExperiment, type PlanInput } from "../src/plan.ts";
import { shuffleIds } from "../src/shuffle.ts";
import { instance, policy, steadyGroup } from "./fixtures.ts";

const now = new Date("2030-01-02T03:04:05.000Z");

function jobOf(input: Partial<JobMessageInput>): JobMessage {
  const parsed = parseJobMessage(JSON.stringify({ asg: "web", count: 2, ...input }));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.reasons));
  if (isSelectorJob(parsed.job)) throw new Error("not one group's job");
  return parsed.job;
}

const plan = (job: JobMessage, group: GroupState | undefined, extra: Partial<PlanInput> = {}) =>
  planExperiment({
    job,
    requestId: "req-1",
    experimentId: experimentIdFor("req-1"),
    group,
    leaseHolder: undefined,
    lastEndedAt: undefined,
    region: "us-east-1",
    policy,
    seed: "s-1",
    now,
    ...extra,
  });

describe("planExperiment", () => {
  it("chooses the first N of the shuffled candidates as victims", () => {
    const group = steadyGroup(6);
    const result = plan(jobOf({ count: 2 }), group);
    if (!result.ok) throw new Error("expected a plan");
    const order = shuffleIds(
      group.instances.map((i) => i.instanceId),
      "s-1",
    );
    expect(result.plan.candidates).toEqual(order);
    expect(result.plan.experiment.victims.map((v) => v.instanceId)).toEqual(order.slice(0, 2));
  });

  it("records what a replay and the recovery check need", () => {
    const group = steadyGroup(4, {
      instances: [
        ...steadyGroup(3).instances,
        instance(3, { tags: { "macaque:exclude": "true" } }),
      ],
    });
    const job = jobOf({
      count: 1,
      mode: "asg",
      requestedBy: "ops@example.com",
      notify: { emails: ["a@example.com"] },
      recovery: { deadlineSeconds: 120, checkIntervalSeconds: 5, targetSeconds: 60 },
    });
    const result = plan(job, group);
    if (!result.ok) throw new Error("expected a plan");
    const { experiment } = result.plan;
    expect(experiment).toMatchObject({
      id: experimentIdFor("req-1"),
      requestId: "req-1",
      asg: "web",
      mode: "asg",
      dryRun: false,
      requestedBy: "ops@example.com",
      notify: { emails: ["a@example.com"] },
      recovery: {
        deadlineSeconds: 120,
        checkIntervalSeconds: 5,
        requireHealthy: true,
        targetSeconds: 60,
      },
      seed: "s-1",
      plannedAt: "2030-01-02T03:04:05.000Z",
      desiredCapacity: 4,
    });
    expect(experiment.instanceIdsAtPlan).toEqual(group.instances.map((i) => i.instanceId));
    expect(result.plan.excluded).toEqual([
      { instanceId: instance(3).instanceId, reason: "tagged macaque:exclude=true" },
    ]);
    expect(result.plan.candidates).not.toContain(instance(3).instanceId);
    expect(() => eventDataSchemas[EventType.experimentPlanned].parse(result.plan)).not.toThrow();
  });

  it("gives the same plan for the same seed, whatever order AWS lists the instances in", () => {
    const group = steadyGroup(8);
    const reversed = { ...group, instances: [...group.instances].reverse() };
    expect(plan(jobOf({}), reversed)).toEqual(plan(jobOf({}), group));
  });

  it("gives other victims for another seed", () => {
    const group = steadyGroup(10);
    const victims = new Set(
      ["a", "b", "c", "d", "e"].map((seed) => {
        const result = plan(jobOf({ count: 3 }), group, { seed });
        return result.ok ? result.plan.experiment.victims.map((v) => v.instanceId).join() : "";
      }),
    );
    expect(victims.size).toBeGreaterThan(1);
  });

  it("resolves percent against the candidates in the requested zone", () => {
    const result = plan(
      jobOf({ count: undefined, percent: 50, availabilityZone: "us-east-1b" }),
      steadyGroup(8),
    );
    if (!result.ok) throw new Error("expected a plan");
    expect(result.plan.experiment.availabilityZone).toBe("us-east-1b");
    expect(result.plan.experiment.victims).toHaveLength(2);
    expect(result.plan.candidates).toHaveLength(4);
    expect(result.plan.experiment.victims.every((v) => v.availabilityZone === "us-east-1b")).toBe(
      true,
    );
  });

  it("marks a dry run and still chooses victims", () => {
    const result = plan(jobOf({ dryRun: true }), steadyGroup(4));
    expect(result.ok && result.plan.experiment).toMatchObject({ dryRun: true });
    expect(result.ok && result.plan.experiment.victims).toHaveLength(2);
  });

  it("returns every refusal instead of a plan", () => {
    const result = plan(jobOf({ count: 3 }), steadyGroup(4, { tags: {} }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reasons.map((r) => r.code)).toEqual([
      "not-opted-in",
      "above-max-percent",
    ]);
  });

  it("refuses a group held by another experiment", () => {
    const result = plan(jobOf({}), steadyGroup(4), { leaseHolder: "exp-aaaaaaaaaaaaaaaa" });
    expect(!result.ok && result.reasons[0]?.message).toContain("exp-aaaaaaaaaaaaaaaa");
  });

  it("records the group's target groups and their health in the plan", () => {
    const arn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0001";
    const base = steadyGroup(4);
    const targets = base.instances.map((i) => ({ id: i.instanceId, state: "healthy" }));
    const group = {
      ...base,
      targetGroupArns: [arn],
      targetGroups: [{ arn, name: "web", targets }],
    };
    const result = plan(jobOf({ count: 1 }), group);
    if (!result.ok) throw new Error(JSON.stringify(result.reasons));
    expect(result.plan.experiment.targetGroupArns).toEqual([arn]);
    expect(result.plan.group.targetGroups).toEqual([{ arn, name: "web", targets }]);
    expect(() => eventDataSchemas[EventType.experimentPlanned].parse(result.plan)).not.toThrow();
  });

  it("refuses a group whose target group has unhealthy targets", () => {
    const arn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0001";
    const base = steadyGroup(2);
    const [first, second] = base.instances.map((i) => i.instanceId) as [string, string];
    const targets = [
      { id: first, state: "healthy" },
      { id: second, state: "unhealthy", reason: "Target.FailedHealthChecks" },
    ];
    const result = plan(jobOf({ count: 1 }), {
      ...base,
      targetGroupArns: [arn],
      targetGroups: [{ arn, name: "web", targets }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reasons).toContainEqual({
      code: "targets-unhealthy",
      message: `group ${base.name} is not steady: target group web has targets that are not healthy: ${second} (unhealthy: Target.FailedHealthChecks)`,
    });
  });

  it("plans a group without target groups with no target groups in the context", () => {
    const result = plan(jobOf({ count: 1 }), steadyGroup(4));
    if (!result.ok) throw new Error(JSON.stringify(result.reasons));
    expect(result.plan.experiment.targetGroupArns).toBeUndefined();
  });
});
