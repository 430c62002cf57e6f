import {
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.control.createGroup({ name: "web", desiredCapacity: 2, minSize: 1, maxSize: 3 });
});

afterAll(() => h.close());

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error("expected the call to fail");
  return err as unknown as Record<string, unknown>;
}

describe("Auto Scaling errors", () => {
  it.each([
    [
      "SetDesiredCapacity",
      new SetDesiredCapacityCommand({ AutoScalingGroupName: "nope", DesiredCapacity: 1 }),
    ],
    [
      "UpdateAutoScalingGroup",
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: "nope", MaxSize: 4 }),
    ],
    [
      "TerminateInstanceInAutoScalingGroup",
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: "i-0123456789abcdef0",
        ShouldDecrementDesiredCapacity: false,
      }),
    ],
  ])("%s on an unknown group or instance raises ValidationError", async (_action, command) => {
    const err = await rejection(h.autoscaling.send(command as SetDesiredCapacityCommand));
    expect(err).toMatchObject({
      name: "ValidationError",
      Code: "ValidationError",
      $fault: "client",
    });
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
  });

  it("refuses a desired capacity outside min..max", async () => {
    const err = await rejection(
      h.autoscaling.send(
        new SetDesiredCapacityCommand({ AutoScalingGroupName: "web", DesiredCapacity: 4 }),
      ),
    );
    expect(err).toMatchObject({
      name: "ValidationError",
      message: "New SetDesiredCapacity value 4 is above max value 3 for the AutoScalingGroup.",
    });
  });

  it("names a bad parameter", async () => {
    const err = await rejection(
      h.autoscaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 500 })),
    );
    expect(err).toMatchObject({ name: "ValidationError" });
    expect(err.message).toContain("MaxRecords");
  });

  it("answers an unknown action with InvalidAction", async () => {
    const response = await fetch(h.sim.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=LaunchMissiles&Version=2011-01-01",
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain("<Code>InvalidAction</Code>");
    expect(text).toContain(
      '<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">',
    );
  });
});

describe("EC2 errors", () => {
  it("raises InvalidInstanceID.NotFound for an unknown id", async () => {
    const err = await rejection(
      h.ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] })),
    );
    expect(err).toMatchObject({
      name: "InvalidInstanceID.NotFound",
      Code: "InvalidInstanceID.NotFound",
    });
    expect(err.message).toBe("The instance ID 'i-0123456789abcdef0' does not exist");
  });

  it("raises InvalidInstanceID.Malformed for an id that is not an instance id", async () => {
    const err = await rejection(
      h.ec2.send(new TerminateInstancesCommand({ InstanceIds: ["web-1"] })),
    );
    expect(err).toMatchObject({ name: "InvalidInstanceID.Malformed" });
  });

  it("rejects an unknown filter", async () => {
    const err = await rejection(
      h.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "flavour", Values: ["x"] }] })),
    );
    expect(err).toMatchObject({ name: "InvalidParameterValue" });
  });

  it("answers an unknown action with InvalidAction in EC2's shape", async () => {
    const response = await fetch(h.sim.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=RunInstances&Version=2016-11-15",
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/<Response><Errors><Error><Code>InvalidAction<\/Code>/);
  });
});
