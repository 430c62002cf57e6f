import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  paginateDescribeAutoScalingGroups,
} from "@aws-sdk/client-auto-scaling";
import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  paginateDescribeInstances,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeGroup, startHarness } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.control.createGroup({
    name: "web",
    desiredCapacity: 3,
    tags: { "macaque:enabled": "true", team: "a" },
  });
  await h.control.createGroup({ name: "api", desiredCapacity: 2, tags: { team: "b" } });
  await h.control.createGroup({
    name: "batch",
    desiredCapacity: 1,
    availabilityZones: ["eu-west-1a"],
  });
});

afterAll(() => h.close());

describe("DescribeAutoScalingGroups", () => {
  it("describes a group by name with its instances, tags and sizes", async () => {
    const group = await describeGroup(h, "web");
    expect(group).toMatchObject({
      AutoScalingGroupName: "web",
      MinSize: 0,
      MaxSize: 6,
      DesiredCapacity: 3,
      HealthCheckType: "EC2",
      AvailabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
      SuspendedProcesses: [],
    });
    expect(group.CreatedTime).toBeInstanceOf(Date);
    expect(group.Tags).toContainEqual({
      ResourceId: "web",
      ResourceType: "auto-scaling-group",
      Key: "team",
      Value: "a",
      PropagateAtLaunch: true,
    });
    expect(group.Instances).toHaveLength(3);
    for (const instance of group.Instances ?? []) {
      expect(instance).toMatchObject({
        InstanceType: "t3.micro",
        LifecycleState: "InService",
        HealthStatus: "Healthy",
        ProtectedFromScaleIn: false,
        LaunchTemplate: { LaunchTemplateName: "web-template", Version: "$Default" },
      });
      expect(instance.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
    }
  });

  it("spreads instances evenly across the group's zones", async () => {
    const group = await describeGroup(h, "web");
    const zones = (group.Instances ?? []).map((i) => i.AvailabilityZone).sort();
    expect(zones).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
  });

  it("leaves out unknown names instead of failing", async () => {
    const out = await h.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["web", "no-such-group"] }),
    );
    expect(out.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(["web"]);
  });

  it.each([
    [[{ Name: "tag-key", Values: ["macaque:enabled"] }], ["web"]],
    [[{ Name: "tag-value", Values: ["b"] }], ["api"]],
    [[{ Name: "tag:team", Values: ["a", "b"] }], ["api", "web"]],
    [
      [
        { Name: "tag:team", Values: ["a", "b"] },
        { Name: "tag-key", Values: ["macaque:enabled"] },
      ],
      ["web"],
    ],
    [[{ Name: "auto-scaling-group", Values: ["batch"] }], ["batch"]],
  ])("filters groups by %j", async (Filters, expected) => {
    const out = await h.autoscaling.send(new DescribeAutoScalingGroupsCommand({ Filters }));
    expect(out.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(expected);
  });

  it("pages through groups with MaxRecords and NextToken", async () => {
    const first = await h.autoscaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 2 }));
    expect(first.AutoScalingGroups).toHaveLength(2);
    expect(first.NextToken).toBeTruthy();
    const names: string[] = [];
    for await (const page of paginateDescribeAutoScalingGroups(
      { client: h.autoscaling, pageSize: 1 },
      {},
    )) {
      names.push(...(page.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName ?? ""));
    }
    expect(names).toEqual(["api", "batch", "web"]);
  });
});

describe("DescribeAutoScalingInstances", () => {
  it("lists instances with their group, and pages", async () => {
    const all = await h.autoscaling.send(new DescribeAutoScalingInstancesCommand({}));
    expect(all.AutoScalingInstances).toHaveLength(6);
    const page = await h.autoscaling.send(
      new DescribeAutoScalingInstancesCommand({ MaxRecords: 4 }),
    );
    expect(page.AutoScalingInstances).toHaveLength(4);
    const rest = await h.autoscaling.send(
      new DescribeAutoScalingInstancesCommand({ MaxRecords: 4, NextToken: page.NextToken }),
    );
    expect(rest.AutoScalingInstances).toHaveLength(2);
    expect(rest.NextToken).toBeUndefined();
    const id = all.AutoScalingInstances?.find(
      (i) => i.AutoScalingGroupName === "batch",
    )?.InstanceId;
    const one = await h.autoscaling.send(
      new DescribeAutoScalingInstancesCommand({ InstanceIds: [id ?? ""] }),
    );
    expect(one.AutoScalingInstances).toMatchObject([
      { InstanceId: id, AutoScalingGroupName: "batch", AvailabilityZone: "eu-west-1a" },
    ]);
  });
});

describe("DescribeInstances", () => {
  it("reports instances with state, placement, tags, type, launch time and private IP", async () => {
    const group = await describeGroup(h, "web");
    const id = group.Instances?.[0]?.InstanceId ?? "";
    const out = await h.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const instance = out.Reservations?.[0]?.Instances?.[0];
    expect(instance).toMatchObject({
      InstanceId: id,
      InstanceType: "t3.micro",
      State: { Code: 16, Name: "running" },
      Placement: { AvailabilityZone: group.Instances?.[0]?.AvailabilityZone },
    });
    expect(instance?.LaunchTime).toBeInstanceOf(Date);
    expect(instance?.PrivateIpAddress).toMatch(/^10\.0\.\d+\.\d+$/);
    expect(instance?.Tags).toEqual(
      expect.arrayContaining([
        { Key: "aws:autoscaling:groupName", Value: "web" },
        { Key: "team", Value: "a" },
        { Key: "macaque:enabled", Value: "true" },
      ]),
    );
  });

  it.each([
    [[{ Name: "tag:aws:autoscaling:groupName", Values: ["web"] }], 3],
    [[{ Name: "tag:team", Values: ["*"] }], 5],
    [[{ Name: "tag-key", Values: ["macaque:*"] }], 3],
    [[{ Name: "instance-state-name", Values: ["running"] }], 6],
    [[{ Name: "instance-state-name", Values: ["terminated"] }], 0],
  ])("filters instances by %j", async (Filters, count) => {
    const out = await h.ec2.send(new DescribeInstancesCommand({ Filters }));
    expect(out.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(count);
  });

  it("filters by instance-id", async () => {
    const group = await describeGroup(h, "api");
    const ids = (group.Instances ?? []).map((i) => i.InstanceId ?? "");
    const out = await h.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: ids }] }),
    );
    const found = out.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId);
    expect(found?.sort()).toEqual([...ids].sort());
  });

  it("pages with MaxResults and NextToken", async () => {
    const ids: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstances({ client: h.ec2, pageSize: 5 }, {})) {
      pages += 1;
      ids.push(
        ...(page.Reservations ?? [])
          .flatMap((r) => r.Instances ?? [])
          .map((i) => i.InstanceId ?? ""),
      );
    }
    expect(pages).toBe(2);
    expect(new Set(ids).size).toBe(6);
  });

  it("reports instance status for running instances", async () => {
    const out = await h.ec2.send(new DescribeInstanceStatusCommand({}));
    expect(out.InstanceStatuses).toHaveLength(6);
    expect(out.InstanceStatuses?.[0]).toMatchObject({
      InstanceState: { Code: 16, Name: "running" },
      InstanceStatus: { Status: "ok" },
      SystemStatus: { Status: "ok" },
    });
  });
});
