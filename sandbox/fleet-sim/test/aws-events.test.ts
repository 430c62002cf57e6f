import { describe, expect, it } from "vitest";
import { groupSpec, manualFleet } from "./manual-fleet.ts";

describe("AWS's own events", () => {
  it("announces a replacement's launch and a victim's termination as Auto Scaling does", () => {
    const { clock, fleet, events } = manualFleet();
    const group = fleet.createGroup(groupSpec(), { warm: true });
    const victim = group.members[0]!.instanceId;
    const original = new Set(group.members.map((m) => m.instanceId));
    fleet.terminateInGroup(victim, false);
    clock.advance(120_000);

    const types = events.map((e) => `${e.source} ${e["detail-type"]}`);
    expect(types).toContain("aws.autoscaling EC2 Instance Terminate Successful");
    expect(types).toContain("aws.autoscaling EC2 Instance Launch Successful");
    expect(types).toContain("aws.ec2 EC2 Instance State-change Notification");

    const launch = events.find((e) => e["detail-type"] === "EC2 Instance Launch Successful")!;
    const replacement = group.members.find((m) => !original.has(m.instanceId));
    expect(replacement).toBeDefined();
    expect(launch.detail).toMatchObject({
      StatusCode: "Successful",
      AutoScalingGroupName: "web",
      EC2InstanceId: replacement!.instanceId,
    });
    // The launch ends when the instance is InService: EndTime is that moment, to the millisecond.
    const inService = group.timeline.find(
      (e) => e.instanceId === replacement!.instanceId && e.state === "InService",
    )!;
    expect(launch.detail.EndTime).toBe(new Date(inService.at).toISOString());
    // EventBridge's `time` has whole seconds.
    expect(launch.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(launch.resources).toEqual([
      group.arn,
      `arn:aws:ec2:us-east-1:123456789012:instance/${replacement!.instanceId}`,
    ]);

    const terminate = events.find((e) => e["detail-type"] === "EC2 Instance Terminate Successful")!;
    expect(terminate.detail).toMatchObject({ EC2InstanceId: victim, AutoScalingGroupName: "web" });
    const states = events
      .filter((e) => e.source === "aws.ec2" && e.detail["instance-id"] === victim)
      .map((e) => e.detail.state);
    expect(states).toEqual(["shutting-down", "terminated"]);
  });
});
