/**
 * How an Auto Scaling group heals itself. Every change ends in reconcile(), which
 * compares what the group has with what it wants and acts, the way the real service
 * runs its control loop: detect lost instances, take unhealthy ones out, then launch or
 * terminate toward the desired capacity.
 */
import type { Ids } from "./ids.ts";
import type { Activity, ActivityStatus, Ec2Instance, Group, Member } from "./model.ts";
import { noteLaunch, recordEvent, trackRecovery } from "./recovery.ts";
import type { Scheduler } from "./scheduler.ts";

/** Simulated milliseconds, scaled like every other delay. */
export const SHUTDOWN_MS = 5_000;
export const DEREGISTER_MS = 1_000;
export const LAUNCH_ATTEMPT_MS = 1_000;
export const LAUNCH_RETRY_MS = 10_000;

export interface FleetContext {
  groups: Map<string, Group>;
  instances: Map<string, Ec2Instance>;
  now: () => number;
  random: () => number;
  ids: Ids;
  scheduler: Scheduler;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export function reconcile(ctx: FleetContext, group: Group): void {
  if (ctx.groups.get(group.name) !== group) return;
  detectLost(ctx, group);
  promoteHealthy(ctx, group);
  replaceUnhealthy(ctx, group);
  removeTerminated(ctx, group);
  adjustCapacity(ctx, group);
  trackRecovery(group, (id) => ctx.instances.get(id), ctx.now());
}

export function startActivity(ctx: FleetContext, group: Group, description: string, cause: string): Activity {
  const activity: Activity = {
    id: ctx.ids.uuid(),
    groupName: group.name,
    description,
    cause,
    startTime: ctx.now(),
    endTime: undefined,
    statusCode: "InProgress",
    statusMessage: undefined,
    progress: 0,
  };
  group.activities.push(activity);
  return activity;
}

function finishActivity(
  ctx: FleetContext,
  group: Group,
  activityId: string | undefined,
  status: ActivityStatus,
  message?: string,
): void {
  const activity = group.activities.find((a) => a.id === activityId);
  if (!activity || activity.statusCode !== "InProgress") return;
  activity.statusCode = status;
  activity.statusMessage = message;
  activity.endTime = ctx.now();
  activity.progress = 100;
}

const isSuspended = (group: Group, process: string): boolean => group.suspended.has(process);

const activeMembers = (group: Group): Member[] =>
  group.members.filter((m) => m.lifecycleState !== "Terminating");

/** AWS keeps the zones balanced: launch into the zone with the fewest instances. */
function pickZone(group: Group): string {
  const counts = new Map(group.availabilityZones.map((zone) => [zone, 0]));
  for (const member of activeMembers(group)) {
    const zone = member.availabilityZone;
    if (counts.has(zone)) counts.set(zone, (counts.get(zone) ?? 0) + 1);
  }
  let best = group.availabilityZones[0] ?? "us-east-1a";
  for (const [zone, count] of counts) if (count < (counts.get(best) ?? 0)) best = zone;
  return best;
}

export function createInstance(ctx: FleetContext, group: Group, running: boolean): Ec2Instance {
  const instance: Ec2Instance = {
    id: ctx.ids.instanceId((id) => ctx.instances.has(id)),
    reservationId: `r-${ctx.ids.hex(17)}`,
    imageId: group.imageId,
    instanceType: group.instanceType,
    availabilityZone: pickZone(group),
    privateIpAddress: ctx.ids.privateIpAddress(),
    launchTime: ctx.now(),
    state: running ? "running" : "pending",
    stateTransitionReason: "",
    tags: [
      { key: "aws:autoscaling:groupName", value: group.name },
      ...group.tags.filter((t) => t.propagateAtLaunch).map(({ key, value }) => ({ key, value })),
    ],
    groupName: group.name,
  };
  ctx.instances.set(instance.id, instance);
  return instance;
}

export function newMember(instance: Ec2Instance, inService: boolean): Member {
  return {
    instanceId: instance.id,
    availabilityZone: instance.availabilityZone,
    lifecycleState: inService ? "InService" : "Pending",
    healthStatus: inService ? "Healthy" : "Unhealthy",
    protectedFromScaleIn: false,
    lostAt: undefined,
    lossDue: false,
    detected: false,
    healthyDue: inService,
    removal: "none",
    activityId: undefined,
  };
}

function launchInstance(ctx: FleetContext, group: Group, cause: string): void {
  const activity = startActivity(ctx, group, "Launching a new EC2 instance", cause);
  if (group.faults.launchFailures) {
    group.failingLaunches += 1;
    ctx.scheduler.after(group.name, LAUNCH_ATTEMPT_MS, () => failLaunch(ctx, group, activity));
    return;
  }
  const instance = createInstance(ctx, group, false);
  const member = newMember(instance, false);
  member.activityId = activity.id;
  group.members.push(member);
  activity.description = `Launching a new EC2 instance: ${instance.id}`;
  activity.progress = 30;
  recordEvent(group, ctx.now(), instance.id, "Pending", `launched in ${instance.availabilityZone}`);
  noteLaunch(group, instance.id);
  ctx.scheduler.after(group.name, group.timing.bootMs, () =>
    completeBoot(ctx, group, member, activity.id),
  );
}

function failLaunch(ctx: FleetContext, group: Group, activity: Activity): void {
  group.failingLaunches -= 1;
  const message = "Launching EC2 instance failed (simulated launchFailures fault).";
  activity.description = `Launching a new EC2 instance.  Status Reason: ${message}`;
  finishActivity(ctx, group, activity.id, "Failed", message);
  recordEvent(group, ctx.now(), null, "LaunchFailed", message);
  group.launchBackoff = true;
  ctx.scheduler.after(group.name, LAUNCH_RETRY_MS, () => {
    group.launchBackoff = false;
    reconcile(ctx, group);
  });
  reconcile(ctx, group);
}

function completeBoot(ctx: FleetContext, group: Group, member: Member, launchId: string): void {
  const instance = ctx.instances.get(member.instanceId);
  const at = ctx.now();
  if (!instance || instance.state !== "pending" || member.lifecycleState !== "Pending") {
    const message = "The instance stopped before it came into service.";
    finishActivity(ctx, group, launchId, "Cancelled", message);
    reconcile(ctx, group);
    return;
  }
  instance.state = "running";
  member.lifecycleState = "InService";
  finishActivity(ctx, group, launchId, "Successful");
  member.activityId = undefined;
  recordEvent(group, at, member.instanceId, "InService", "booted; EC2 state running");
  const healthyMs = ctx.random() * group.timing.healthyMaxMs;
  ctx.scheduler.after(group.name, healthyMs, () => {
    member.healthyDue = true;
    reconcile(ctx, group);
  });
  reconcile(ctx, group);
}

/** EC2's side of a termination: running → shutting-down now, terminated a little later. */
export function shutDown(ctx: FleetContext, instance: Ec2Instance, detail: string): void {
  if (instance.state !== "pending" && instance.state !== "running") return;
  const at = ctx.now();
  instance.state = "shutting-down";
  instance.stateTransitionReason = `User initiated (${iso(at).replace("T", " ").slice(0, 19)} GMT)`;
  const group = instance.groupName === undefined ? undefined : ctx.groups.get(instance.groupName);
  if (group) recordEvent(group, at, instance.id, "shutting-down", detail);
  ctx.scheduler.after(instance.groupName ?? "", SHUTDOWN_MS, () => {
    instance.state = "terminated";
    if (!group) return;
    recordEvent(group, ctx.now(), instance.id, "terminated", "EC2 state terminated");
    reconcile(ctx, group);
  });
}

export function startTermination(ctx: FleetContext, group: Group, member: Member, cause: string): Activity {
  finishActivity(ctx, group, member.activityId, "Cancelled", "The instance was terminated before it came into service.");
  member.lifecycleState = "Terminating";
  const activity = startActivity(ctx, group, `Terminating EC2 instance: ${member.instanceId}`, cause);
  activity.progress = 50;
  member.activityId = activity.id;
  recordEvent(group, ctx.now(), member.instanceId, "Terminating", cause);
  const instance = ctx.instances.get(member.instanceId);
  if (instance) shutDown(ctx, instance, "terminated by the Auto Scaling group");
  return activity;
}

function detectLost(ctx: FleetContext, group: Group): void {
  if (isSuspended(group, "HealthCheck")) return;
  for (const member of group.members) {
    if (!member.lossDue || member.detected || member.lifecycleState === "Terminating") continue;
    member.detected = true;
    member.healthStatus = "Unhealthy";
    const state = ctx.instances.get(member.instanceId)?.state ?? "gone";
    recordEvent(group, ctx.now(), member.instanceId, "Unhealthy", `EC2 health check: instance is ${state}`);
  }
}

function promoteHealthy(ctx: FleetContext, group: Group): void {
  if (group.faults.neverHealthy) return;
  for (const member of group.members) {
    const running = ctx.instances.get(member.instanceId)?.state === "running";
    if (!member.healthyDue || member.detected || member.healthStatus === "Healthy") continue;
    if (member.lifecycleState !== "InService" || !running) continue;
    member.healthStatus = "Healthy";
    recordEvent(group, ctx.now(), member.instanceId, "Healthy", "passed its health check");
  }
}

function replaceUnhealthy(ctx: FleetContext, group: Group): void {
  if (isSuspended(group, "ReplaceUnhealthy") || isSuspended(group, "Terminate")) return;
  for (const member of group.members) {
    if (!member.detected || member.lifecycleState === "Terminating") continue;
    startTermination(
      ctx,
      group,
      member,
      `At ${iso(ctx.now())} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.`,
    );
  }
}

function removeTerminated(ctx: FleetContext, group: Group): void {
  for (const member of [...group.members]) {
    if (member.lifecycleState !== "Terminating") continue;
    if (ctx.instances.get(member.instanceId)?.state !== "terminated") continue;
    if (member.removal === "none") {
      member.removal = "scheduled";
      ctx.scheduler.after(group.name, DEREGISTER_MS, () => {
        member.removal = "due";
        reconcile(ctx, group);
      });
    } else if (member.removal === "due") {
      group.members.splice(group.members.indexOf(member), 1);
      finishActivity(ctx, group, member.activityId, "Successful");
      recordEvent(group, ctx.now(), member.instanceId, "Removed", "left the group");
    }
  }
}

function adjustCapacity(ctx: FleetContext, group: Group): void {
  const active = activeMembers(group).length + group.failingLaunches;
  const at = iso(ctx.now());
  if (active < group.desiredCapacity) {
    if (isSuspended(group, "Launch") || group.launchBackoff) return;
    const cause = `At ${at} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${active} to ${group.desiredCapacity}.`;
    for (let i = active; i < group.desiredCapacity; i++) launchInstance(ctx, group, cause);
  } else if (active > group.desiredCapacity) {
    if (isSuspended(group, "Terminate")) return;
    const cause = `At ${at} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${active} to ${group.desiredCapacity}.`;
    for (const member of pickScaleIn(group, active - group.desiredCapacity)) {
      startTermination(ctx, group, member, cause);
    }
  }
}

/** Unhealthy first, then from the fullest zone, the oldest instance (AWS's default policy, roughly). */
function pickScaleIn(group: Group, count: number): Member[] {
  const candidates = activeMembers(group).filter((m) => !m.protectedFromScaleIn);
  const chosen: Member[] = [];
  while (chosen.length < count && candidates.length > 0) {
    const zoneSize = (zone: string): number =>
      candidates.filter((m) => m.availabilityZone === zone).length;
    const rank = (m: Member): number => (m.detected ? 1_000_000 : 0) + zoneSize(m.availabilityZone);
    let best = 0;
    candidates.forEach((m, i) => {
      if (rank(m) > rank(candidates[best] as Member)) best = i;
    });
    chosen.push(...candidates.splice(best, 1));
  }
  return chosen;
}
