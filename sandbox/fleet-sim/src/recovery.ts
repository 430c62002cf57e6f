/**
 * Ground truth for recovery measurement. A recovery opens when an instance of a whole
 * group is terminated and closes when the group is whole again: no terminated instance
 * left in it and InService+Healthy back at the desired capacity. A group behind target
 * groups must also be serving again (see isServing) before the recovery closes.
 */
import type { Ec2Instance, Group, Recovery } from "./model.ts";

type InstanceLookup = (id: string) => Ec2Instance | undefined;

export function isWhole(group: Group, instanceOf: InstanceLookup): boolean {
  let serving = 0;
  for (const member of group.members) {
    const state = instanceOf(member.instanceId)?.state;
    if (state === "shutting-down" || state === "terminated") return false;
    if (member.lifecycleState === "Terminating") return false;
    if (
      member.lifecycleState === "InService" &&
      member.healthStatus === "Healthy" &&
      state === "running"
    ) {
      serving += 1;
    }
  }
  return serving === group.desiredCapacity;
}

/**
 * Serving: the desired capacity is InService and every InService instance is healthy in
 * every target group, and no lost instance is still registered other than draining (a
 * load balancer would still send it traffic).
 */
export function isServing(group: Group, lostInstanceIds: readonly string[]): boolean {
  if (group.targetGroups.length === 0) return false;
  const inService = group.members.filter((m) => m.lifecycleState === "InService");
  if (inService.length !== group.desiredCapacity) return false;
  return group.targetGroups.every(
    (tg) =>
      inService.every((m) =>
        tg.targets.some((t) => t.id === m.instanceId && t.state === "healthy"),
      ) && !tg.targets.some((t) => lostInstanceIds.includes(t.id) && t.state !== "draining"),
  );
}

function openRecovery(group: Group): Recovery | undefined {
  const last = group.recoveries.at(-1);
  if (!last) return undefined;
  const serving = group.targetGroups.length === 0 || last.servingAt !== null;
  return last.wholeAt === null || !serving ? last : undefined;
}

/** Call before the termination changes any state: `wasWhole` must describe the group before it. */
export function noteDisruption(
  group: Group,
  instanceId: string,
  at: number,
  wasWhole: boolean,
): void {
  const open = openRecovery(group);
  if (open) {
    if (!open.lostInstanceIds.includes(instanceId)) open.lostInstanceIds.push(instanceId);
    return;
  }
  if (!wasWhole) return;
  group.recoveries.push({
    disruptedAt: at,
    wholeAt: null,
    servingAt: null,
    lostInstanceIds: [instanceId],
    replacementInstanceIds: [],
  });
}

export function noteLaunch(group: Group, instanceId: string): void {
  openRecovery(group)?.replacementInstanceIds.push(instanceId);
}

export function trackRecovery(group: Group, instanceOf: InstanceLookup, at: number): void {
  const open = openRecovery(group);
  if (!open) return;
  if (open.wholeAt === null && isWhole(group, instanceOf)) open.wholeAt = at;
  if (open.servingAt === null && isServing(group, open.lostInstanceIds)) open.servingAt = at;
}

export function recordEvent(
  group: Group,
  at: number,
  instanceId: string | null,
  state: string,
  detail: string,
): void {
  group.timeline.push({ at, instanceId, state, detail });
}
