import { describe, expect, it } from "vitest";
import type { Milestone } from "@macaque/shared";
import { evaluateRecovery } from "../src/evaluate-recovery.ts";
import { at, experiment, observe, survivors } from "./fixtures.ts";

const start = { terminatedAt: at(0).toISOString() };

describe("evaluateRecovery", () => {
  const cases: Array<{
    name: string;
    members: string[];
    desired?: number;
    requireHealthy: boolean;
    recovered: boolean;
    reached: Milestone[];
  }> = [
    {
      name: "is not recovered while a victim is still InService (the crash is not noticed yet)",
      members: ["i-00000001:InService:Healthy", "i-00000002:InService:Healthy", ...survivors],
      requireHealthy: true,
      recovered: false,
      reached: [],
    },
    {
      name: "is not recovered while a victim is InService, even with replacements in service",
      members: [
        "i-00000001:InService:Healthy",
        ...survivors,
        "i-000000a1:InService:Healthy",
        "i-000000a2:InService:Healthy",
      ],
      requireHealthy: true,
      recovered: false,
      reached: ["replacement-seen"],
    },
    {
      name: "sees a replacement that is still Pending",
      members: [
        "i-00000001:Terminating:Unhealthy",
        "i-00000002:Terminating:Unhealthy",
        ...survivors,
        "i-000000a1:Pending:Healthy",
        "i-000000a2:Pending:Healthy",
      ],
      requireHealthy: true,
      recovered: false,
      reached: ["replacement-seen"],
    },
    {
      name: "with requireHealthy, waits for InService replacements to turn Healthy",
      members: [...survivors, "i-000000a1:InService:Unhealthy", "i-000000a2:InService:Healthy"],
      requireHealthy: true,
      recovered: false,
      reached: ["replacement-seen", "all-in-service"],
    },
    {
      name: "without requireHealthy, counts InService but Unhealthy replacements",
      members: [...survivors, "i-000000a1:InService:Unhealthy", "i-000000a2:InService:Healthy"],
      requireHealthy: false,
      recovered: true,
      reached: ["replacement-seen", "all-in-service"],
    },
    {
      name: "is recovered when victims are gone and every instance is InService and Healthy",
      members: [...survivors, "i-000000a1:InService:Healthy", "i-000000a2:InService:Healthy"],
      requireHealthy: true,
      recovered: true,
      reached: ["replacement-seen", "all-in-service", "healthy"],
    },
    {
      name: "is recovered while victims are still Terminating (they no longer serve)",
      members: [
        "i-00000001:Terminating:Unhealthy",
        ...survivors,
        "i-000000a1:InService:Healthy",
        "i-000000a2:InService:Healthy",
      ],
      requireHealthy: true,
      recovered: true,
      reached: ["replacement-seen", "all-in-service", "healthy"],
    },
    {
      name: "is not recovered when only one of two replacements is up",
      members: [...survivors, "i-000000a1:InService:Healthy", "i-000000a2:Pending:Healthy"],
      requireHealthy: true,
      recovered: false,
      reached: ["replacement-seen"],
    },
    {
      name: "counts against the plan-time capacity, not the group's current desired capacity",
      members: [...survivors, "i-000000a1:InService:Healthy"],
      desired: 3,
      requireHealthy: true,
      recovered: false,
      reached: ["replacement-seen"],
    },
  ];

  it.each(cases)("$name", ({ members, desired, requireHealthy, recovered, reached }) => {
    const observed = observe(members, at(12), desired);
    const result = evaluateRecovery(experiment({ requireHealthy }), start, observed);
    expect(result.recovered).toBe(recovered);
    expect(result.reached).toEqual(reached);
    expect(result.timeline.recoveredAt).toBe(recovered ? at(12).toISOString() : undefined);
  });

  it("keeps the time a milestone was first reached", () => {
    const pending = [...survivors, "i-000000a1:Pending:Healthy", "i-000000a2:Pending:Healthy"];
    const first = evaluateRecovery(experiment(), start, observe(pending, at(5)));
    const up = [...survivors, "i-000000a1:InService:Healthy", "i-000000a2:InService:Healthy"];
    const second = evaluateRecovery(experiment(), first.timeline, observe(up, at(10)));
    expect(second.reached).toEqual(["all-in-service", "healthy"]);
    expect(second.timeline).toEqual({
      terminatedAt: at(0).toISOString(),
      firstReplacementSeenAt: at(5).toISOString(),
      allInServiceAt: at(10).toISOString(),
      healthyAt: at(10).toISOString(),
      recoveredAt: at(10).toISOString(),
    });
  });
});
