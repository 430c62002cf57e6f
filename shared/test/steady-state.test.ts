import { describe, expect, it } from "vitest";
import { groupRefusals, type GroupState, type InstanceState } from "../src/steady-state.ts";

const instance = (id: number, over: Partial<InstanceState> = {}): InstanceState => ({
  instanceId: `i-${id}`,
  availabilityZone: "us-east-1a",
  lifecycleState: "InService",
  healthStatus: "Healthy",
  tags: {},
  ...over,
});

const group = (over: Partial<GroupState> = {}): GroupState => ({
  name: "web",
  desiredCapacity: 2,
  minSize: 1,
  maxSize: 4,
  tags: { "macaque:enabled": "true" },
  suspendedProcesses: [],
  instances: [instance(1), instance(2)],
  activitiesInProgress: [],
  ...over,
});

const optIn = { key: "macaque:enabled", value: "true" };
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
      "a scaling activity in progress",
      { activitiesInProgress: [{ id: "a", description: "Launching", statusCode: "InProgress" }] },
      ["scaling-activity-in-progress"],
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
