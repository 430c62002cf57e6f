/** Making a group: its initial state, its warm start, and the rules its sizes obey. */
import { finishActivity, startActivity } from "./activities.ts";
import { SimError } from "./errors.ts";
import type { FleetContext } from "./fleet-context.ts";
import { iso } from "./fleet-context.ts";
import { createInstance, newMember } from "./instances.ts";
import type { GroupSpec } from "./fleet.ts";
import type { Group } from "./model.ts";
import { SCALING_PROCESSES } from "./model.ts";
import { recordEvent } from "./recovery.ts";

const ACCOUNT_ID = "123456789012";

export function newGroup(ctx: FleetContext, spec: GroupSpec): Group {
  return {
    name: spec.name,
    arn: `arn:aws:autoscaling:us-east-1:${ACCOUNT_ID}:autoScalingGroup:${ctx.ids.uuid()}:autoScalingGroupName/${spec.name}`,
    createdTime: ctx.now(),
    minSize: spec.minSize,
    maxSize: spec.maxSize,
    desiredCapacity: spec.desiredCapacity,
    availabilityZones: [...spec.availabilityZones],
    tags: spec.tags.map((t) => ({ ...t })),
    instanceType: spec.instanceType,
    imageId: `ami-${ctx.ids.hex(17)}`,
    launchTemplate: spec.launchTemplate,
    launchConfigurationName: spec.launchConfigurationName,
    healthCheckGracePeriod: spec.healthCheckGracePeriod,
    suspended: new Map(),
    timing: { ...spec.timing },
    faults: { launchFailures: false, neverHealthy: false, neverServing: false, throttleRate: 0 },
    members: [],
    activities: [],
    timeline: [],
    recoveries: [],
    targetGroups: [],
    failingLaunches: 0,
    launchBackoff: false,
  };
}

export function warmUp(ctx: FleetContext, group: Group): void {
  for (let i = 0; i < group.desiredCapacity; i++) {
    const instance = createInstance(ctx, group, true);
    group.members.push(newMember(instance, true));
    const activity = startActivity(
      ctx,
      group,
      `Launching a new EC2 instance: ${instance.id}`,
      `At ${iso(ctx.now())} a user request created an AutoScalingGroup changing the desired capacity from 0 to ${group.desiredCapacity}.`,
    );
    finishActivity(ctx, activity, "Successful");
    recordEvent(
      group,
      ctx.now(),
      instance.id,
      "InService",
      `created with the group in ${instance.availabilityZone}`,
    );
    recordEvent(group, ctx.now(), instance.id, "Healthy", "created with the group");
  }
}

export function checkSizes(minSize: number, maxSize: number, desired: number): void {
  if (minSize > maxSize) {
    throw new SimError(
      "ValidationError",
      `Max bound, ${maxSize}, must be greater than or equal to min bound, ${minSize}`,
    );
  }
  if (desired < minSize || desired > maxSize) {
    throw new SimError(
      "ValidationError",
      `Desired capacity:${desired} must be between the specified min size:${minSize} and max size:${maxSize}`,
    );
  }
}

export function checkProcesses(processes: string[]): string[] {
  const known: readonly string[] = SCALING_PROCESSES;
  const unknown = processes.filter((p) => !known.includes(p));
  if (unknown.length) {
    throw new SimError(
      "ValidationError",
      `Invalid processes: ${unknown.join(", ")}. Valid processes are ${known.join(", ")}.`,
    );
  }
  return processes;
}

export const suspensionReason = (at: number): string => `User suspended at ${iso(at)}`;
