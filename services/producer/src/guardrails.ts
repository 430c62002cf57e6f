import type { Reason } from "@macaque/shared";
import { formatTag, type GroupState, type InstanceState, type TagMatch } from "./group-state.ts";

/**
 * The safety checks a request must pass before anything is chosen. Every check
 * runs and every failure is reported, so a requester fixes all of them at once.
 * Codes are stable (reports and metrics key on them); messages are for people.
 */

export const RefusalCode = {
  unknownGroup: "unknown-group",
  notOptedIn: "not-opted-in",
  groupBusy: "group-busy",
  notAtDesiredCapacity: "not-at-desired-capacity",
  instancesInTransition: "instances-in-transition",
  scalingActivityInProgress: "scaling-activity-in-progress",
  processSuspended: "process-suspended",
  noCandidates: "no-candidates",
  aboveMaxInstances: "above-max-instances",
  groupTooSmall: "group-too-small",
  aboveMaxPercent: "above-max-percent",
  belowMinInService: "below-min-in-service",
  notEnoughCandidates: "not-enough-candidates",
} as const;
export type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];

/** Processes a group needs to heal itself; with one suspended, recovery cannot be measured. */
export const RECOVERY_PROCESSES = ["Launch", "Terminate", "HealthCheck", "ReplaceUnhealthy"];

/** Operator limits; a request can only ask for less. */
export interface Limits {
  maxInstancesPerExperiment: number;
  /** Victims may be at most floor(desired * this / 100). */
  maxPercentOfGroup: number;
  /** InService and Healthy instances that must remain after the termination. */
  minInServiceAfter: number;
}

export interface GuardrailPolicy extends Limits {
  optInTag: TagMatch;
  excludeTag: TagMatch;
}

export interface GuardrailRequest {
  asg: string;
  count?: number | undefined;
  percent?: number | undefined;
  availabilityZone?: string | undefined;
}

export interface Exclusion {
  instanceId: string;
  reason: string;
}

export type GuardrailResult =
  | {
      ok: true;
      group: GroupState;
      candidates: InstanceState[];
      excluded: Exclusion[];
      count: number;
    }
  | { ok: false; reasons: Reason[] };

export interface GuardrailInput {
  request: GuardrailRequest;
  /** Undefined when Auto Scaling knows no group by that name. */
  group: GroupState | undefined;
  region: string;
  policy: GuardrailPolicy;
  experimentId: string;
  /** The experiment holding the group's lease, if any. */
  leaseHolder: string | undefined;
}

export function checkGuardrails(input: GuardrailInput): GuardrailResult {
  const { request, group, policy } = input;
  if (!group) {
    const message = `no Auto Scaling group named ${request.asg} in ${input.region}`;
    return { ok: false, reasons: [{ code: RefusalCode.unknownGroup, message }] };
  }
  const { candidates, excluded } = selectCandidates(group, policy.excludeTag, request);
  const count = resolveCount(request, candidates.length);
  const reasons = [
    ...checkOptIn(group, policy.optInTag),
    ...checkLease(group.name, input.experimentId, input.leaseHolder),
    ...checkSteadyState(group),
    ...checkCount(count, group, candidates.length, excluded.length, request, policy),
  ];
  if (reasons.length > 0) return { ok: false, reasons };
  return { ok: true, group, candidates, excluded, count };
}

/** Splits the group into instances that may be chosen and the rest, each with its reason. */
export function selectCandidates(
  group: GroupState,
  excludeTag: TagMatch,
  request: Pick<GuardrailRequest, "availabilityZone">,
): { candidates: InstanceState[]; excluded: Exclusion[] } {
  const candidates: InstanceState[] = [];
  const excluded: Exclusion[] = [];
  for (const instance of group.instances) {
    const reason = exclusionReason(instance, excludeTag, request.availabilityZone);
    if (reason) excluded.push({ instanceId: instance.instanceId, reason });
    else candidates.push(instance);
  }
  return { candidates, excluded };
}

function exclusionReason(
  instance: InstanceState,
  excludeTag: TagMatch,
  zone: string | undefined,
): string | undefined {
  // Unknown tags could hide the exclusion tag, so such an instance is never chosen.
  if (!instance.tags) return "its EC2 tags could not be read";
  if (instance.tags[excludeTag.key] === excludeTag.value) return `tagged ${formatTag(excludeTag)}`;
  if (instance.lifecycleState !== "InService") return `${instance.lifecycleState}, not InService`;
  if (instance.healthStatus !== "Healthy") return `InService but ${instance.healthStatus}`;
  if (zone !== undefined && instance.availabilityZone !== zone) {
    return `in ${instance.availabilityZone}, outside the requested zone ${zone}`;
  }
  return undefined;
}

/** `percent` is a share of the eligible instances, rounded up. */
export function resolveCount(request: GuardrailRequest, eligible: number): number {
  if (request.count !== undefined) return request.count;
  const exact = ((request.percent ?? 0) * eligible) / 100;
  // The epsilon keeps float noise (7 * 100 / 100 computed as 7.000000001) from adding a victim.
  return Math.max(0, Math.ceil(exact - 1e-9));
}

