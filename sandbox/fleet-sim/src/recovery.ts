/**
 * Ground truth for recovery measurement. A recovery opens when an instance of a whole
 * group is terminated and closes when the group is whole again: no terminated instance
 * left in it and InService+Healthy back at the desired capacity.
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

function openRecovery(group: Group): Recovery | undefined {
  const last = group.recoveries.at(-1);
  return last && last.wholeAt === null ? last : undefined;
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
    lostInstanceIds: [instanceId],
    replacementInstanceIds: [],
  });
}

export function noteLaunch(group: Group, instanceId: string): void {
  openRecovery(group)?.replacementInstanceIds.push(instanceId);
}

export function trackRecovery(group: Group, instanceOf: InstanceLookup, at: number): void {
  const open = openRecovery(group);
  if (open && isWhole(group, instanceOf)) open.wholeAt = at;
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
