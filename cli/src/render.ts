import {
  describeAbort,
  formatClock,
  formatDuration,
  formatBounds,
  formatStatedError,
  formatIds,
  formatVerdict,
  formatVictims,
  formatTarget,
  plural,
  requiresServing,
  type EventStep,
  describeBreach,
} from "@macaque/shared";
import type { Outcome } from "./exit-codes.ts";
import type { Progress } from "./progress.ts";

/**
 * The live view and the summary as plain text. Pure: lines in, lines out, so
 * tests read exactly what a person sees.
 */

/**
 * Control characters become `?`: events quote what a requester wrote (reasons,
 * requestedBy), and an escape sequence in it must not drive the watcher's terminal.
 */
export const printable = (text: string): string => text.replace(/\p{Cc}/gu, "?");

/** One line of the live view: elapsed time, phase, what happened. */
export function formatStep(elapsedSeconds: number, step: EventStep): string {
  const time = step.label ? `+${formatClock(elapsedSeconds)}` : "";
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
    const precision = `± ${formatStatedError(completed)}, ${plural(completed.checks, "check")}`;
    rows.push([
      "time to recover",
      `${formatDuration(completed.timeToRecoverSeconds)} (${precision})${formatVerdict(completed.verdict)}`,
    ]);
    const bounds = formatBounds(completed);
    if (bounds) rows.push(["precision", bounds]);
  } else if (completed?.abort) {
    rows.push(["aborted", describeAbort(completed.abort)]);
  } else if (completed) {
    rows.push([
      "time to recover",
      `${completed.outcome === "stopped" ? "none: stopped before it recovered" : `none within ${formatDuration(ctx!.recovery.deadlineSeconds)}`}${formatVerdict(completed.verdict)}`,
    ]);
  }
  if (ctx && ctx.victims.length > 0) rows.push(["victims", formatVictims(ctx.victims)]);
  const observed = progress.lastObserved;
  if (observed && progress.terminated) {
    rows.push(["replacements", formatIds(observed.replacements)]);
    if (observed.victimsStillInService.length > 0) {
      rows.push(["still InService", formatIds(observed.victimsStillInService)]);
    }
  }
  for (const tg of completed?.targetGroups ?? []) {
    const notHealthy = tg.targets.filter((t) => t.state !== "healthy");
    const healthy = tg.targets.length - notHealthy.length;
    const rest = notHealthy.length ? `; ${notHealthy.map(formatTarget).join(", ")}` : "";
    rows.push([`target group ${tg.name}`, `${healthy} of ${tg.targets.length} healthy${rest}`]);
  }
  if (progress.rejected) {
    for (const r of progress.rejected.reasons) rows.push(["reason", r.message]);
  }
  if (progress.terminationFailed) rows.push(["reason", progress.terminationFailed.reason]);
  if (completed?.reason) rows.push(["reason", completed.reason.message]);
  for (const breach of completed?.stoppedBy ?? [])
    rows.push(["stopped by", describeBreach(breach)]);
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
      return `RECOVERED${group}: back to ${progress.context?.desiredCapacity} InService and Healthy${progress.context && requiresServing(progress.context) ? ", serving in every target group" : ""}`;
    case "not-recovered":
      return `NOT RECOVERED${group} ${progress.completed?.reason ? "" : "before the deadline"}`.trimEnd();
    case "abandoned":
      return `ABANDONED${group}: the recovery-monitor could not go on measuring`;
    case "stopped":
      return `STOPPED${group}: a stop-condition alarm went into ALARM`;
    case "aborted":
      return `ABORTED${group}: monitoring ended before recovery`;
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
