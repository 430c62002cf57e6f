import { describe, expect, it } from "vitest";
import { groupState, instanceState, optIn } from "./group-fixtures.ts";
import { groupRefusals, groupStateOf, type GroupState } from "../src/steady-state.ts";

const instance = instanceState;
const group = groupState;
const codes = (g: GroupState) => groupRefusals(g, optIn).map((r) => r.code);

describe("groupRefusals", () => {
  it.each<[string, Partial<GroupState>, string[]]>([
    ["an opted-in steady group", {}, []],
    ["a group without the tag", { tags: {} }, ["not-opted-in"]],
    ["a group tagged false", { tags: { "macaque:enabled": "false" } }, ["not-opted-in"]],
    [
      "a group short of desired capacity, one instance still starting",
      { instances: [instance(1), instance(2, { lifecycleState: "Pending" })] },
      ["not-at-desired-capacity", "instances-in-transition"],
    ],
    [
      "a group with more healthy instances than desired",
      { desiredCapacity: 1 },
      ["not-at-desired-capacity"],
    ],
    [
      "an instance entering standby (a scaling activity under way)",
      { instances: [instance(1), instance(2, { lifecycleState: "EnteringStandby" })] },
      ["not-at-desired-capacity", "instances-in-transition"],
    ],
    ["Launch suspended", { suspendedProcesses: ["Launch", "AZRebalance"] }, ["process-suspended"]],
    ["only a process recovery does not need", { suspendedProcesses: ["AZRebalance"] }, []],
  ])("%s", (_, over, expected) => {
    expect(codes(group(over))).toEqual(expected);
  });

  it("names every suspended process the recovery needs", () => {
    const [reason] = groupRefusals(group({ suspendedProcesses: ["Terminate", "Launch"] }), optIn);
    expect(reason?.message).toContain("the processes Launch, Terminate are suspended");
  });
});

describe("groupStateOf", () => {
  const described = {
    DesiredCapacity: 2,
    MinSize: 1,
    MaxSize: 4,
    Tags: [{ Key: "macaque:enabled", Value: "true" }],
    SuspendedProcesses: [{ ProcessName: "AZRebalance" }],
    Instances: [
      {
        InstanceId: "i-1",
        AvailabilityZone: "us-east-1a",
        LifecycleState: "InService",
        HealthStatus: "Healthy",
      },
      { InstanceId: "i-2" },
    ],
  };

  it("reads Auto Scaling's answer, with each instance's tags where they were read", () => {
    const state = groupStateOf("web", described, (id) =>
      id === "i-1" ? { team: "a" } : undefined,
    );
    expect(state).toMatchObject({
      name: "web",
      desiredCapacity: 2,
      minSize: 1,
      maxSize: 4,
      tags: { "macaque:enabled": "true" },
      suspendedProcesses: ["AZRebalance"],
    });
    expect(state.instances).toEqual([
      {
        instanceId: "i-1",
        availabilityZone: "us-east-1a",
        lifecycleState: "InService",
        healthStatus: "Healthy",
        tags: { team: "a" },
      },
      {
        instanceId: "i-2",
        availabilityZone: "",
        lifecycleState: "",
        healthStatus: "",
        tags: undefined,
      },
    ]);
  });
});
