import {
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
  DescribeScalingActivitiesCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeGroup, inServiceHealthy, startHarness, waitForSim } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h.close());

const tagsOf = async (instanceId: string) => {
  const out = await h.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return out.Reservations?.[0]?.Instances?.[0]?.Tags ?? [];
};

describe("managing groups through the Auto Scaling API", () => {
  it("creates a group that launches its instances through scaling activities", async () => {
    await h.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: "made",
        MinSize: 1,
        MaxSize: 4,
        DesiredCapacity: 2,
        AvailabilityZones: ["us-east-1a", "us-east-1b"],
        HealthCheckGracePeriod: 60,
        LaunchTemplate: { LaunchTemplateName: "made-lt", Version: "$Latest" },
        Tags: [
          { Key: "macaque:enabled", Value: "true", PropagateAtLaunch: true },
          { Key: "cost-centre", Value: "42", PropagateAtLaunch: false },
        ],
      }),
    );
    const launching = await describeGroup(h, "made");
    expect(launching).toMatchObject({
      MinSize: 1,
      MaxSize: 4,
      DesiredCapacity: 2,
      HealthCheckGracePeriod: 60,
      LaunchTemplate: { LaunchTemplateName: "made-lt", Version: "$Latest" },
    });
    expect(launching.Instances?.map((i) => i.LifecycleState)).toEqual(["Pending", "Pending"]);
    const activities = await h.autoscaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: "made" }),
    );
    expect(activities.Activities?.map((a) => a.StatusCode)).toEqual(["InProgress", "InProgress"]);
    expect(activities.Activities?.[0]?.Cause).toContain("increasing the capacity from 0 to 2");

    const ready = await waitForSim(
      "two InService Healthy instances",
      () => describeGroup(h, "made"),
      (g) => inServiceHealthy(g) === 2,
    );
    const tags = await tagsOf(ready.Instances?.[0]?.InstanceId ?? "");
    expect(tags).toContainEqual({ Key: "macaque:enabled", Value: "true" });
    expect(tags).toContainEqual({ Key: "aws:autoscaling:groupName", Value: "made" });
    expect(tags.some((t) => t.Key === "cost-centre")).toBe(false);
  });

  it("refuses a second group of the same name with AlreadyExistsFault", async () => {
    await expect(
      h.autoscaling.send(
        new CreateAutoScalingGroupCommand({ AutoScalingGroupName: "made", MinSize: 0, MaxSize: 1 }),
      ),
    ).rejects.toMatchObject({ name: "AlreadyExistsFault" });
  });

  it("drags the desired capacity along when MinSize rises above it", async () => {
    await h.autoscaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: "made", MinSize: 3 }),
    );
    const group = await waitForSim(
      "three InService Healthy instances",
      () => describeGroup(h, "made"),
      (g) => inServiceHealthy(g) === 3,
    );
    expect(group).toMatchObject({ MinSize: 3, DesiredCapacity: 3 });
  });

  it("adds tags that only new instances carry", async () => {
    const before = (await describeGroup(h, "made")).Instances?.map((i) => i.InstanceId ?? "") ?? [];
    await h.autoscaling.send(
      new CreateOrUpdateTagsCommand({
        Tags: [
          {
            ResourceId: "made",
            ResourceType: "auto-scaling-group",
            Key: "wave",
            Value: "2",
            PropagateAtLaunch: true,
          },
        ],
      }),
    );
    expect((await describeGroup(h, "made")).Tags).toContainEqual(
      expect.objectContaining({ Key: "wave", Value: "2", PropagateAtLaunch: true }),
    );
    await h.autoscaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: "made", DesiredCapacity: 4 }),
    );
    const grown = await waitForSim(
      "four InService Healthy instances",
      () => describeGroup(h, "made"),
      (g) => inServiceHealthy(g) === 4,
    );
    const added = grown.Instances?.find((i) => !before.includes(i.InstanceId ?? ""));
    expect(await tagsOf(added?.InstanceId ?? "")).toContainEqual({ Key: "wave", Value: "2" });
    expect(await tagsOf(before[0] ?? "")).not.toContainEqual({ Key: "wave", Value: "2" });
  });

  it("refuses tags for an unknown group", async () => {
    await expect(
      h.autoscaling.send(
        new CreateOrUpdateTagsCommand({
          Tags: [{ ResourceId: "ghost", ResourceType: "auto-scaling-group", Key: "k", Value: "v" }],
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationError" });
  });
});
