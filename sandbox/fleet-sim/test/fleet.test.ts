import { describe, expect, it } from "vitest";
import type { Fleet, GroupSpec } from "../src/fleet.ts";
import { groupSpec, manualFleet } from "./manual-fleet.ts";

const setup = manualFleet;
const spec = (overrides: Partial<GroupSpec> = {}): GroupSpec =>
  groupSpec({ tags: [{ key: "team", value: "x", propagateAtLaunch: true }], ...overrides });

const recoveries = (fleet: Fleet) => fleet.groups.get("web")?.recoveries ?? [];

describe("fleet state machine", () => {
  it("measures an EC2 kill: health check delay, boot time and healthy delay add up", () => {
    const { clock, fleet } = setup();
    const group = fleet.createGroup(spec(), { warm: true });
    const victim = group.members[0]?.instanceId ?? "";
    fleet.terminateInstances([victim]);
    clock.advance(120_000);
    // detected at 10 s, replacement boots for 30 s, healthy 2.5 s later (random 0.5 × 5 s)
    expect(recoveries(fleet)).toEqual([
      {
        disruptedAt: clock.now() - 120_000,
        wholeAt: clock.now() - 120_000 + 42_500,
        servingAt: null,
        lostInstanceIds: [victim],
        replacementInstanceIds: [group.members.at(-1)?.instanceId],
      },
    ]);
    expect(group.members.map((m) => m.lifecycleState)).toEqual([
      "InService",
      "InService",
      "InService",
    ]);
    expect(fleet.instances.get(victim)?.state).toBe("terminated");
  });

  it("measures an Auto Scaling kill from the moment of the call", () => {
    const { clock, fleet } = setup();
    const group = fleet.createGroup(spec(), { warm: true });
    fleet.terminateInGroup(group.members[1]?.instanceId ?? "", false);
    clock.advance(120_000);
    const [recovery] = recoveries(fleet);
    expect((recovery?.wholeAt ?? 0) - (recovery?.disruptedAt ?? 0)).toBe(32_500);
  });

  it("opens no recovery when the group was not whole", () => {
    const { clock, fleet } = setup();
    const group = fleet.createGroup(spec(), { warm: false });
    clock.advance(1_000);
    fleet.terminateInGroup(group.members[0]?.instanceId ?? "", false);
    clock.advance(120_000);
    expect(recoveries(fleet)).toEqual([]);
  });

  it("gathers kills during an open recovery into it", () => {
    const { clock, fleet } = setup();
    const group = fleet.createGroup(spec(), { warm: true });
    const [first, second] = group.members.map((m) => m.instanceId);
    fleet.terminateInstances([first ?? ""]);
    clock.advance(5_000);
    fleet.terminateInGroup(second ?? "", false);
    clock.advance(120_000);
    expect(recoveries(fleet)).toHaveLength(1);
    expect(recoveries(fleet)[0]?.lostInstanceIds).toEqual([first, second]);
    expect(recoveries(fleet)[0]?.replacementInstanceIds).toHaveLength(2);
  });

  it("never detects the loss while HealthCheck is suspended", () => {
    const { clock, fleet } = setup();
    const group = fleet.createGroup(spec({ suspendedProcesses: ["HealthCheck"] }), { warm: true });
    fleet.terminateInstances([group.members[0]?.instanceId ?? ""]);
    clock.advance(120_000);
    expect(group.members.map((m) => `${m.lifecycleState}/${m.healthStatus}`)).toEqual([
      "InService/Healthy",
      "InService/Healthy",
      "InService/Healthy",
    ]);
    fleet.resumeProcesses("web", []);
    clock.advance(120_000);
    expect(recoveries(fleet)[0]?.wholeAt).not.toBeNull();
  });

  it("keeps a lost instance Unhealthy in the group while ReplaceUnhealthy is suspended", () => {
    const { clock, fleet } = setup();
    const group = fleet.createGroup(spec({ suspendedProcesses: ["ReplaceUnhealthy"] }), {
      warm: true,
    });
    const victim = group.members[0]?.instanceId;
    fleet.terminateInstances([victim ?? ""]);
    clock.advance(120_000);
    expect(group.members[0]).toMatchObject({
      instanceId: victim,
      lifecycleState: "InService",
      healthStatus: "Unhealthy",
    });
    expect(group.members).toHaveLength(3);
    fleet.resumeProcesses("web", ["ReplaceUnhealthy"]);
    clock.advance(120_000);
    expect(group.members.map((m) => m.instanceId)).not.toContain(victim);
    expect(recoveries(fleet)[0]?.wholeAt).not.toBeNull();
  });

  it("keeps zones balanced and tags instances like a real group", () => {
    const { fleet } = setup();
    const group = fleet.createGroup(spec({ desiredCapacity: 5 }), { warm: true });
    expect(group.members.map((m) => m.availabilityZone)).toEqual(["a", "b", "c", "a", "b"]);
    const instance = fleet.instances.get(group.members[0]?.instanceId ?? "");
    expect(instance?.tags).toEqual([
      { key: "aws:autoscaling:groupName", value: "web" },
      { key: "team", value: "x" },
    ]);
  });

  it("scales in from the fullest zone", () => {
    const { clock, fleet } = setup();
    const group = fleet.createGroup(spec({ desiredCapacity: 4 }), { warm: true });
    fleet.setDesiredCapacity("web", 3);
    clock.advance(60_000);
    expect(group.members.map((m) => m.availabilityZone).sort()).toEqual(["a", "b", "c"]);
  });

  it("keeps instance ids unique even with a pinned random source", () => {
    const { fleet } = setup(() => 0.25);
    const group = fleet.createGroup(spec({ desiredCapacity: 6 }), { warm: true });
    const ids = group.members.map((m) => m.instanceId);
    expect(new Set(ids).size).toBe(6);
    for (const id of ids) expect(id).toMatch(/^i-[0-9a-f]{17}$/);
  });

  it("retries failed launches after a back-off, and launches once the fault clears", () => {
    const { clock, fleet } = setup();
    const group = fleet.createGroup(spec({ desiredCapacity: 1 }), { warm: true });
    fleet.setFaults("web", { launchFailures: true });
    fleet.terminateInGroup(group.members[0]?.instanceId ?? "", false);
    clock.advance(25_000);
    const failed = group.activities.filter((a) => a.statusCode === "Failed");
    expect(failed).toHaveLength(3); // at 1 s, 12 s and 23 s
    expect(group.members).toEqual([]);
    fleet.setFaults("web", { launchFailures: false });
    clock.advance(60_000);
    expect(group.members.map((m) => `${m.lifecycleState}/${m.healthStatus}`)).toEqual([
      "InService/Healthy",
    ]);
  });
});
