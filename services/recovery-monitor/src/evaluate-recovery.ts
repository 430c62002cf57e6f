import {
  milestoneTimelineField as timelineField,
  type ExperimentContext,
  type GroupObservation,
  type Milestone,
  type RecoveryTimeline,
} from "@macaque/shared";

export interface RecoveryEvaluation {
  timeline: RecoveryTimeline;
  /** Milestones this observation reached for the first time, in the order they happen. */
  reached: Milestone[];
  recovered: boolean;
}

/**
 * Reads one observation of the group against the level captured at planning time.
 * Recovered means no terminated instance is still InService (an EC2 crash stays
 * InService until the group's health check notices) and InService instances —
 * InService and Healthy when `requireHealthy` — are back to the plan-time desired
 * capacity. A milestone keeps the time of the first check that saw it, even if a
 * later check sees the group slip back.
 */
export function evaluateRecovery(
  experiment: Pick<ExperimentContext, "desiredCapacity" | "recovery">,
  previous: RecoveryTimeline,
  observed: GroupObservation,
): RecoveryEvaluation {
  const target = experiment.desiredCapacity;
  const victimsGone = observed.victimsStillInService.length === 0;
  const holds: Record<Milestone, boolean> = {
    "replacement-seen": observed.replacements.length > 0,
    "all-in-service": victimsGone && observed.inService >= target,
    healthy: victimsGone && observed.inServiceHealthy >= target,
  };
  const timeline: RecoveryTimeline = { ...previous };
  const reached: Milestone[] = [];
  for (const milestone of Object.keys(timelineField) as Milestone[]) {
    const field = timelineField[milestone];
    if (holds[milestone] && timeline[field] === undefined) {
      timeline[field] = observed.at;
      reached.push(milestone);
    }
  }
  const recovered = experiment.recovery.requireHealthy ? holds.healthy : holds["all-in-service"];
  if (recovered) timeline.recoveredAt ??= observed.at;
  return { timeline, reached, recovered };
}
