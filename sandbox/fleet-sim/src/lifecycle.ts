/**
 * How an Auto Scaling group heals itself. Every change ends in reconcile(), which
 * compares what the group has with what it wants and acts, the way the real service
 * runs its control loop: detect lost instances, take unhealthy ones out, then launch or
 * terminate toward the desired capacity.
 */
import { finishActivity, startActivity } from "./activities.ts";
import { activityEvent, stateChangeEvent } from "./aws-events.ts";
import type { FleetContext } from "./fleet-context.ts";
import { iso } from "./fleet-context.ts";
import { activeMembers, createInstance, newMember, shutDown } from "./instances.ts";
import type { Activity, Group, Member } from "./model.ts";
import { noteLaunch, recordEvent, trackRecovery } from "./recovery.ts";
import { registerMember, syncTargets } from "./target-groups.ts";

/** Simulated milliseconds, scaled like every other delay. */
const DEREGISTER_MS = 1_000;
const LAUNCH_ATTEMPT_MS = 1_000;
const LAUNCH_RETRY_MS = 10_000;

const isSuspended = (group: Group, process: string): boolean => group.suspended.has(process);

export function reconcile(ctx: FleetContext, group: Group): void {
  if (ctx.groups.get(group.name) !== group) return;
  detectLost(ctx, group);
  promoteHealthy(ctx, group);
  replaceUnhealthy(ctx, group);
  removeTerminated(ctx, group);
  adjustCapacity(ctx, group);
  syncTargets(ctx, (g) => reconcile(ctx, g));
  trackRecovery(group, (id) => ctx.instances.get(id), ctx.now());
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
  member.activity = activity;
  group.members.push(member);
  activity.description = `Launching a new EC2 instance: ${instance.id}`;
  activity.progress = 30;
  recordEvent(group, ctx.now(), instance.id, "Pending", `launched in ${instance.availabilityZone}`);
  ctx.emit(stateChangeEvent(ctx.ids.uuid(), instance.id, "pending", ctx.now()));
  noteLaunch(group, instance.id);
  ctx.scheduler.after(group.name, group.timing.bootMs, () =>
    completeBoot(ctx, group, member, activity),
  );
}

function failLaunch(ctx: FleetContext, group: Group, activity: Activity): void {
  group.failingLaunches -= 1;
  const message = "Launching EC2 instance failed (simulated launchFailures fault).";
  activity.description = `Launching a new EC2 instance.  Status Reason: ${message}`;
  finishActivity(ctx, activity, "Failed", message);
  recordEvent(group, ctx.now(), null, "LaunchFailed", message);
  group.launchBackoff = true;
  ctx.scheduler.after(group.name, LAUNCH_RETRY_MS, () => {
    group.launchBackoff = false;
    reconcile(ctx, group);
  });
  reconcile(ctx, group);
}

function completeBoot(ctx: FleetContext, group: Group, member: Member, launch: Activity): void {
  const instance = ctx.instances.get(member.instanceId);
  const at = ctx.now();
  if (!instance || instance.state !== "pending" || member.lifecycleState !== "Pending") {
    const message = "The instance stopped before it came into service.";
    finishActivity(ctx, launch, "Cancelled", message);
    reconcile(ctx, group);
    return;
  }
  instance.state = "running";
  member.lifecycleState = "InService";
  finishActivity(ctx, launch, "Successful");
  member.activity = undefined;
  recordEvent(group, at, member.instanceId, "InService", "booted; EC2 state running");
  ctx.emit(stateChangeEvent(ctx.ids.uuid(), member.instanceId, "running", at));
  ctx.emit(activityEvent(ctx.ids.uuid(), "Launch", group, member, launch));
  registerMember(ctx, group, member.instanceId, {
    healthy: false,
    reconcile: (g) => reconcile(ctx, g),
  });
  const healthyMs = ctx.random() * group.timing.healthyMaxMs;
  ctx.scheduler.after(group.name, healthyMs, () => {
    member.healthyDue = true;
    reconcile(ctx, group);
  });
  reconcile(ctx, group);
}

export function startTermination(
  ctx: FleetContext,
  group: Group,
  member: Member,
  cause: string,
): Activity {
  finishActivity(
    ctx,
    member.activity,
    "Cancelled",
    "The instance was terminated before it came into service.",
  );
  member.lifecycleState = "Terminating";
  const activity = startActivity(
    ctx,
    group,
    `Terminating EC2 instance: ${member.instanceId}`,
    cause,
  );
  activity.progress = 50;
  member.activity = activity;
  recordEvent(group, ctx.now(), member.instanceId, "Terminating", cause);
  const instance = ctx.instances.get(member.instanceId);
  if (instance) {
    shutDown(ctx, instance, "terminated by the Auto Scaling group", () => reconcile(ctx, group));
  }
  return activity;
}

function detectLost(ctx: FleetContext, group: Group): void {
  if (isSuspended(group, "HealthCheck")) return;
  for (const member of group.members) {
    if (!member.lossDue || member.detected || member.lifecycleState === "Terminating") continue;
    member.detected = true;
    member.healthStatus = "Unhealthy";
    const state = ctx.instances.get(member.instanceId)?.state ?? "gone";
    recordEvent(
      group,
      ctx.now(),
      member.instanceId,
      "Unhealthy",
      `EC2 health check: instance is ${state}`,
    );
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
      finishActivity(ctx, member.activity, "Successful");
      recordEvent(group, ctx.now(), member.instanceId, "Removed", "left the group");
      if (member.activity) {
        ctx.emit(activityEvent(ctx.ids.uuid(), "Terminate", group, member, member.activity));
      }
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
