/**
 * The fleet: Auto Scaling groups and the EC2 instances behind them, and the operations
 * both APIs and the control endpoint perform on them. Messages follow AWS's wording so
 * a client sees what it would see from the real service.
 */
import type { EmitEvent } from "./aws-events.ts";
import { SimError } from "./errors.ts";
import type { FleetContext } from "./fleet-context.ts";
import { checkProcesses, checkSizes, newGroup, suspensionReason, warmUp } from "./group-setup.ts";
import type { Ids } from "./ids.ts";
import { reconcile } from "./lifecycle.ts";
import type {
  Activity,
  Ec2Instance,
  Faults,
  Group,
  GroupTag,
  LaunchTemplateRef,
  TargetGroup,
  Timing,
} from "./model.ts";
import { SCALING_PROCESSES } from "./model.ts";
import type { Scheduler } from "./scheduler.ts";
import {
  allTargetGroups,
  checkTargetGroupNames,
  deregisterTarget,
  newTargetGroups,
  registerMember,
  registerTarget,
} from "./target-groups.ts";
import type { TargetGroupSpec } from "./target-groups.ts";
import { terminateInGroup, terminateInstances } from "./terminations.ts";
import type { TerminationChange } from "./terminations.ts";

export type { TerminationChange } from "./terminations.ts";
export type { TargetGroupSpec } from "./target-groups.ts";

export const DEFAULT_TIMING: Readonly<Timing> = {
  bootMs: 30_000,
  healthyMaxMs: 5_000,
  healthCheckDelayMs: 10_000,
};

export interface GroupSpec {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  availabilityZones: string[];
  tags: GroupTag[];
  instanceType: string;
  launchTemplate: LaunchTemplateRef | undefined;
  launchConfigurationName: string | undefined;
  healthCheckGracePeriod: number;
  suspendedProcesses: string[];
  timing: Timing;
  /** Created with the group, behind one load balancer; its instances are registered. */
  targetGroups: TargetGroupSpec[];
}

export interface GroupChanges {
  minSize?: number | undefined;
  maxSize?: number | undefined;
  desiredCapacity?: number | undefined;
  availabilityZones?: string[] | undefined;
  healthCheckGracePeriod?: number | undefined;
  launchTemplate?: LaunchTemplateRef | undefined;
  launchConfigurationName?: string | undefined;
}

export interface TagUpdate extends GroupTag {
  groupName: string;
}

export interface Fleet {
  readonly groups: ReadonlyMap<string, Group>;
  readonly instances: ReadonlyMap<string, Ec2Instance>;
  /** `warm` starts the group with its desired capacity InService and Healthy. */
  createGroup(spec: GroupSpec, options: { warm: boolean }): Group;
  updateGroup(name: string, changes: GroupChanges): void;
  setDesiredCapacity(name: string, desired: number): void;
  terminateInGroup(instanceId: string, decrementDesired: boolean): Activity;
  /** Unknown ids are skipped: the EC2 API rejects them before calling this. */
  terminateInstances(instanceIds: string[]): TerminationChange[];
  /** No processes means all of them, as in AWS. */
  suspendProcesses(name: string, processes: string[]): void;
  resumeProcesses(name: string, processes: string[]): void;
  putTags(tags: TagUpdate[]): void;
  setFaults(name: string, faults: Partial<Faults>): Faults;
  /** Every target group of every group. */
  targetGroups(): TargetGroup[];
  /** The instances must exist and run: the ELB API checks before calling this. */
  registerTargets(tg: TargetGroup, targets: { id: string; port: number }[]): void;
  /** Unregistered targets are skipped: the ELB API rejects them before calling this. */
  deregisterTargets(tg: TargetGroup, targets: { id: string; port: number }[]): void;
  deleteGroup(name: string): boolean;
  reset(): void;
  close(): void;
}

export interface FleetOptions {
  now: () => number;
  random: () => number;
  ids: Ids;
  scheduler: Scheduler;
  /** Where AWS's events go; default nowhere. */
  emit?: EmitEvent;
}

