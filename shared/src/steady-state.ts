import type { GroupConfiguration } from "./events.ts";
import type { Tag } from "./config.ts";
import type { Reason } from "./job-message.ts";
import {
  formatTarget,
  targetGroupArnsOf,
  type DescribedTargetGroups,
  type TargetGroupHealth,
} from "./target-health.ts";

/**
 * Whether a group may be a target at all: opted in, and steady enough that its
 * recovery can be measured. The producer refuses on these rules and the CLI
 * warns (or stops) on the very same ones before it asks anything, so the two
 * can never disagree about a group. Pure: the group arrives as plain data read
 * from the Auto Scaling and EC2 APIs.
 */

export interface InstanceState {
  instanceId: string;
  availabilityZone: string;
  /** Auto Scaling lifecycle state: InService, Pending, Pending:Wait, Terminating, ... */
  lifecycleState: string;
  /** Healthy or Unhealthy, as the group sees it. */
  healthStatus: string;
  /** EC2 tags; undefined when EC2 did not return the instance, so its tags are unknown. */
  tags: Readonly<Record<string, string>> | undefined;
}

export interface GroupState {
  name: string;
  desiredCapacity: number;
  minSize: number;
  maxSize: number;
  tags: Readonly<Record<string, string>>;
  suspendedProcesses: readonly string[];
  instances: readonly InstanceState[];
  /** The group's load-balancer target groups (TargetGroupARNs and elbv2 traffic sources). */
  targetGroupArns?: readonly string[];
  /** Target health of each target group, where the caller read it. */
  targetGroups?: readonly TargetGroupHealth[];
  /** Launch template, AMIs, health check and the rest, where the caller read them (the producer). */
  configuration?: GroupConfiguration;
}

export const formatTag = (tag: Tag): string => `${tag.key}=${tag.value}`;

/** The parts of Auto Scaling's DescribeAutoScalingGroups answer a GroupState is read from. */
export interface DescribedGroup extends DescribedTargetGroups {
  DesiredCapacity?: number | undefined;
  MinSize?: number | undefined;
  MaxSize?: number | undefined;
  Tags?: { Key?: string | undefined; Value?: string | undefined }[] | undefined;
  SuspendedProcesses?: { ProcessName?: string | undefined }[] | undefined;
  Instances?:
    | {
        InstanceId?: string | undefined;
        AvailabilityZone?: string | undefined;
        LifecycleState?: string | undefined;
        HealthStatus?: string | undefined;
      }[]
    | undefined;
}

/**
 * A group as the steady-state rules read it, from Auto Scaling's own answers:
 * the producer's and the CLI's view are the same by construction. `instanceTags`
 * gives each instance's EC2 tags where the caller read them (the producer; the
 * CLI does not need them).
 */
