import {
  SteadyStateCode,
  checkOptIn,
  checkSteadyState,
  formatTag,
  isInServiceHealthy,
  type GroupState,
  type InstanceState,
  type Reason,
  type Tag,
} from "@macaque/shared";
import {
  TooSoonCode,
  checkTooSoon,
  effectiveLimits,
  type LimitSources,
  type Limits,
} from "./group-limits.ts";

export type { Limits } from "./group-limits.ts";

/**
 * The safety checks a request must pass before anything is chosen. Every check
 * runs and every failure is reported, so a requester fixes all of them at once.
 * Codes are stable (reports and metrics key on them); messages are for people.
 */

const RefusalCode = {
  ...SteadyStateCode,
  ...TooSoonCode,
  unknownGroup: "unknown-group",
  groupBusy: "group-busy",
  noCandidates: "no-candidates",
  aboveMaxInstances: "above-max-instances",
  groupTooSmall: "group-too-small",
  aboveMaxPercent: "above-max-percent",
  belowMinInService: "below-min-in-service",
  notEnoughCandidates: "not-enough-candidates",
} as const;
type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];

export interface GuardrailPolicy extends Limits {
  optInTag: Tag;
  excludeTag: Tag;
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
      /** Limit tags of the group that were not applied, each naming the tag and why. */
      ignoredTags: Reason[];
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
  /** When the group's last experiment ended, as the producer recorded it. */
  lastEndedAt: Date | undefined;
  now: Date;
}

export function checkGuardrails(input: GuardrailInput): GuardrailResult {
  const { request, group, policy } = input;
  if (!group) {
    const message = `no Auto Scaling group named ${request.asg} in ${input.region}`;
    return { ok: false, reasons: [{ code: RefusalCode.unknownGroup, message }] };
  }
  const { candidates, excluded } = selectCandidates(group, policy.excludeTag, request);
  const count = resolveCount(request, candidates.length);
  const { limits, sources, ignored } = effectiveLimits(policy, group.tags);
  const reasons = [
    ...checkOptIn(group, policy.optInTag),
    ...checkLease(group.name, input.experimentId, input.leaseHolder),
    // A held group's experiment has not ended: another's is group-busy, and this one's
    // own (a redelivery after the lease was taken) wrote the provisional end itself.
    ...(input.leaseHolder !== undefined
      ? []
      : checkTooSoon({
          asg: group.name,
          lastEndedAt: input.lastEndedAt,
          minMinutes: limits.minMinutesBetweenExperiments,
          source: sources.minMinutesBetweenExperiments,
          now: input.now,
        })),
    ...checkSteadyState(group),
    ...checkCount(count, group, candidates.length, excluded.length, request, limits, sources),
  ];
  // An ignored tag is not a refusal by itself, but a refused requester should see it.
  if (reasons.length > 0) return { ok: false, reasons: [...reasons, ...ignored] };
  return { ok: true, group, candidates, excluded, count, ignoredTags: ignored };
}

/** Splits the group into instances that may be chosen and the rest, each with its reason. */
function selectCandidates(
  group: GroupState,
  excludeTag: Tag,
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
  excludeTag: Tag,
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

function checkLease(asg: string, experimentId: string, holder: string | undefined): Reason[] {
  return holder === undefined || holder === experimentId ? [] : [groupBusyReason(asg, holder)];
}

export function groupBusyReason(asg: string, holder: string): Reason {
  return {
    code: RefusalCode.groupBusy,
    message: `experiment ${holder} is still running on group ${asg}; one experiment per group at a time`,
  };
}

function checkCount(
  count: number,
  group: GroupState,
  eligible: number,
  excludedCount: number,
  request: GuardrailRequest,
  limits: Limits,
  from: LimitSources,
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
      message: `asks for ${count} instances; at most ${limits.maxInstancesPerExperiment} per experiment are allowed (${from.maxInstancesPerExperiment})`,
    });
  }
  const maxByPercent = Math.floor((group.desiredCapacity * limits.maxPercentOfGroup) / 100);
  if (maxByPercent < 1) {
    reasons.push({
      code: RefusalCode.groupTooSmall,
      message: `group ${group.name} is too small: ${limits.maxPercentOfGroup}% of its desired capacity ${group.desiredCapacity} is less than one instance (${from.maxPercentOfGroup})`,
    });
  } else if (count > maxByPercent) {
    reasons.push({
      code: RefusalCode.aboveMaxPercent,
      message: `asks for ${count} instances; at most ${maxByPercent} (${limits.maxPercentOfGroup}% of desired capacity ${group.desiredCapacity}) are allowed (${from.maxPercentOfGroup})`,
    });
  }
  const left = group.instances.filter(isInServiceHealthy).length - count;
  if (left < limits.minInServiceAfter) {
    reasons.push({
      code: RefusalCode.belowMinInService,
      message: `terminating ${count} would leave ${Math.max(0, left)} InService and Healthy; at least ${limits.minInServiceAfter} must stay (${from.minInServiceAfter})`,
    });
  }
  return reasons;
}
