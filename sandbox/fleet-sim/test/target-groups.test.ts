import { describe, expect, it } from "vitest";
import { DEFAULT_TIMING, type TargetGroupSpec } from "../src/fleet.ts";
import type { Group } from "../src/model.ts";
import { groupSpec, manualFleet } from "./manual-fleet.ts";

const TARGET_GROUP: TargetGroupSpec = {
  name: "web-tg",
  port: 80,
  healthCheckIntervalSeconds: 30,
  healthyThresholdCount: 5,
  deregistrationDelaySeconds: 300,
};

function setup(targetGroups: TargetGroupSpec[] = [TARGET_GROUP]) {
  const { clock, fleet } = manualFleet();
  const group = fleet.createGroup(groupSpec({ targetGroups }), { warm: true });
  return { clock, fleet, group };
}

const states = (group: Group, index = 0) =>
  Object.fromEntries((group.targetGroups[index]?.targets ?? []).map((t) => [t.id, t.state]));

describe("target groups behind a group", () => {
  it("start with the warm instances registered and healthy", () => {
    const { group } = setup();
    expect(Object.values(states(group))).toEqual(["healthy", "healthy", "healthy"]);
    expect(group.targetGroups[0]?.targets.map((t) => t.id)).toEqual(
      group.members.map((m) => m.instanceId),
    );
  });

  it("register a replacement as initial and call it healthy after threshold × interval", () => {
    const { clock, fleet, group } = setup();
    const victim = group.members[0]?.instanceId ?? "";
    fleet.terminateInGroup(victim, false);
    expect(states(group)[victim]).toBe("draining");
    const replacement = group.members.at(-1)?.instanceId ?? "";
    clock.advance(DEFAULT_TIMING.bootMs);
    expect(states(group)[replacement]).toBe("initial");
    clock.advance(5 * 30_000 - 1);
    expect(states(group)[replacement]).toBe("initial");
    clock.advance(1);
    expect(states(group)[replacement]).toBe("healthy");
  });

  it("drain a leaving instance for the deregistration delay, then forget it", () => {
    const { clock, fleet, group } = setup();
    const victim = group.members[0]?.instanceId ?? "";
    fleet.terminateInstances([victim]);
    // EC2 has stopped it: the target drains before Auto Scaling even notices.
    expect(states(group)[victim]).toBe("draining");
    clock.advance(300_000 - 1);
    expect(states(group)[victim]).toBe("draining");
    clock.advance(1);
    expect(states(group)[victim]).toBeUndefined();
  });

  it("record servingAt once the replacement is healthy in every target group", () => {
    const { clock, fleet, group } = setup([
      TARGET_GROUP,
      { ...TARGET_GROUP, name: "api-tg", port: 8080, healthyThresholdCount: 2 },
    ]);
    fleet.terminateInGroup(group.members[0]?.instanceId ?? "", false);
    clock.advance(600_000);
    const [recovery] = group.recoveries;
    // whole: 30 s boot + 2.5 s to Healthy; serving: 30 s boot + 5 checks 30 s apart
    expect((recovery?.wholeAt ?? 0) - (recovery?.disruptedAt ?? 0)).toBe(32_500);
    expect((recovery?.servingAt ?? 0) - (recovery?.disruptedAt ?? 0)).toBe(180_000);
  });

  it("under neverServing keep new targets unhealthy until the fault is off", () => {
    const { clock, fleet, group } = setup();
    fleet.setFaults("web", { neverServing: true });
    fleet.terminateInGroup(group.members[0]?.instanceId ?? "", false);
    clock.advance(600_000);
    const replacement = group.members.at(-1);
    expect(replacement).toMatchObject({ lifecycleState: "InService", healthStatus: "Healthy" });
    expect(states(group)[replacement?.instanceId ?? ""]).toBe("unhealthy");
    expect(group.recoveries[0]).toMatchObject({ servingAt: null, wholeAt: expect.any(Number) });
    fleet.setFaults("web", { neverServing: false });
    const off = clock.now();
    clock.advance(600_000);
    expect(states(group)[replacement?.instanceId ?? ""]).toBe("healthy");
    expect(group.recoveries[0]?.servingAt).toBe(off + 150_000);
  });

  it("leave groups without target groups with servingAt null", () => {
    const { clock, fleet, group } = setup([]);
    fleet.terminateInGroup(group.members[0]?.instanceId ?? "", false);
    clock.advance(600_000);
    expect(group.recoveries[0]).toMatchObject({ servingAt: null, wholeAt: expect.any(Number) });
  });
});