export function groupStateOf(
  name: string,
  group: DescribedGroup,
  instanceTags: (instanceId: string) => Readonly<Record<string, string>> | undefined = () =>
    undefined,
  targetGroups?: readonly TargetGroupHealth[],
): GroupState {
  return {
    targetGroupArns: targetGroupArnsOf(group),
    ...(targetGroups !== undefined && { targetGroups }),
    name,
    desiredCapacity: group.DesiredCapacity ?? 0,
    minSize: group.MinSize ?? 0,
    maxSize: group.MaxSize ?? 0,
    tags: Object.fromEntries((group.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    suspendedProcesses: (group.SuspendedProcesses ?? []).map((p) => p.ProcessName ?? ""),
    instances: (group.Instances ?? []).map((m) => ({
      instanceId: m.InstanceId ?? "",
      availabilityZone: m.AvailabilityZone ?? "",
      lifecycleState: m.LifecycleState ?? "",
      healthStatus: m.HealthStatus ?? "",
      tags: instanceTags(m.InstanceId ?? ""),
    })),
  };
}

export const SteadyStateCode = {
  notOptedIn: "not-opted-in",
  notAtDesiredCapacity: "not-at-desired-capacity",
  instancesInTransition: "instances-in-transition",
  processSuspended: "process-suspended",
  targetsUnhealthy: "targets-unhealthy",
} as const;

/** Target states that mean a target group is not yet (or no longer) serving from a target. */
const unsteadyTargetStates = new Set(["initial", "unhealthy"]);

/**
 * Lifecycle states of an instance that a scaling activity is moving: launching
 * (Pending, Pending:Wait, Pending:Proceed), terminating (Terminating...), being
 * detached or entering standby. Every unfinished scaling activity shows in the
 * group itself: as such an instance, or, before EC2 has given a launch its
 * instance, as a group below its desired capacity. So the rules need no
 * DescribeScalingActivities, which takes one group a call and would cost a
 * thousand calls for a thousand requests where the group describe costs ten.
 */
const inTransition = /^(Pending|Terminating|Detaching|EnteringStandby)/;

/** Processes a group needs to heal itself; with one suspended, recovery cannot be measured. */
const recoveryProcesses = ["Launch", "Terminate", "HealthCheck", "ReplaceUnhealthy"];

export const isInServiceHealthy = (i: InstanceState): boolean =>
  i.lifecycleState === "InService" && i.healthStatus === "Healthy";

export function checkOptIn(group: GroupState, optIn: Tag): Reason[] {
  const value = group.tags[optIn.key];
  if (value === optIn.value) return [];
  const why =
    value === undefined
      ? `it does not carry the tag ${formatTag(optIn)}`
      : `its tag ${optIn.key} is "${value}", not "${optIn.value}"`;
  return [
    { code: SteadyStateCode.notOptedIn, message: `group ${group.name} is not opted in: ${why}` },
  ];
}

export function checkSteadyState(group: GroupState): Reason[] {
  const reasons: Reason[] = [];
  const healthy = group.instances.filter(isInServiceHealthy).length;
  if (healthy < group.desiredCapacity) {
    reasons.push({
      code: SteadyStateCode.notAtDesiredCapacity,
      message: `group ${group.name} is not steady: only ${healthy} of its ${group.desiredCapacity} desired instances are InService and Healthy`,
    });
  } else if (healthy > group.desiredCapacity) {
    reasons.push({
      code: SteadyStateCode.notAtDesiredCapacity,
      message: `group ${group.name} is not steady: ${healthy} instances are InService and Healthy but its desired capacity is ${group.desiredCapacity}`,
    });
  }
  const moving = group.instances.filter((i) => inTransition.test(i.lifecycleState));
  if (moving.length > 0) {
    const list = moving.map((i) => `${i.instanceId} (${i.lifecycleState})`).join(", ");
    reasons.push({
      code: SteadyStateCode.instancesInTransition,
      message: `group ${group.name} is not steady: a scaling activity is under way, instances are starting, stopping or leaving: ${list}`,
    });
  }
  const suspended = recoveryProcesses.filter((p) => group.suspendedProcesses.includes(p));
  if (suspended.length > 0) {
    const plural = suspended.length > 1;
    reasons.push({
      code: SteadyStateCode.processSuspended,
      message: `group ${group.name} cannot heal itself: the process${plural ? "es" : ""} ${suspended.join(", ")} ${plural ? "are" : "is"} suspended`,
    });
  }
  reasons.push(...checkTargetHealth(group));
  return reasons;
}

/**
 * A target group already failing its health checks (or still warming up) would
 * make the `serving` milestone measure the fault that was there before, not the
 * recovery: refused, naming the group and its targets.
 */
export function checkTargetHealth(group: GroupState): Reason[] {
  const reasons: Reason[] = [];
  for (const tg of group.targetGroups ?? []) {
    const bad = tg.targets.filter((t) => unsteadyTargetStates.has(t.state));
    if (bad.length === 0) continue;
    reasons.push({
      code: SteadyStateCode.targetsUnhealthy,
      message: `group ${group.name} is not steady: target group ${tg.name} has targets that are not healthy: ${bad.map(formatTarget).join(", ")}`,
    });
  }
  return reasons;
}

/** Every reason the producer would refuse the group as it stands, whatever the request. */
export const groupRefusals = (group: GroupState, optIn: Tag): Reason[] => [
  ...checkOptIn(group, optIn),
  ...checkSteadyState(group),
];