export function createFleet(options: FleetOptions): Fleet {
  const ctx: FleetContext = {
    emit: () => undefined,
    ...options,
    groups: new Map(),
    instances: new Map(),
  };

  const requireGroup = (name: string): Group => {
    const group = ctx.groups.get(name);
    if (!group) {
      throw new SimError(
        "ValidationError",
        `AutoScalingGroup name not found - no group named '${name}'`,
      );
    }
    return group;
  };

  const reconcileGroup = (group: Group): void => reconcile(ctx, group);
  const reconcileOwner = (tg: TargetGroup): void => {
    const owner = ctx.groups.get(tg.groupName);
    if (owner) reconcile(ctx, owner);
  };

  const deleteGroup = (name: string): boolean => {
    ctx.scheduler.cancel(name);
    for (const [id, instance] of ctx.instances) {
      if (instance.groupName === name) ctx.instances.delete(id);
    }
    return ctx.groups.delete(name);
  };

  return {
    groups: ctx.groups,
    instances: ctx.instances,

    createGroup(spec, { warm }) {
      if (ctx.groups.has(spec.name)) {
        throw new SimError(
          "AlreadyExists",
          `AutoScalingGroup by this name already exists - A group with the name ${spec.name} already exists`,
        );
      }
      checkSizes(spec.minSize, spec.maxSize, spec.desiredCapacity);
      const processes = checkProcesses(spec.suspendedProcesses);
      checkTargetGroupNames(ctx, spec.targetGroups);
      const group = newGroup(ctx, spec);
      for (const process of processes) group.suspended.set(process, suspensionReason(ctx.now()));
      group.targetGroups = newTargetGroups(ctx, group, spec.targetGroups);
      ctx.groups.set(group.name, group);
      if (warm) {
        warmUp(ctx, group);
        // Like its instances, a warm group's targets start out healthy.
        for (const m of group.members) {
          registerMember(ctx, group, m.instanceId, { healthy: true, reconcile: reconcileGroup });
        }
      }
      reconcile(ctx, group);
      return group;
    },

    updateGroup(name, changes) {
      const group = requireGroup(name);
      const minSize = changes.minSize ?? group.minSize;
      const maxSize = changes.maxSize ?? group.maxSize;
      // Like AWS, moving a bound past the current desired capacity drags it along.
      const desired =
        changes.desiredCapacity ?? Math.min(maxSize, Math.max(minSize, group.desiredCapacity));
      checkSizes(minSize, maxSize, desired);
      Object.assign(group, { minSize, maxSize, desiredCapacity: desired });
      if (changes.availabilityZones?.length) group.availabilityZones = changes.availabilityZones;
      group.healthCheckGracePeriod = changes.healthCheckGracePeriod ?? group.healthCheckGracePeriod;
      group.launchTemplate = changes.launchTemplate ?? group.launchTemplate;
      group.launchConfigurationName =
        changes.launchConfigurationName ?? group.launchConfigurationName;
      reconcile(ctx, group);
    },

    setDesiredCapacity(name, desired) {
      const group = requireGroup(name);
      if (desired > group.maxSize) {
        throw new SimError(
          "ValidationError",
          `New SetDesiredCapacity value ${desired} is above max value ${group.maxSize} for the AutoScalingGroup.`,
        );
      }
      if (desired < group.minSize) {
        throw new SimError(
          "ValidationError",
          `New SetDesiredCapacity value ${desired} is below min value ${group.minSize} for the AutoScalingGroup.`,
        );
      }
      group.desiredCapacity = desired;
      reconcile(ctx, group);
    },

    terminateInGroup: (instanceId, decrementDesired) =>
      terminateInGroup(ctx, instanceId, decrementDesired),

    terminateInstances: (instanceIds) => terminateInstances(ctx, instanceIds),

    suspendProcesses(name, processes) {
      const group = requireGroup(name);
      for (const process of checkProcesses(processes.length ? processes : [...SCALING_PROCESSES])) {
        if (!group.suspended.has(process)) {
          group.suspended.set(process, suspensionReason(ctx.now()));
        }
      }
      reconcile(ctx, group);
    },

    resumeProcesses(name, processes) {
      const group = requireGroup(name);
      for (const process of checkProcesses(processes.length ? processes : [...SCALING_PROCESSES])) {
        group.suspended.delete(process);
      }
      reconcile(ctx, group);
    },

    putTags(tags) {
      for (const { groupName, key, value, propagateAtLaunch } of tags) {
        const group = requireGroup(groupName);
        const existing = group.tags.find((t) => t.key === key);
        if (existing) Object.assign(existing, { value, propagateAtLaunch });
        else group.tags.push({ key, value, propagateAtLaunch });
      }
    },

    setFaults(name, faults) {
      const group = ctx.groups.get(name);
      if (!group) throw new SimError("NotFound", `no group named '${name}'`, { status: 404 });
      for (const [key, value] of Object.entries(faults)) {
        if (value !== undefined) Object.assign(group.faults, { [key]: value });
      }
      reconcile(ctx, group);
      return { ...group.faults };
    },

    targetGroups: () => allTargetGroups(ctx),

    registerTargets(tg, targets) {
      for (const { id, port } of targets) {
        registerTarget(ctx, tg, id, port, { healthy: false, reconcile: reconcileGroup });
      }
      reconcileOwner(tg);
    },

    deregisterTargets(tg, targets) {
      for (const { id, port } of targets) {
        const target = tg.targets.find((t) => t.id === id && t.port === port);
        if (target) deregisterTarget(ctx, tg, target, reconcileGroup);
      }
      reconcileOwner(tg);
    },

    deleteGroup,

    reset() {
      for (const name of [...ctx.groups.keys()]) deleteGroup(name);
      ctx.instances.clear();
    },

    close() {
      ctx.scheduler.close();
    },
  };
}
