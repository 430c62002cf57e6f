import { describe, expect, it } from "vitest";
import type { TargetGroupHealth } from "@macaque/shared";
import { evaluateRecovery, needsTargetHealth } from "../src/evaluate-recovery.ts";
import { isServing } from "../src/evaluate-serving.ts";
import { at, experiment, observe, survivors, victims } from "./fixtures.ts";

const arnA = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-a/1111";
const arnB = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-b/2222";
const recoveredMembers = [
  ...survivors,
  "i-000000a1:InService:Healthy",
  "i-000000a2:InService:Healthy",
];
const everyone = ["i-00000003", "i-00000004", "i-000000a1", "i-000000a2"];

/** `"i-000000a1:healthy"` per target. */
const tg = (arn: string, targets: string[]): TargetGroupHealth => ({
  arn,
  name: arn.split("/")[1] ?? arn,
  targets: targets.map((t) => {
    const [id, state, reason] = t.split(":") as [string, string, string | undefined];
    return { id, state, ...(reason !== undefined && { reason }) };
  }),
});
const healthyIn = (arn: string, extra: string[] = []) =>
  tg(arn, [...everyone.map((id) => `${id}:healthy`), ...extra]);

const observedWith = (groups: TargetGroupHealth[] | undefined) => ({
  ...observe(recoveredMembers, at(30)),
  ...(groups && { targetGroups: groups }),
});

describe("isServing", () => {
  const cases: Array<{ name: string; groups: TargetGroupHealth[] | undefined; serving: boolean }> =
    [
      {
        name: "serves when every instance is healthy in every target group",
        groups: [healthyIn(arnA), healthyIn(arnB)],
        serving: true,
      },
      {
        name: "does not serve without target states (not read, or the call failed)",
        groups: undefined,
        serving: false,
      },
      {
        name: "does not serve when one target group was not read",
        groups: [healthyIn(arnA)],
        serving: false,
      },
      {
        name: "does not serve while a replacement is still initial",
        groups: [
          healthyIn(arnA),
          tg(arnB, [
            "i-00000003:healthy",
            "i-00000004:healthy",
            "i-000000a1:healthy",
            "i-000000a2:initial:Elb.RegistrationInProgress",
          ]),
        ],
        serving: false,
      },
      {
        name: "does not serve while a replacement fails its health checks",
        groups: [
          healthyIn(arnA),
          tg(arnB, [
            "i-00000003:healthy",
            "i-00000004:healthy",
            "i-000000a1:healthy",
            "i-000000a2:unhealthy:Target.FailedHealthChecks",
          ]),
        ],
        serving: false,
      },
      {
        name: "does not serve while a victim is still registered as healthy",
        groups: [healthyIn(arnA, [`${victims[0]}:healthy`]), healthyIn(arnB)],
        serving: false,
      },
      {
        name: "does not serve while a victim is registered as unhealthy",
        groups: [
          healthyIn(arnA, [`${victims[0]}:unhealthy:Target.FailedHealthChecks`]),
          healthyIn(arnB),
        ],
        serving: false,
      },
      {
        name: "serves while a victim is still draining",
        groups: [
          healthyIn(arnA, [`${victims[0]}:draining:Target.DeregistrationInProgress`]),
          healthyIn(arnB),
        ],
        serving: true,
      },
      {
        name: "does not serve when a replacement is not registered at all",
        groups: [
          tg(arnA, ["i-00000003:healthy", "i-00000004:healthy", "i-000000a1:healthy"]),
          healthyIn(arnB),
        ],
        serving: false,
      },
    ];
  it.each(cases)("$name", ({ groups, serving }) => {
    expect(isServing(observedWith(groups), [arnA, arnB], victims, 4)).toBe(serving);
  });
});

describe("evaluateRecovery with target groups", () => {
  const start = { terminatedAt: at(0).toISOString() };
  const withTargets = (recovery: Parameters<typeof experiment>[0] = {}) => ({
    ...experiment(recovery),
    targetGroupArns: [arnA],
    terminated: victims,
  });

  it("is healthy but not recovered until the targets serve", () => {
    const result = evaluateRecovery(
      withTargets(),
      start,
      observedWith([tg(arnA, ["i-00000003:healthy"])]),
    );
    expect(result.reached).toEqual(["replacement-seen", "all-in-service", "healthy"]);
    expect(result.recovered).toBe(false);
    expect(result.timeline.recoveredAt).toBeUndefined();
  });

  it("recovers at serving, with servingAt in the timeline", () => {
    const result = evaluateRecovery(withTargets(), start, observedWith([healthyIn(arnA)]));
    expect(result.reached).toEqual(["replacement-seen", "all-in-service", "healthy", "serving"]);
    expect(result.recovered).toBe(true);
    expect(result.timeline.servingAt).toBe(at(30).toISOString());
    expect(result.timeline.recoveredAt).toBe(at(30).toISOString());
  });

  it("with requireServing false, recovers at healthy and never reads the targets", () => {
    const exp = withTargets({ requireServing: false });
    const observed = observedWith(undefined);
    expect(needsTargetHealth(exp, observed)).toBe(false);
    const result = evaluateRecovery(exp, start, observed);
    expect(result.recovered).toBe(true);
    expect(result.reached).not.toContain("serving");
  });

  it("reads the targets only once the group is healthy", () => {
    const exp = withTargets();
    expect(needsTargetHealth(exp, observe([...survivors, "i-000000a1:Pending:Healthy"]))).toBe(
      false,
    );
    expect(needsTargetHealth(exp, observedWith(undefined))).toBe(true);
  });

  it("a group without target groups never reads target health and recovers at healthy", () => {
    const exp = { ...experiment(), terminated: victims };
    expect(needsTargetHealth(exp, observedWith(undefined))).toBe(false);
    expect(evaluateRecovery(exp, start, observedWith(undefined)).recovered).toBe(true);
  });

  it("records when each target group served on its own, and recovers when the last does", () => {
    const exp = { ...withTargets(), targetGroupArns: [arnA, arnB] };
    const initialInB = tg(arnB, [
      "i-00000003:healthy",
      "i-00000004:healthy",
      "i-000000a1:healthy",
      "i-000000a2:initial:Elb.RegistrationInProgress",
    ]);
    const first = evaluateRecovery(exp, start, observedWith([healthyIn(arnA), initialInB]));
    expect(first.recovered).toBe(false);
    expect(first.timeline.targetGroupsServingAt).toEqual({ [arnA]: at(30).toISOString() });

    const later = { ...observedWith([healthyIn(arnA), healthyIn(arnB)]), at: at(40).toISOString() };
    const second = evaluateRecovery(exp, first.timeline, later);
    expect(second.recovered).toBe(true);
    expect(second.timeline.targetGroupsServingAt).toEqual({
      [arnA]: at(30).toISOString(),
      [arnB]: at(40).toISOString(),
    });
    expect(second.timeline.servingAt).toBe(at(40).toISOString());
  });
});
