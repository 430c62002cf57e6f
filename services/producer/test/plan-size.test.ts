import { describe, expect, it } from "vitest";
import {
  EventType,
  ServiceName,
  createEvent,
  eventSource,
  isSelectorJob,
  parseJobMessage,
  type JobMessageInput,
} from "@macaque/shared";
import { planExperiment, type Plan } from "../src/plan.ts";
import { boundPlan, contextBudgetBytes } from "../src/plan-size.ts";
import { policy, steadyGroup } from "./fixtures.ts";

/** SNS refuses messages over 256 KB. */
const snsMaxBytes = 256 * 1024;

function planFor(size: number, job: Partial<JobMessageInput>, changes = {}): Plan {
  const parsed = parseJobMessage(JSON.stringify({ asg: "web", ...job }));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.reasons));
  if (isSelectorJob(parsed.job)) throw new Error("not one group's job");
  const result = planExperiment({
    job: parsed.job,
    requestId: "req-big",
    experimentId: "exp-big",
    group: steadyGroup(size, changes),
    leaseHolder: undefined,
    lastEndedAt: undefined,
    region: "us-east-1",
    policy: { ...policy, maxInstancesPerExperiment: 1_000 },
    seed: "seed",
    now: new Date("2026-12-06T10:00:00Z"),
  });
  if (!result.ok) throw new Error(JSON.stringify(result.reasons));
  return result.plan;
}

const plannedEventBytes = (plan: Plan) =>
  Buffer.byteLength(
    JSON.stringify(
      createEvent(EventType.experimentPlanned, {
        source: eventSource(ServiceName.producer),
        subject: plan.experiment.id,
        data: plan,
      }),
    ),
  );

describe("boundPlan", () => {
  it("leaves a small group's plan as it is", () => {
    const plan = planFor(8, { count: 2 });
    expect(boundPlan(plan)).toEqual({ ok: true, plan });
  });

  it("keeps a 2,000-instance group's plan under SNS's limit: the victims listed, the rest counted", () => {
    const plan = planFor(2_000, { count: 10 }, { desiredCapacity: 2_000 });
    expect(plannedEventBytes(plan)).toBeGreaterThan(snsMaxBytes);
    const bounded = boundPlan(plan);
    if (!bounded.ok) throw new Error(bounded.reason.message);
    expect(plannedEventBytes(bounded.plan)).toBeLessThan(snsMaxBytes);
    expect(bounded.plan.group.instanceCount).toBe(2_000);
    expect(bounded.plan.group.instances.map((i) => i.instanceId).sort()).toEqual(
      plan.experiment.victims.map((v) => v.instanceId).sort(),
    );
    expect(bounded.plan.candidateCount).toBe(2_000);
    expect(bounded.plan.candidates).toEqual(plan.candidates.slice(0, 500));
    // What recovery is measured against is never cut.
    expect(bounded.plan.experiment).toEqual(plan.experiment);
  });

  it("refuses a plan whose experiment alone would crowd every later event, naming the sizes", () => {
    const plan = planFor(2_000, { count: 1_000 }, { desiredCapacity: 2_000 });
    const bounded = boundPlan(plan);
    expect(bounded).toMatchObject({ ok: false, reason: { code: "plan-too-large" } });
    if (bounded.ok) return;
    expect(bounded.reason.message).toMatch(
      new RegExp(
        `^1000 victims of a group of 2000 make an experiment too large for its events \\(\\d+ KB, at most ${contextBudgetBytes / 1024} KB`,
      ),
    );
  });
});
