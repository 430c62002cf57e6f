import type { GroupState, InstanceState } from "../src/steady-state.ts";

/** Instance `i-<id>`: InService, Healthy, in us-east-1a, untagged. */
export const instanceState = (id: number, over: Partial<InstanceState> = {}): InstanceState => ({
  instanceId: `i-${id}`,
  availabilityZone: "us-east-1a",
  lifecycleState: "InService",
  healthStatus: "Healthy",
  tags: {},
  ...over,
});

/** Group `web`, opted in and steady: 2 of 2 InService and Healthy, nothing suspended. */
export const groupState = (over: Partial<GroupState> = {}): GroupState => ({
  name: "web",
  desiredCapacity: 2,
  minSize: 1,
  maxSize: 4,
  tags: { "macaque:enabled": "true" },
  suspendedProcesses: [],
  instances: [instanceState(1), instanceState(2)],
  ...over,
});

export const optIn = { key: "macaque:enabled", value: "true" };
