import type { GroupState, InstanceState } from "@macaque/shared";
import type { GuardrailPolicy } from "../src/guardrails.ts";

/** A steady, opted-in group of `n` instances spread over two zones. */
export function steadyGroup(n: number, changes: Partial<GroupState> = {}): GroupState {
  const instances = Array.from({ length: n }, (_, i) => instance(i));
  return {
    name: "web",
    desiredCapacity: n,
    minSize: 1,
    maxSize: n * 2,
    tags: { "macaque:enabled": "true" },
    suspendedProcesses: [],
    instances,
    ...changes,
  };
}

export function instance(i: number, changes: Partial<InstanceState> = {}): InstanceState {
  return {
    instanceId: `i-${(0xa000 + i).toString(16).padStart(17, "0")}`,
    availabilityZone: i % 2 === 0 ? "us-east-1a" : "us-east-1b",
    lifecycleState: "InService",
    healthStatus: "Healthy",
    tags: { Name: `web-${i}` },
    ...changes,
  };
}

export const policy: GuardrailPolicy = {
  optInTag: { key: "macaque:enabled", value: "true" },
  excludeTag: { key: "macaque:exclude", value: "true" },
  maxInstancesPerExperiment: 10,
  maxPercentOfGroup: 50,
  minInServiceAfter: 1,
  minMinutesBetweenExperiments: 60,
};
