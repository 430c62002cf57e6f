/** EC2 instances of a group: where they launch, what they carry, how they shut down. */
import { stateChangeEvent } from "./aws-events.ts";
import type { FleetContext } from "./fleet-context.ts";
import { iso } from "./fleet-context.ts";
import type { Ec2Instance, Group, Member } from "./model.ts";
import { recordEvent } from "./recovery.ts";

/** Simulated milliseconds from shutting-down to terminated. */
const SHUTDOWN_MS = 5_000;

export const activeMembers = (group: Group): Member[] =>
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
    activity: undefined,
  };
}

/** EC2's side of a termination: running → shutting-down now, terminated a little later. */
export function shutDown(
  ctx: FleetContext,
  instance: Ec2Instance,
  detail: string,
  onTerminated: () => void,
): void {
  if (instance.state !== "pending" && instance.state !== "running") return;
  const at = ctx.now();
  instance.state = "shutting-down";
  instance.stateTransitionReason = `User initiated (${iso(at).replace("T", " ").slice(0, 19)} GMT)`;
  const group = instance.groupName === undefined ? undefined : ctx.groups.get(instance.groupName);
  if (group) recordEvent(group, at, instance.id, "shutting-down", detail);
  ctx.emit(stateChangeEvent(ctx.ids.uuid(), instance.id, "shutting-down", at));
  ctx.scheduler.after(instance.groupName ?? "", SHUTDOWN_MS, () => {
    instance.state = "terminated";
    ctx.emit(stateChangeEvent(ctx.ids.uuid(), instance.id, "terminated", ctx.now()));
    if (!group) return;
    recordEvent(group, ctx.now(), instance.id, "terminated", "EC2 state terminated");
    onTerminated();
  });
}
