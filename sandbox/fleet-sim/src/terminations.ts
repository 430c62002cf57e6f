/**
 * The two ways a chaos monkey kills an instance: through Auto Scaling (the group knows
 * at once) and through EC2 (the group finds out at its next health check).
 */
import { SimError } from "./errors.ts";
import type { FleetContext } from "./fleet-context.ts";
import { iso } from "./fleet-context.ts";
import { shutDown } from "./instances.ts";
import { reconcile, startTermination } from "./lifecycle.ts";
import type { Activity, Ec2StateName, Group, Member } from "./model.ts";
import { isWhole, noteDisruption } from "./recovery.ts";

export interface TerminationChange {
  instanceId: string;
  previous: Ec2StateName;
  current: Ec2StateName;
}

export function terminateInGroup(
  ctx: FleetContext,
  instanceId: string,
  decrementDesired: boolean,
): Activity {
  const { group, member } = findMember(ctx, instanceId);
  if (member.lifecycleState === "Terminating") {
    throw new SimError("ValidationError", `Instance ${instanceId} is already terminating.`);
  }
  const before = group.desiredCapacity;
  if (decrementDesired && before - 1 < group.minSize) {
    throw new SimError(
      "ValidationError",
      `Currently, desiredSize equals minSize (${group.minSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
    );
  }
  const at = ctx.now();
  noteDisruption(
    group,
    instanceId,
    at,
    isWhole(group, (id) => ctx.instances.get(id)),
  );
  if (decrementDesired) group.desiredCapacity = before - 1;
  const shrink = decrementDesired ? `, shrinking the capacity from ${before} to ${before - 1}` : "";
  const activity = startTermination(
    ctx,
    group,
    member,
    `At ${iso(at)} instance ${instanceId} was taken out of service in response to a user request${shrink}.`,
  );
  reconcile(ctx, group);
  return activity;
}

/** Unknown ids are skipped: the EC2 API rejects them before calling this. */
export function terminateInstances(ctx: FleetContext, instanceIds: string[]): TerminationChange[] {
  return instanceIds.flatMap((id) => {
    const instance = ctx.instances.get(id);
    if (!instance) return [];
    const previous = instance.state;
    const group = instance.groupName === undefined ? undefined : ctx.groups.get(instance.groupName);
    const member = group?.members.find((m) => m.instanceId === id);
    if (group && member && (previous === "pending" || previous === "running")) {
      noteLoss(ctx, group, member);
    }
    shutDown(ctx, instance, "EC2 TerminateInstances", () => {
      if (group) reconcile(ctx, group);
    });
    if (group) reconcile(ctx, group);
    return [{ instanceId: id, previous, current: instance.state }];
  });
}

/** EC2 stopped a group's instance; its health check notices only after a delay. */
function noteLoss(ctx: FleetContext, group: Group, member: Member): void {
  noteDisruption(
    group,
    member.instanceId,
    ctx.now(),
    isWhole(group, (id) => ctx.instances.get(id)),
  );
  if (member.lifecycleState === "Terminating") return;
  member.lostAt = ctx.now();
  ctx.scheduler.after(group.name, group.timing.healthCheckDelayMs, () => {
    member.lossDue = true;
    reconcile(ctx, group);
  });
}

function findMember(ctx: FleetContext, instanceId: string): { group: Group; member: Member } {
  for (const group of ctx.groups.values()) {
    const member = group.members.find((m) => m.instanceId === instanceId);
    if (member) return { group, member };
  }
  throw new SimError(
    "ValidationError",
    `Instance Id not found - No managed instance found for instance ID: ${instanceId}`,
  );
}
