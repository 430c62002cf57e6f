import {
  milestoneTimelineField as timelineField,
  requiresServing,
  type ExperimentContext,
  type GroupObservation,
  type InstanceSnapshot,
  type Milestone,
  type RecoveryTimeline,
} from "@macaque/shared";
import { isServing, servingTargetGroups } from "./evaluate-serving.ts";

export interface RecoveryEvaluation {
  timeline: RecoveryTimeline;
  /** Milestones this observation reached for the first time, in the order they happen. */
  reached: Milestone[];
  recovered: boolean;
}

type EvaluatedExperiment = Pick<
  ExperimentContext,
  "desiredCapacity" | "recovery" | "targetGroupArns"
> & {
  /** Instances the terminator did terminate; default none. */
  terminated?: readonly string[];
};

/** Whether an instance counts toward recovery: InService, and Healthy when required. */
export function atRecoveryLevel(
  experiment: Pick<ExperimentContext, "recovery">,
  instance: InstanceSnapshot,
): boolean {
  return (
    instance.lifecycleState === "InService" &&
    (!experiment.recovery.requireHealthy || instance.healthStatus === "Healthy")
  );
}

/** The milestone the group must reach before its target health is worth reading. */
const groupLevel = (experiment: EvaluatedExperiment): "healthy" | "all-in-service" =>
  experiment.recovery.requireHealthy ? "healthy" : "all-in-service";

/**
 * Whether a check should read the experiment's target groups: only when serving
 * is required, and only once the group itself is back (InService, Healthy when
 * required), so an experiment costs no ELB calls while replacements boot.
 */
export function needsTargetHealth(
  experiment: EvaluatedExperiment,
  observed: GroupObservation,
): boolean {
  return requiresServing(experiment) && groupHolds(experiment, observed)[groupLevel(experiment)];
}

function groupHolds(
  experiment: EvaluatedExperiment,
  observed: GroupObservation,
): Record<Exclude<Milestone, "serving">, boolean> {
  const target = experiment.desiredCapacity;
  const victimsGone = observed.victimsStillInService.length === 0;
  return {
    "replacement-seen": observed.replacements.length > 0,
    "all-in-service": victimsGone && observed.inService >= target,
    healthy: victimsGone && observed.inServiceHealthy >= target,
  };
}

/**
 * Reads one observation of the group against the level captured at planning time.
 * Recovered means no terminated instance is still InService (an EC2 crash stays
 * InService until the group's health check notices) and InService instances —
 * InService and Healthy when `requireHealthy` — are back to the plan-time desired
 * capacity; when serving is required (by default for a group behind target
 * groups), also that the group is `serving` (see isServing). A milestone keeps the
 * time of the first check that saw it, even if a later check sees the group slip back.
 */
export function evaluateRecovery(
  experiment: EvaluatedExperiment,
  previous: RecoveryTimeline,
  observed: GroupObservation,
): RecoveryEvaluation {
  const group = groupHolds(experiment, observed);
  const serving =
    requiresServing(experiment) &&
    group[groupLevel(experiment)] &&
    isServing(
      observed,
      experiment.targetGroupArns ?? [],
      experiment.terminated ?? [],
      experiment.desiredCapacity,
    );
  const holds: Record<Milestone, boolean> = { ...group, serving };
  const timeline: RecoveryTimeline = { ...previous };
  const reached: Milestone[] = [];
  for (const milestone of Object.keys(timelineField) as Milestone[]) {
    const field = timelineField[milestone];
    if (holds[milestone] && timeline[field] === undefined) {
      timeline[field] = observed.at;
      reached.push(milestone);
    }
  }
  if (requiresServing(experiment) && group[groupLevel(experiment)] && observed.targetGroups) {
    const servedBefore = timeline.targetGroupsServingAt ?? {};
    const now = servingTargetGroups(
      observed,
      experiment.targetGroupArns ?? [],
      experiment.terminated ?? [],
      experiment.desiredCapacity,
    ).filter((arn) => servedBefore[arn] === undefined);
    if (now.length > 0) {
      timeline.targetGroupsServingAt = {
        ...servedBefore,
        ...Object.fromEntries(now.map((arn) => [arn, observed.at])),
      };
    }
  }
  const recovered = requiresServing(experiment) ? serving : holds[groupLevel(experiment)];
  if (recovered) timeline.recoveredAt ??= observed.at;
  return { timeline, reached, recovered };
}
