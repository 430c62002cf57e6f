import {
  EventType,
  type AnyCloudEvent,
  type GroupObservation,
  type InstanceSnapshot,
} from "@macaque/shared";
import { formatDuration } from "./duration.ts";
import type { Outcome } from "./exit-codes.ts";
import type { Progress } from "./progress.ts";

/**
 * The live view and the summary as plain text. Pure: lines in, lines out, so
 * tests read exactly what a person sees.
 */

export interface Step {
  label: string;
  text: string;
}

const list = (ids: readonly string[]): string => (ids.length ? ids.join(", ") : "none");
const withZones = (victims: readonly InstanceSnapshot[]): string =>
  list(victims.map((v) => `${v.instanceId} (${v.availabilityZone})`));
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
const counts = (o: GroupObservation): string =>
  `InService ${o.inService} of ${o.desiredCapacity}, Healthy ${o.inServiceHealthy}, pending ${o.pending}`;
const seconds = (s: number) => `${s.toFixed(1)} s`;
/** Each replacement with the state this check saw it in, not an assumed "pending". */
const replacementStates = (o: GroupObservation): string =>
  list(
    o.replacements.map((id) => {
      const state = o.instances.find((i) => i.instanceId === id)?.lifecycleState;
      return state === undefined ? id : `${id} ${state}`;
    }),
  );

/** The phase lines one event adds to the live view. */
export function describeEvent(event: AnyCloudEvent): Step[] {
  switch (event.type) {
    case EventType.experimentPlanned: {
      const { experiment, candidates, excluded } = event.data;
      const chosen = `${plural(experiment.victims.length, "instance")} of ${candidates.length} eligible in ${experiment.asg}`;
      const extra = excluded.length ? `, ${excluded.length} not eligible` : "";
      return [
        {
          label: experiment.dryRun ? "dry run" : "planned",
          text: `${chosen} (desired ${experiment.desiredCapacity}${extra}), ${experiment.mode} mode, seed ${experiment.seed}`,
        },
        { label: "victims", text: withZones(experiment.victims) },
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
      const steps: Step[] = [{ label: "terminated", text: list(done) }];
      for (const t of terminations.filter((t) => t.outcome !== "terminated")) {
        steps.push({ label: t.outcome, text: `${t.instanceId}${t.reason ? `: ${t.reason}` : ""}` });
      }
      return steps;
    }
    case EventType.terminationFailed:
      return [{ label: "failed", text: event.data.reason }];
    case EventType.recoveryProgressed: {
      const { milestone, observed } = event.data;
      const label =
        milestone === "replacement-seen"
          ? "replacement"
          : milestone === "all-in-service"
            ? "InService"
            : "healthy";
      const what =
        milestone === "replacement-seen"
          ? replacementStates(observed)
          : milestone === "all-in-service"
            ? "every replacement InService"
            : "back to desired capacity, all Healthy";
      return [{ label, text: `${what} (${counts(observed)})` }];
    }
    case EventType.recoveryCompleted: {
      const d = event.data;
      if (d.outcome === "recovered") {
        const ttr = d.timeToRecoverSeconds === null ? "" : `in ${seconds(d.timeToRecoverSeconds)}`;
        return [{ label: "recovered", text: `${ttr}${verdictText(d.verdict)}`.replace(/^, /, "") }];
      }
      const last = d.lastObserved ? `; last seen ${counts(d.lastObserved)}` : "";
      return [
        {
          label: "not recovered",
          text: `by the ${seconds(d.experiment.recovery.deadlineSeconds)} deadline${last}`,
        },
      ];
    }
    case EventType.reportSent:
      return [
        {
          label: "report",
          text: `${event.data.reportKind} report sent to ${list(event.data.recipients)}`,
        },
      ];
  }
}

const rejectionStage = {
  parse: "not a job message",
  validation: "invalid job message",
  guardrail: "refused by the guardrails",
} as const;

const verdictText = (verdict: "pass" | "fail" | "none") =>
  verdict === "none" ? "" : `, verdict ${verdict.toUpperCase()}`;

/**
 * Control characters become `?`: events quote what a requester wrote (reasons,
 * requestedBy), and an escape sequence in it must not drive the watcher's terminal.
 */
export const printable = (text: string): string => text.replace(/\p{Cc}/gu, "?");

/** One line of the live view: elapsed time, phase, what happened. */
export function formatStep(elapsedSeconds: number, step: Step): string {
  const time = step.label ? `+${formatDuration(elapsedSeconds)}` : "";
  return printable(`${time.padStart(9)}  ${step.label.padEnd(13)} ${step.text}`.trimEnd());
}

/** The closing summary: outcome first, then the facts a report needs. */
export function summarize(outcome: Outcome, progress: Progress): string[] {
  const id = progress.experimentId;
  const ctx = progress.context;
  const rows: [string, string][] = [];
  const headline = headlineOf(outcome, progress);
  const completed = progress.completed;
  if (completed?.timeToRecoverSeconds != null) {
    const precision = `± ${completed.checkIntervalSeconds} s, ${plural(completed.checks, "check")}`;
    rows.push([
      "time to recover",
      `${seconds(completed.timeToRecoverSeconds)} (${precision})${verdictText(completed.verdict)}`,
    ]);
  } else if (completed) {
    rows.push([
      "time to recover",
      `none within ${seconds(ctx!.recovery.deadlineSeconds)}${verdictText(completed.verdict)}`,
    ]);
  }
  if (ctx && ctx.victims.length > 0) rows.push(["victims", withZones(ctx.victims)]);
  const observed = progress.lastObserved;
  if (observed && progress.terminated) {
    rows.push(["replacements", list(observed.replacements)]);
    if (observed.victimsStillInService.length > 0) {
      rows.push(["still InService", list(observed.victimsStillInService)]);
    }
  }
  if (progress.rejected) {
    for (const r of progress.rejected.reasons) rows.push(["reason", r.message]);
  }
  if (progress.terminationFailed) rows.push(["reason", progress.terminationFailed.reason]);
  rows.push(["experiment", id]);
  if (outcome.kind === "timed-out" || outcome.kind === "interrupted") {
    rows.push(["follow again", `macaque watch ${id}`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return [headline, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].map(printable);
}

function headlineOf(outcome: Outcome, progress: Progress): string {
  const asg = progress.context?.asg ?? progress.rejected?.asg;
  const group = asg ? ` (${asg})` : "";
  switch (outcome.kind) {
    case "recovered":
      return `RECOVERED${group}: back to ${progress.context?.desiredCapacity} InService and Healthy`;
    case "not-recovered":
      return `NOT RECOVERED${group} before the deadline`;
    case "dry-run":
      return `DRY RUN planned${group}: nothing was terminated`;
    case "rejected":
      return `REJECTED${group}: nothing was terminated`;
    case "termination-failed":
      return `TERMINATION FAILED${group}: nothing was terminated`;
    case "timed-out":
      return `NO ANSWER${group}: gave up ${outcome.waitingFor}; the experiment may go on`;
    case "interrupted":
      return `STOPPED WATCHING${group}; the experiment goes on`;
  }
}
