import { describe, expect, it } from "vitest";
import { groupState, optIn } from "./group-fixtures.ts";
import { groupRefusals, type GroupState } from "../src/steady-state.ts";
import {
  requiresServing,
  targetGroupArnsOf,
  targetGroupHealthOf,
  targetGroupNameOf,
  type TargetGroupHealth,
} from "../src/target-health.ts";

const arnA = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-a/1111";
const arnB = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-b/2222";

const group = (targetGroups: TargetGroupHealth[]): GroupState =>
  groupState({ targetGroupArns: targetGroups.map((g) => g.arn), targetGroups });

describe("target groups of a group", () => {
  it("reads TargetGroupARNs and elbv2 traffic sources, each once", () => {
    expect(
      targetGroupArnsOf({
        TargetGroupARNs: [arnB],
        TrafficSources: [
          { Type: "elbv2", Identifier: arnA },
          { Type: "elbv2", Identifier: arnB },
          { Type: "vpc-lattice", Identifier: "arn:aws:vpc-lattice:tg/x" },
        ],
      }),
    ).toEqual([arnA, arnB]);
    expect(targetGroupArnsOf({})).toEqual([]);
  });

  it("names a target group from its ARN", () => {
    expect(targetGroupNameOf(arnA)).toBe("web-a");
    expect(targetGroupNameOf("not-an-arn")).toBe("not-an-arn");
  });

  it("reads DescribeTargetHealth's answer as plain target states", () => {
    expect(
      targetGroupHealthOf(arnA, [
        { Target: { Id: "i-1", Port: 80 }, TargetHealth: { State: "healthy" } },
        {
          Target: { Id: "i-2", Port: 80 },
          TargetHealth: {
            State: "unhealthy",
            Reason: "Target.FailedHealthChecks",
            Description: "Health checks failed",
          },
        },
      ]),
    ).toEqual({
      arn: arnA,
      name: "web-a",
      targets: [
        { id: "i-1", port: 80, state: "healthy" },
        {
          id: "i-2",
          port: 80,
          state: "unhealthy",
          reason: "Target.FailedHealthChecks",
          description: "Health checks failed",
        },
      ],
    });
  });

  it.each([
    [[], undefined, false],
    [[arnA], undefined, true],
    [[arnA], true, true],
    [[arnA], false, false],
    [[], true, false],
  ] as const)(
    "with target groups %j and requireServing %s, requires serving: %s",
    (arns, req, expected) => {
      expect(requiresServing({ targetGroupArns: arns, recovery: { requireServing: req } })).toBe(
        expected,
      );
    },
  );
});

describe("the steady-state gate on target health", () => {
  it("accepts a group whose targets are all healthy", () => {
    const healthy = {
      arn: arnA,
      name: "web-a",
      targets: [
        { id: "i-1", state: "healthy" },
        { id: "i-2", state: "healthy" },
      ],
    };
    expect(groupRefusals(group([healthy]), optIn)).toEqual([]);
  });

  it("refuses a group with unhealthy or initial targets, naming the target group and instances", () => {
    const refusals = groupRefusals(
      group([
        {
          arn: arnA,
          name: "web-a",
          targets: [
            { id: "i-1", state: "healthy" },
            { id: "i-2", state: "unhealthy", reason: "Target.FailedHealthChecks" },
          ],
        },
        {
          arn: arnB,
          name: "web-b",
          targets: [
            { id: "i-1", state: "initial" },
            { id: "i-2", state: "healthy" },
          ],
        },
      ]),
      optIn,
    );
    expect(refusals).toEqual([
      {
        code: "targets-unhealthy",
        message:
          "group web is not steady: target group web-a has targets that are not healthy: i-2 (unhealthy: Target.FailedHealthChecks)",
      },
      {
        code: "targets-unhealthy",
        message:
          "group web is not steady: target group web-b has targets that are not healthy: i-1 (initial)",
      },
    ]);
  });

  it("does not refuse for a target that is draining (on its way out)", () => {
    const draining = {
      arn: arnA,
      name: "web-a",
      targets: [
        { id: "i-1", state: "healthy" },
        { id: "i-2", state: "healthy" },
        { id: "i-9", state: "draining" },
      ],
    };
    expect(groupRefusals(group([draining]), optIn)).toEqual([]);
  });
});
