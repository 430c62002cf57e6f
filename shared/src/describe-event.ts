import { describeAbort, describeHalt } from "./control.ts";
import { changesLine, regressionLine } from "./history/wording.ts";
import { EventType } from "./names.ts";
import { milestoneWords, type Verdict } from "./events.ts";
import type { AnyCloudEvent, GroupObservation, InstanceSnapshot } from "./events.ts";
import { formatDuration, formatStatedError, plural } from "./format.ts";
import { describeBreach } from "./stop-alarms.ts";
import { formatTarget, type TargetGroupHealth } from "./target-health.ts";

/**
 * Events in words, for every place a person follows an experiment: the CLI's
 * live view and `watch`, and the demo. One event gives one or more steps; a step
 * with an empty label continues the one before it.
 */
export interface EventStep {
  label: string;
  text: string;
}

export const formatIds = (ids: readonly string[]): string => (ids.length ? ids.join(", ") : "none");

/** `i-1 (eu-west-1a), i-2 (eu-west-1b)`. */
export const formatVictims = (victims: readonly InstanceSnapshot[]): string =>
  formatIds(victims.map((v) => `${v.instanceId} (${v.availabilityZone})`));

/** `, verdict PASS`, or nothing when no target was set. */
export const formatVerdict = (verdict: Verdict): string =>
  verdict === "none" ? "" : `, verdict ${verdict.toUpperCase()}`;

const counts = (o: GroupObservation): string =>
  `InService ${o.inService} of ${o.desiredCapacity}, Healthy ${o.inServiceHealthy}, pending ${o.pending}`;

/** Each replacement with the state this check saw it in, not an assumed "pending". */
const replacementStates = (o: GroupObservation): string =>
  formatIds(
    o.replacements.map((id) => {
      const state = o.instances.find((i) => i.instanceId === id)?.lifecycleState;
      return state === undefined ? id : `${id} ${state}`;
    }),
  );

/** Per target group, the targets not healthy: `web-tg: i-1 (unhealthy: Target.FailedHealthChecks)`. */
export const describeTargetGroups = (groups: readonly TargetGroupHealth[]): EventStep[] =>
  groups.map((tg) => {
    const notHealthy = tg.targets.filter((t) => t.state !== "healthy");
    const healthy = tg.targets.length - notHealthy.length;
    const rest = notHealthy.length ? `; ${notHealthy.map(formatTarget).join(", ")}` : "";
    return {
      label: "",
      text: `target group ${tg.name}: ${healthy} of ${tg.targets.length} healthy${rest}`,
    };
  });

const rejectionStage = {
  parse: "not a job message",
  validation: "invalid job message",
  guardrail: "refused by the guardrails",
} as const;

export function describeEvent(event: AnyCloudEvent): EventStep[] {
  switch (event.type) {
    case EventType.experimentPlanned: {
      const { experiment, candidates, excluded } = event.data;
      const eligible = event.data.candidateCount ?? candidates.length;
      const notEligible = event.data.excludedCount ?? excluded.length;
      const chosen = `${plural(experiment.victims.length, "instance")} of ${eligible} eligible in ${experiment.asg}`;
      const extra = notEligible ? `, ${notEligible} not eligible` : "";
      return [
        {
          label: experiment.dryRun ? "dry run" : "planned",
          text: `${chosen} (desired ${experiment.desiredCapacity}${extra}), ${experiment.mode} mode, seed ${experiment.seed}`,
        },
        { label: "victims", text: formatVictims(experiment.victims) },
      ];
    }
    case EventType.experimentRejected:
      return [
        { label: "rejected", text: rejectionStage[event.data.stage] },
        ...event.data.reasons.map((r) => ({ label: "", text: `- ${r.message}` })),
      ];
    case EventType.instancesTerminated: {
      const { terminations } = event.data;
      const done = terminations.filter((t) => t.outcome === "terminated").map((t) => t.instanceId);
      const steps: EventStep[] = [{ label: "terminated", text: formatIds(done) }];
      for (const t of terminations.filter((t) => t.outcome !== "terminated")) {
        steps.push({ label: t.outcome, text: `${t.instanceId}${t.reason ? `: ${t.reason}` : ""}` });
      }
      return steps;
    }
    case EventType.terminationFailed:
      return [{ label: "failed", text: event.data.reason }];
    case EventType.recoveryProgressed: {
      const { milestone, observed } = event.data;
      const label = milestoneLabel[milestone];
      // The label already says a replacement was seen: the text says which, and how it is.
      const what =
        milestone === "replacement-seen" ? replacementStates(observed) : milestoneWords[milestone];
      return [{ label, text: `${what} (${counts(observed)})` }];
    }
    case EventType.recoveryCompleted: {
      const d = event.data;
      if (d.outcome === "recovered") {
        // The measured error bar (a late check widens it); older monitors stated the interval.
        const precision = `± ${formatStatedError(d)}, ${plural(d.checks, "check")}`;
        const ttr =
          d.timeToRecoverSeconds === null
            ? ""
            : `in ${formatDuration(d.timeToRecoverSeconds)} (${precision})`;
        const regression = d.regression?.status === "regression" ? d.regression : undefined;
        return [
          { label: "recovered", text: `${ttr}${formatVerdict(d.verdict)}`.replace(/^, /, "") },
          ...(regression
            ? [
                {
                  label: "regression",
                  text: [regressionLine(regression), changesLine(regression)].join("; "),
                },
              ]
            : []),
        ];
      }
      const last = d.lastObserved ? `; last seen ${counts(d.lastObserved)}` : "";
      if (d.outcome === "stopped") {
        const why = (d.stoppedBy ?? []).map(describeBreach).join("; ") || "a stop condition";
        return [{ label: "stopped", text: `by ${why}${last}` }];
      }
      if (d.outcome === "abandoned") {
        return [
          { label: "abandoned", text: `${d.reason?.message ?? "monitoring gave up"}${last}` },
        ];
      }
      if (d.outcome === "aborted") {
        const who = d.abort ? describeAbort(d.abort) : "aborted";
        return [{ label: "aborted", text: `${who}${last}` }];
      }
      return [
        {
          label: "not recovered",
          text: `by the ${formatDuration(d.experiment.recovery.deadlineSeconds)} deadline${last}`,
        },
        ...describeTargetGroups(d.targetGroups ?? []),
      ];
    }
    case EventType.reportSent:
      return [
        {
          label: "report",
          text: `${event.data.reportKind} report sent to ${formatIds(event.data.recipients)}`,
        },
      ];
    case EventType.messageDeadLettered: {
      const d = event.data;
      const how = d.why === "poison" ? "unusable" : `failed ${plural(d.receiveCount, "time")}`;
      return [
        {
          label: "dead-lettered",
          text: `a ${d.queue} message ${how}, now in ${d.deadLetterQueue}: ${d.error} (macaque dlq list)`,
        },
      ];
    }
    case EventType.controlHalted:
      return [{ label: "halted", text: describeHalt(event.data) }];
    case EventType.controlResumed:
      return [
        {
          label: "resumed",
          text: `by ${event.data.by}, at ${event.data.at}: ${event.data.reason || "no reason given"}`,
        },
      ];
  }
}

/** Short enough for the live view's label column. */
const milestoneLabel = {
  "replacement-seen": "replacement",
  "all-in-service": "InService",
  healthy: "healthy",
  serving: "serving",
} as const;
