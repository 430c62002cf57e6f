import {
  DescribeAutoScalingGroupsCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { FleetSimControlError } from "@macaque/fleet-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerOf } from "../src/counters.ts";
import { describeGroup, startHarness } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h.close());

const post = (path: string, body: string): Promise<Response> =>
  fetch(`${h.sim.url}/_sim/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });

describe("control endpoint", () => {
  it("answers the health check", async () => {
    const response = await fetch(`${h.sim.url}/_sim/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("creates a group already InService and Healthy, with defaults", async () => {
    const group = await h.control.createGroup({
      name: "fresh",
      desiredCapacity: 2,
      suspendedProcesses: ["AZRebalance"],
    });
    expect(group).toMatchObject({
      name: "fresh",
      minSize: 0,
      maxSize: 4,
      desiredCapacity: 2,
      availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
      instanceType: "t3.micro",
      suspendedProcesses: ["AZRebalance"],
      faults: { launchFailures: false, neverHealthy: false, throttleRate: 0 },
    });
    expect(group.instances).toHaveLength(2);
    for (const instance of group.instances) {
      expect(instance).toMatchObject({
        lifecycleState: "InService",
        healthStatus: "Healthy",
        ec2State: "running",
      });
    }
    expect((await describeGroup(h, "fresh")).SuspendedProcesses).toMatchObject([
      { ProcessName: "AZRebalance" },
    ]);
  });

  it.each([
    ['{"desiredCapacity":2}', "name"],
    ['{"name":"x","desiredCapacity":"two"}', "desiredCapacity"],
    ['{"name":"x","desiredCapacity":-1}', "desiredCapacity"],
    ['{"name":"x","desiredCapacity":3,"maxSize":2}', "maxSize"],
    ['{"name":"x","desiredCapacity":1,"availabilityZones":[]}', "availabilityZones"],
    ['{"name":"x","desiredCapacity":1,"suspendedProcesses":["Nap"]}', "suspendedProcesses.0"],
    ['{"name":"x","desiredCapacity":1,"colour":"red"}', "colour"],
    [
      '{"name":"x","desiredCapacity":1,"targetGroups":[{"name":"t","healthCheckIntervalSeconds":1}]}',
      "targetGroups.0.healthCheckIntervalSeconds",
    ],
    [
      '{"name":"x","desiredCapacity":1,"targetGroups":[{"name":"t"},{"name":"t"}]}',
      "targetGroups.1.name",
    ],
    ["not json", "JSON"],
  ])("rejects %s with 400 naming %s", async (body, field) => {
    const response = await post("groups", body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: string };
    expect(error).toContain(field);
  });

  it("refuses a target group name already taken with 409", async () => {
    await h.control.createGroup({
      name: "lb-a",
      desiredCapacity: 1,
      targetGroups: [{ name: "shared" }],
    });
    const err: unknown = await h.control
      .createGroup({ name: "lb-b", desiredCapacity: 1, targetGroups: [{ name: "shared" }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 409, message: expect.stringContaining("shared") });
    expect((await h.control.group("lb-a")).targetGroups).toMatchObject([
      {
        name: "shared",
        port: 80,
        healthCheckIntervalSeconds: 30,
        healthyThresholdCount: 5,
        deregistrationDelaySeconds: 300,
      },
    ]);
  });

  it("refuses a second group of the same name with 409", async () => {
    await h.control.createGroup({ name: "twice", desiredCapacity: 1 });
    const err: unknown = await h.control
      .createGroup({ name: "twice", desiredCapacity: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetSimControlError);
    expect(err).toMatchObject({ status: 409 });
  });

  it("validates faults, naming the field", async () => {
    await h.control.createGroup({ name: "faulty", desiredCapacity: 1 });
    const err: unknown = await h.control
      .setFaults("faulty", { throttleRate: 2 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, message: expect.stringContaining("throttleRate") });
    expect(await h.control.setFaults("faulty", { neverHealthy: true })).toEqual({
      launchFailures: false,
      neverHealthy: true,
      neverServing: false,
      throttleRate: 0,
    });
  });

  it("changes a group's launch timing from now on, validating it", async () => {
    await h.control.createGroup({ name: "slowing", desiredCapacity: 1, bootSeconds: 30 });
    expect(await h.control.setTiming("slowing", { bootSeconds: 300 })).toEqual({
      bootSeconds: 300,
      healthySeconds: 5,
      healthCheckDelaySeconds: 10,
    });
    const err: unknown = await h.control
      .setTiming("slowing", { bootSeconds: -1 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, message: expect.stringContaining("bootSeconds") });
  });

  it("answers 404 for an unknown group or route", async () => {
    await expect(h.control.timeline("ghost")).rejects.toMatchObject({ status: 404 });
    expect((await fetch(`${h.sim.url}/_sim/nothing`)).status).toBe(404);
  });

  it("counts API calls per action and resets the counters", async () => {
    await h.control.resetCounters();
    await h.autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    await h.autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect(await h.control.counters()).toEqual({
      calls: { DescribeAutoScalingGroups: 2 },
      byCaller: { unknown: { DescribeAutoScalingGroups: 2 } },
      throttled: {},
      terminateCalls: [],
    });
    await h.control.resetCounters();
    expect(await h.control.counters()).toEqual({
      calls: {},
      byCaller: {},
      throttled: {},
      terminateCalls: [],
    });
  });

  it("records when each terminate call arrived", async () => {
    const group = await h.control.createGroup({ name: "terminate-record", desiredCapacity: 2 });
    await h.control.resetCounters();
    const before = Date.now();
    await h.autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: group.instances[0]!.instanceId,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    const after = Date.now();
    const [call, ...more] = (await h.control.counters()).terminateCalls;
    expect(more).toEqual([]);
    expect(call!.action).toBe("TerminateInstanceInAutoScalingGroup");
    expect(Date.parse(call!.at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(call!.at)).toBeLessThanOrEqual(after);
  });

  it("deletes one group, then everything", async () => {
    await h.control.createGroup({ name: "doomed", desiredCapacity: 1 });
    await h.control.deleteGroup("doomed");
    await expect(h.control.group("doomed")).rejects.toMatchObject({ status: 404 });
    await h.control.reset();
    const out = await h.autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect(out.AutoScalingGroups).toEqual([]);
  });
});

describe("the caller of a call", () => {
  it.each([
    [
      "aws-sdk-js/3.1169.0 ua/2.1 os/linux lang/js md/nodejs#24 app/macaque-producer",
      "macaque-producer",
    ],
    ["macaque-ec2-query app/macaque-terminator", "macaque-terminator"],
    ["aws-sdk-js/3.1169.0 ua/2.1 os/linux", undefined],
    [undefined, undefined],
  ])("is the app id in the user agent %s", (userAgent, caller) => {
    expect(callerOf(userAgent)).toBe(caller);
  });
});
