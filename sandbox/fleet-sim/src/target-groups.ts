/**
 * Elastic Load Balancing target groups behind an Auto Scaling group. The group
 * registers an instance when it comes into service; the load balancer needs
 * healthyThresholdCount passing checks, one per interval, before it calls the target
 * healthy. A target whose instance terminates, or that is deregistered, drains for the
 * deregistration delay and then goes. As everywhere in the fleet, timers only set *Due
 * flags and syncTargets() (called from reconcile) acts on them.
 */
import { SimError } from "./errors.ts";
import type { FleetContext } from "./fleet-context.ts";
import type { Group, Target, TargetGroup } from "./model.ts";
import { recordEvent } from "./recovery.ts";

export interface TargetGroupSpec {
  name: string;
  port: number;
  healthCheckIntervalSeconds: number;
  healthyThresholdCount: number;
  deregistrationDelaySeconds: number;
}

/** Reconciles the Auto Scaling group a target group belongs to. */
export type ReconcileGroup = (group: Group) => void;

const ACCOUNT_ID = "123456789012";
const ARN_PREFIX = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT_ID}`;

/** All the group's target groups sit behind one Application Load Balancer named after it. */
export function newTargetGroups(
  ctx: FleetContext,
  group: Group,
  specs: readonly TargetGroupSpec[],
): TargetGroup[] {
  if (specs.length === 0) return [];
  const loadBalancerArn = `${ARN_PREFIX}:loadbalancer/app/${group.name.slice(0, 32)}/${ctx.ids.hex(16)}`;
  return specs.map((spec) => ({
    ...spec,
    arn: `${ARN_PREFIX}:targetgroup/${spec.name}/${ctx.ids.hex(16)}`,
    loadBalancerArn,
    groupName: group.name,
    targets: [],
  }));
}

export const allTargetGroups = (ctx: FleetContext): TargetGroup[] =>
  [...ctx.groups.values()].flatMap((g) => g.targetGroups);

/** Target group names are unique in an account and region. */
export function checkTargetGroupNames(ctx: FleetContext, specs: readonly TargetGroupSpec[]): void {
  const taken = allTargetGroups(ctx).map((tg) => tg.name);
  const duplicate = specs.find(
    (tg, i) => taken.includes(tg.name) || specs.findIndex((o) => o.name === tg.name) !== i,
  );
  if (duplicate) {
    throw new SimError(
      "DuplicateTargetGroupName",
      `A target group with the same name '${duplicate.name}' exists, but with different settings`,
    );
  }
}

function ownerOf(ctx: FleetContext, tg: TargetGroup): Group | undefined {
  const owner = ctx.groups.get(tg.groupName);
  return owner?.targetGroups.includes(tg) ? owner : undefined;
}

/** Registering a draining target again cancels its deregistration, as in ELB. */
export function registerTarget(
  ctx: FleetContext,
  tg: TargetGroup,
  id: string,
  port: number,
  options: { healthy: boolean; reconcile: ReconcileGroup },
): void {
  const existing = tg.targets.find((t) => t.id === id && t.port === port);
  if (existing && existing.state !== "draining") return;
  if (existing) tg.targets.splice(tg.targets.indexOf(existing), 1);
  const target: Target = {
    id,
    port,
    state: options.healthy ? "healthy" : "initial",
    checking: false,
    verdictDue: false,
    drainDue: false,
  };
  tg.targets.push(target);
  const owner = ownerOf(ctx, tg);
  if (owner) {
    recordEvent(owner, ctx.now(), id, "Registered", `registered in target group ${tg.name}`);
  }
  if (!options.healthy) startChecks(ctx, tg, target, options.reconcile);
}

export function deregisterTarget(
  ctx: FleetContext,
  tg: TargetGroup,
  target: Target,
  reconcile: ReconcileGroup,
): void {
  if (target.state === "draining") return;
  target.state = "draining";
  target.checking = false;
  target.verdictDue = false;
  const owner = ownerOf(ctx, tg);
  if (owner) {
    recordEvent(owner, ctx.now(), target.id, "Draining", `deregistering from ${tg.name}`);
  }
  ctx.scheduler.after(tg.groupName, tg.deregistrationDelaySeconds * 1000, () => {
    target.drainDue = true;
    const group = ownerOf(ctx, tg);
    if (group) reconcile(group);
  });
}

function startChecks(
  ctx: FleetContext,
  tg: TargetGroup,
  target: Target,
  reconcile: ReconcileGroup,
): void {
  target.checking = true;
  const verdictMs = tg.healthyThresholdCount * tg.healthCheckIntervalSeconds * 1000;
  ctx.scheduler.after(tg.groupName, verdictMs, () => {
    if (!target.checking) return;
    target.checking = false;
    target.verdictDue = true;
    const group = ownerOf(ctx, tg);
    if (group) reconcile(group);
  });
}

/** Registers an instance that has just come into service in every target group of its group. */
export function registerMember(
  ctx: FleetContext,
  group: Group,
  instanceId: string,
  options: { healthy: boolean; reconcile: ReconcileGroup },
): void {
  for (const tg of group.targetGroups) registerTarget(ctx, tg, instanceId, tg.port, options);
}

/**
 * Every target group, not only the group's own: an instance of one group may be
 * registered by hand in another group's target group, and its end drains it there too.
 */
export function syncTargets(ctx: FleetContext, reconcile: ReconcileGroup): void {
  for (const tg of allTargetGroups(ctx)) {
    const owner = ownerOf(ctx, tg);
    if (!owner) continue;
    for (const target of [...tg.targets]) {
      if (target.state === "draining") {
        if (!target.drainDue) continue;
        tg.targets.splice(tg.targets.indexOf(target), 1);
        recordEvent(owner, ctx.now(), target.id, "Deregistered", `left target group ${tg.name}`);
      } else if (isLeaving(ctx, target.id)) {
        deregisterTarget(ctx, tg, target, reconcile);
      } else if (target.verdictDue) {
        target.verdictDue = false;
        judge(ctx, owner, tg, target);
      } else if (target.state === "unhealthy" && !owner.faults.neverServing && !target.checking) {
        // The fault is off again: the next healthyThresholdCount checks pass.
        startChecks(ctx, tg, target, reconcile);
      }
    }
  }
}

function judge(ctx: FleetContext, owner: Group, tg: TargetGroup, target: Target): void {
  const state = owner.faults.neverServing ? "unhealthy" : "healthy";
  if (target.state === state) return;
  target.state = state;
  const detail =
    state === "healthy"
      ? `passed ${tg.healthyThresholdCount} health checks of ${tg.name}`
      : `failed the health checks of ${tg.name} (simulated neverServing fault)`;
  recordEvent(owner, ctx.now(), target.id, state === "healthy" ? "Serving" : "NotServing", detail);
}

/** Its instance is gone or shutting down, or its group has started terminating it. */
function isLeaving(ctx: FleetContext, instanceId: string): boolean {
  const instance = ctx.instances.get(instanceId);
  if (!instance || instance.state === "shutting-down" || instance.state === "terminated") {
    return true;
  }
  const group = instance.groupName === undefined ? undefined : ctx.groups.get(instance.groupName);
  const member = group?.members.find((m) => m.instanceId === instanceId);
  return member?.lifecycleState === "Terminating";
}