function checkOptIn(group: GroupState, optIn: TagMatch): Reason[] {
  const value = group.tags[optIn.key];
  if (value === optIn.value) return [];
  const why =
    value === undefined
      ? `it does not carry the tag ${formatTag(optIn)}`
      : `its tag ${optIn.key} is "${value}", not "${optIn.value}"`;
  return [{ code: RefusalCode.notOptedIn, message: `group ${group.name} is not opted in: ${why}` }];
}

function checkLease(asg: string, experimentId: string, holder: string | undefined): Reason[] {
  return holder === undefined || holder === experimentId ? [] : [groupBusyReason(asg, holder)];
}

export function groupBusyReason(asg: string, holder: string): Reason {
  return {
    code: RefusalCode.groupBusy,
    message: `experiment ${holder} is still running on group ${asg}; one experiment per group at a time`,
  };
}

export function checkSteadyState(group: GroupState): Reason[] {
  const reasons: Reason[] = [];
  const healthy = group.instances.filter(isInServiceHealthy).length;
  if (healthy < group.desiredCapacity) {
    reasons.push({
      code: RefusalCode.notAtDesiredCapacity,
      message: `group ${group.name} is not steady: only ${healthy} of its ${group.desiredCapacity} desired instances are InService and Healthy`,
    });
  } else if (healthy > group.desiredCapacity) {
    reasons.push({
      code: RefusalCode.notAtDesiredCapacity,
      message: `group ${group.name} is not steady: ${healthy} instances are InService and Healthy but its desired capacity is ${group.desiredCapacity}`,
    });
  }
  const moving = group.instances.filter((i) => /^(Pending|Terminating)/.test(i.lifecycleState));
  if (moving.length > 0) {
    const list = moving.map((i) => `${i.instanceId} (${i.lifecycleState})`).join(", ");
    reasons.push({
      code: RefusalCode.instancesInTransition,
      message: `group ${group.name} is not steady: instances are still starting or stopping: ${list}`,
    });
  }
  for (const activity of group.activitiesInProgress) {
    reasons.push({
      code: RefusalCode.scalingActivityInProgress,
      message: `group ${group.name} is not steady: a scaling activity is in progress: ${activity.description}`,
    });
  }
  const suspended = RECOVERY_PROCESSES.filter((p) => group.suspendedProcesses.includes(p));
  if (suspended.length > 0) {
    const plural = suspended.length > 1;
    reasons.push({
      code: RefusalCode.processSuspended,
      message: `group ${group.name} cannot heal itself: the process${plural ? "es" : ""} ${suspended.join(", ")} ${plural ? "are" : "is"} suspended`,
    });
  }
  return reasons;
}

function checkCount(
  count: number,
  group: GroupState,
  eligible: number,
  excludedCount: number,
  request: GuardrailRequest,
  limits: Limits,
): Reason[] {
  const reasons: Reason[] = [];
  const zone = request.availabilityZone;
  if (eligible === 0) {
    const where = zone ? `in availability zone ${zone}` : `in group ${group.name}`;
    reasons.push({
      code: RefusalCode.noCandidates,
      message: `no instance ${where} can be chosen: none is InService, Healthy and free of the exclusion tag`,
    });
  } else if (count > eligible) {
    const where = zone ? ` in ${zone}` : "";
    reasons.push({
      code: RefusalCode.notEnoughCandidates,
      message: `asks for ${count} instances but only ${eligible}${where} can be chosen (${excludedCount} of the group's ${group.instances.length} cannot)`,
    });
  }
  if (count > limits.maxInstancesPerExperiment) {
    reasons.push({
      code: RefusalCode.aboveMaxInstances,
      message: `asks for ${count} instances; at most ${limits.maxInstancesPerExperiment} per experiment are allowed (MAX_INSTANCES_PER_EXPERIMENT)`,
    });
  }
  const maxByPercent = Math.floor((group.desiredCapacity * limits.maxPercentOfGroup) / 100);
  if (maxByPercent < 1) {
    reasons.push({
      code: RefusalCode.groupTooSmall,
      message: `group ${group.name} is too small: ${limits.maxPercentOfGroup}% of its desired capacity ${group.desiredCapacity} is less than one instance (MAX_PERCENT_OF_GROUP)`,
    });
  } else if (count > maxByPercent) {
    reasons.push({
      code: RefusalCode.aboveMaxPercent,
      message: `asks for ${count} instances; at most ${maxByPercent} (${limits.maxPercentOfGroup}% of desired capacity ${group.desiredCapacity}) are allowed (MAX_PERCENT_OF_GROUP)`,
    });
  }
  const left = group.instances.filter(isInServiceHealthy).length - count;
  if (left < limits.minInServiceAfter) {
    reasons.push({
      code: RefusalCode.belowMinInService,
      message: `terminating ${count} would leave ${Math.max(0, left)} InService and Healthy; at least ${limits.minInServiceAfter} must stay (MIN_IN_SERVICE_AFTER)`,
    });
  }
  return reasons;
}

const isInServiceHealthy = (i: InstanceState): boolean =>
  i.lifecycleState === "InService" && i.healthStatus === "Healthy";
