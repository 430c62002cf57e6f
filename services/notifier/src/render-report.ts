import { EventType, type QueueEvent, type QueueRole } from "@macaque/shared";
import { buildControlReport } from "./control-report.ts";
import type { ControlChange } from "./control-log.ts";
import { buildDryRunReport } from "./dry-run-report.ts";
import { clip, printable } from "./escape.ts";
import { buildRecoveryReport } from "./recovery-report.ts";
import { buildRejectionReport } from "./rejection-report.ts";
import type { RenderedReport, Report } from "./report.ts";
import { renderHtml } from "./render-html.ts";
import { renderText } from "./render-text.ts";
import { buildTerminationFailureReport } from "./termination-failure-report.ts";

/**
 * The report an event calls for, or undefined when it calls for none: a planned
 * experiment is reported only when it is a dry run (its plan is its result); a
 * real one arrives too, because the subscription filters by type alone.
 */
export function buildReport(
  event: QueueEvent<typeof QueueRole.notifications>,
  /** For a recovery report: the halts and resumes while the experiment was measured. */
  controlChanges: readonly ControlChange[] = [],
): Report | undefined {
  switch (event.type) {
    case EventType.recoveryCompleted:
      return buildRecoveryReport(event.data, controlChanges);
    case EventType.experimentRejected:
      return buildRejectionReport(event.data);
    case EventType.terminationFailed:
      return buildTerminationFailureReport(event.data);
    case EventType.experimentPlanned:
      return event.data.experiment.dryRun ? buildDryRunReport(event.data) : undefined;
    case EventType.controlHalted:
    case EventType.controlResumed:
      return buildControlReport(event.type, event.subject, event.data);
  }
}

/** Lines of the SNS summary are clipped: SMS subscribers read them too. */
const maxSummaryLine = 200;

export function renderReport(report: Report): RenderedReport {
  const lines = report.summary.map((line) =>
    clip(printable(line.replace(/\s+/g, " ")), maxSummaryLine),
  );
  return {
    kind: report.kind,
    experimentId: report.experimentId,
    subject: report.subject,
    text: renderText(report),
    html: renderHtml(report, lines[0] ?? report.subject),
    summary: [report.subject, ...lines].join("\n"),
  };
}
