import {
  milestoneTimelineField,
  milestoneWords,
  secondsBetween,
  targetGroupNameOf,
} from "@macaque/shared";
import type { RecoveryTimeline } from "@macaque/shared";

/**
 * The recovery timeline as a chart: one row per phase between two milestones,
 * each a bar placed and sized in whole percent of the experiment's span, so a
 * mail client can draw it as table cells without scripts or images.
 */

export type PhaseStyle = "launch" | "boot" | "health" | "serving" | "settle" | "missing";

export interface TimelinePhase {
  label: string;
  style: PhaseStyle;
  startSeconds: number;
  /** Seconds from termination; the span's end when the phase never finished. */
  endSeconds: number;
  /** False for the phase that was still running when the monitor gave up. */
  reached: boolean;
  startPercent: number;
  widthPercent: number;
}

export interface TimelineMilestone {
  label: string;
  at?: string;
  /** Seconds from termination, or undefined when it was not reached. */
  offsetSeconds?: number;
}

export interface TimelineChart {
  totalSeconds: number;
  phases: TimelinePhase[];
  milestones: TimelineMilestone[];
}

const steps = [
  {
    field: milestoneTimelineField["replacement-seen"],
    milestone: milestoneWords["replacement-seen"],
    phase: "until a replacement is seen",
    style: "launch",
  },
  {
    field: milestoneTimelineField["all-in-service"],
    milestone: milestoneWords["all-in-service"],
    phase: "replacements booting",
    style: "boot",
  },
  {
    field: milestoneTimelineField.healthy,
    milestone: milestoneWords.healthy,
    phase: "health checks",
    style: "health",
  },
  {
    field: milestoneTimelineField.serving,
    milestone: milestoneWords.serving,
    phase: "until serving",
    style: "serving",
  },
  {
    field: "recoveredAt",
    milestone: "recovered",
    phase: "until victims are gone",
    style: "settle",
  },
] as const;

/**
 * `endAt` is when the group was last observed: a run that did not recover is
 * drawn up to there, its unfinished phase in grey. `serving` says whether the
 * recovery waited for the load balancer's target health ("until serving", the
 * phase from healthy to every target healthy); without it there is no such phase.
 */
export function buildTimelineChart(
  timeline: RecoveryTimeline,
  endAt?: string,
  options: { serving?: boolean; targetGroupArns?: readonly string[] } = {},
): TimelineChart {
  const start = timeline.terminatedAt;
  const milestones: TimelineMilestone[] = [{ label: "terminated", at: start, offsetSeconds: 0 }];
  const phases: Omit<TimelinePhase, "startPercent" | "widthPercent">[] = [];
  let previous = 0;
  let missing: string[] = [];
  for (const step of steps) {
    if (step.style === "serving" && !options.serving && timeline.servingAt === undefined) continue;
    const at = timeline[step.field];
    if (at === undefined) {
      milestones.push({ label: step.milestone });
      missing.push(step.phase);
      continue;
    }
    const offset = Math.max(previous, secondsBetween(start, at));
    milestones.push({ label: step.milestone, at, offsetSeconds: offset });
    // A milestone reached without its predecessors (health not required, say)
    // folds the skipped phases into this one.
    const label = missing.length > 0 ? `${missing.join(", ")}, ${step.phase}` : step.phase;
    // Victims usually leave the group before it is healthy again: an empty
    // last phase would only be a "0 s" row that reads like a measurement.
    const empty = step.style === "settle" && offset === previous && missing.length === 0;
    if (empty) {
      previous = offset;
      continue;
    }
    phases.push({
      label,
      style: step.style,
      startSeconds: previous,
      endSeconds: offset,
      reached: true,
    });
    if (step.style === "serving" && missing.length === 0) {
      // One row per target group, each from healthy to when that one served.
      phases.push(...targetGroupPhases(timeline, options.targetGroupArns ?? [], previous, offset));
    }
    previous = offset;
    missing = [];
  }
  const observedEnd =
    endAt === undefined ? previous : Math.max(previous, secondsBetween(start, endAt));
  if (missing.length > 0) {
    phases.push({
      label: `${missing[0]} (not reached)`,
      style: "missing",
      startSeconds: previous,
      endSeconds: observedEnd,
      reached: false,
    });
  }
  const totalSeconds = Math.max(observedEnd, previous);
  return { totalSeconds, milestones, phases: phases.map((p) => placeBar(p, totalSeconds)) };
}

/**
 * Percent positions come from rounding both ends, so bars that touch in time
 * touch on screen and none runs past 100. A phase that took any time at all
 * stays visible (at least 1%).
 */
function placeBar(
  phase: Omit<TimelinePhase, "startPercent" | "widthPercent">,
  total: number,
): TimelinePhase {
  if (total <= 0) return { ...phase, startPercent: 0, widthPercent: 0 };
  const startPercent = Math.round((phase.startSeconds / total) * 100);
  const endPercent = Math.round((phase.endSeconds / total) * 100);
  let widthPercent = endPercent - startPercent;
  if (widthPercent === 0 && phase.endSeconds > phase.startSeconds) widthPercent = 1;
  return { ...phase, startPercent: Math.min(startPercent, 100 - widthPercent), widthPercent };
}

/**
 * With two or more target groups, a row for each: `until serving in web-a`, from
 * the group being healthy to that target group serving again, drawn under the
 * group's own serving row. One target group's row would repeat the group's.
 */
function targetGroupPhases(
  timeline: RecoveryTimeline,
  arns: readonly string[],
  fromSeconds: number,
  untilSeconds: number,
): Omit<TimelinePhase, "startPercent" | "widthPercent">[] {
  const servedAt = timeline.targetGroupsServingAt ?? {};
  if (arns.length < 2) return [];
  return arns.map((arn) => {
    const at = servedAt[arn];
    const end = at === undefined ? untilSeconds : secondsBetween(timeline.terminatedAt, at);
    return {
      label: `until serving in ${targetGroupNameOf(arn)}`,
      style: "serving",
      startSeconds: fromSeconds,
      endSeconds: Math.min(untilSeconds, Math.max(fromSeconds, end)),
      reached: at !== undefined,
    };
  });
}
