import { describe, expect, it } from "vitest";
import { NotAFleetEventError, parseFleetEvent } from "../src/fleet-event.ts";

const envelope = (detailType: string, source: string, detail: Record<string, unknown>) =>
  JSON.stringify({
    version: "0",
    id: "12345678-1234-1234-1234-123456789012",
    "detail-type": detailType,
    source,
    account: "123456789012",
    time: "2030-01-01T00:00:07Z",
    region: "us-east-1",
    resources: [],
    detail,
  });

describe("parseFleetEvent", () => {
  it("reads a launch with its group, instance and the activity's end to the millisecond", () => {
    const body = envelope("EC2 Instance Launch Successful", "aws.autoscaling", {
      StatusCode: "Successful",
      AutoScalingGroupName: "web",
      EC2InstanceId: "i-0123456789abcdef0",
      EndTime: "2030-01-01T00:00:07.412Z",
    });
    expect(parseFleetEvent(body)).toEqual({
      kind: "launched",
      group: "web",
      instanceId: "i-0123456789abcdef0",
      at: "2030-01-01T00:00:07.412Z",
    });
  });

  it("reads EC2's state change, which names no group", () => {
    const body = envelope("EC2 Instance State-change Notification", "aws.ec2", {
      "instance-id": "i-1",
      state: "terminated",
    });
    expect(parseFleetEvent(body)).toEqual({
      kind: "state-changed",
      instanceId: "i-1",
      at: "2030-01-01T00:00:07Z",
      state: "terminated",
    });
  });

  it("passes over an event of another kind", () => {
    const body = envelope("EC2 Instance Launch Unsuccessful", "aws.autoscaling", {});
    expect(parseFleetEvent(body)).toBeUndefined();
  });

  it("says what is wrong with a body that is no such event", () => {
    expect(() => parseFleetEvent("{")).toThrow(NotAFleetEventError);
    expect(() => parseFleetEvent(JSON.stringify({ hello: 1 }))).toThrow(/not an EventBridge event/);
    const noGroup = envelope("EC2 Instance Launch Successful", "aws.autoscaling", {
      EC2InstanceId: "i-1",
    });
    expect(() => parseFleetEvent(noGroup)).toThrow(/lacks AutoScalingGroupName/);
  });
});
