import type { AutoScalingGroup } from "@aws-sdk/client-auto-scaling";
import type { GroupObservation, InstanceSnapshot } from "@macaque/shared";

/** What a check needs to know about the experiment to read a group. */
export interface ObservedExperiment {
  /** Every instance in the group at plan time: anything else is a replacement. */
  instanceIdsAtPlan: readonly string[];
  /** Instances the terminator actually terminated. */
  terminated: readonly string[];
}

/**
 * Turns the SDK's view of a group into the plain observation a check evaluates and
 * the events carry. Lifecycle states with a hook suffix (`Pending:Wait`,
 * `Terminating:Proceed`) count with their base state.
 */
export function observeGroup(
  group: AutoScalingGroup,
  experiment: ObservedExperiment,
  at: Date,
  /** When the describe was asked for (default `at`). */
  askedAt: Date = at,
): GroupObservation {
  const instances: InstanceSnapshot[] = (group.Instances ?? []).map((i) => ({
    instanceId: i.InstanceId ?? "",
    availabilityZone: i.AvailabilityZone ?? "",
    lifecycleState: i.LifecycleState ?? "",
    healthStatus: i.HealthStatus ?? "",
  }));
  const atPlan = new Set(experiment.instanceIdsAtPlan);
  const terminated = new Set(experiment.terminated);
  const inService = instances.filter((i) => i.lifecycleState === "InService");
  return {
    at: at.toISOString(),
    askedAt: askedAt.toISOString(),
    desiredCapacity: group.DesiredCapacity ?? 0,
    inService: inService.length,
    inServiceHealthy: inService.filter((i) => i.healthStatus === "Healthy").length,
    pending: instances.filter((i) => i.lifecycleState.startsWith("Pending")).length,
    terminating: instances.filter((i) => i.lifecycleState.startsWith("Terminating")).length,
    victimsStillInService: inService
      .filter((i) => terminated.has(i.instanceId))
      .map((i) => i.instanceId),
    replacements: instances.filter((i) => !atPlan.has(i.instanceId)).map((i) => i.instanceId),
    instances,
  };
}
