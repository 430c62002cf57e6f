import { EventType, type QueueEvent, type QueueRole } from "@macaque/shared";
import type { ArchiveItem, HistoryEntry } from "@macaque/shared/history";
import type { RenderedReport } from "./report.ts";

/**
 * The archive's record of one finished experiment, built from the event that
 * ended it and the report rendered from it — nothing else, so a redelivery
 * builds the same bytes. Top-level fields are the columns of the Athena table
 * (infra/src/history.ts); `event` keeps everything the end event carried (the
 * job message and plan snapshot under `experiment.plan`, terminations, the
 * recovery timeline, rejection reasons).
 */
export interface ExperimentRecord {
  recordVersion: 1;
  experimentId: string;
  asg: string;
  kind: RenderedReport["kind"];
  outcome: string;
  verdict: string;
  mode: string;
  dryRun: boolean;
  startedAt: string;
  endedAt: string;
  requestId: string;
  requestedBy?: string;
  victims: number;
  timeToRecoverSeconds: number | null;
  checkIntervalSeconds: number | null;
  /** The stated error of the time to recover (the check interval from older monitors). */
  precisionSeconds: number | null;
  regression: string | null;
  /** The plan as the archive keeps it: seed, group configuration, candidates. */
  plan: Record<string, unknown> | null;
  event: QueueEvent<typeof QueueRole.notifications>;
  report: { subject: string; text: string; html: string; summary: string };
}

/** An experiment's end; the operator's halts and resumes are not archived. */
type Ending = Exclude<
  QueueEvent<typeof QueueRole.notifications>,
  { type: typeof EventType.controlHalted | typeof EventType.controlResumed }
>;

export function buildArchiveItem(event: Ending, report: RenderedReport): ArchiveItem {
  const head = headOf(event);
  const entry: HistoryEntry = {
    at: head.startedAt,
    experimentId: event.subject,
    asg: head.asg,
    outcome: head.outcome,
    verdict: head.verdict,
    mode: head.mode,
    victims: head.victims,
    timeToRecoverSeconds: head.timeToRecoverSeconds,
    precisionSeconds: head.precisionSeconds,
    regression: head.regression === "regression",
    ...(head.requestedBy !== undefined && { requestedBy: head.requestedBy }),
  };
  const record: ExperimentRecord = {
    recordVersion: 1,
    experimentId: event.subject,
    ...head,
    endedAt: event.time,
    event,
    report: {
      subject: report.subject,
      text: report.text,
      html: report.html,
      summary: report.summary,
    },
  };
  return { entry, record };
}

type Head = Omit<
  ExperimentRecord,
  "recordVersion" | "experimentId" | "endedAt" | "event" | "report"
>;

function headOf(event: Ending): Head {
  if (event.type === EventType.experimentRejected) {
    const d = event.data;
    return {
      asg: d.asg ?? "",
      kind: "rejection",
      outcome: "rejected",
      verdict: "none",
      mode: "",
      dryRun: false,
      startedAt: d.rejectedAt,
      requestId: d.requestId,
      ...(d.requestedBy !== undefined && { requestedBy: d.requestedBy }),
      victims: 0,
      timeToRecoverSeconds: null,
      checkIntervalSeconds: null,
      precisionSeconds: null,
      regression: null,
      plan: null,
    };
  }
  const { experiment } = event.data;
  const common = {
    asg: experiment.asg,
    mode: experiment.mode,
    dryRun: experiment.dryRun,
    startedAt: experiment.plannedAt,
    requestId: experiment.requestId,
    ...(experiment.requestedBy !== undefined && { requestedBy: experiment.requestedBy }),
    victims: experiment.victims.length,
    plan: {
      seed: experiment.seed,
      desiredCapacity: experiment.desiredCapacity,
      instanceIdsAtPlan: experiment.instanceIdsAtPlan,
      victims: experiment.victims,
      ...(experiment.plan ?? {}),
    },
  };
  switch (event.type) {
    case EventType.recoveryCompleted:
      return {
        ...common,
        kind: "recovery",
        outcome: event.data.outcome,
        verdict: event.data.verdict,
        timeToRecoverSeconds: event.data.timeToRecoverSeconds,
        checkIntervalSeconds: event.data.checkIntervalSeconds,
        precisionSeconds: event.data.precisionSeconds ?? event.data.checkIntervalSeconds,
        regression: event.data.regression?.status ?? null,
      };
    case EventType.terminationFailed:
      return {
        ...common,
        kind: "termination-failure",
        outcome: "termination-failed",
        verdict: "none",
        timeToRecoverSeconds: null,
        checkIntervalSeconds: null,
        precisionSeconds: null,
        regression: null,
      };
    case EventType.experimentPlanned:
      return {
        ...common,
        kind: "dry-run",
        outcome: "dry-run",
        verdict: "none",
        timeToRecoverSeconds: null,
        checkIntervalSeconds: null,
        precisionSeconds: null,
        regression: null,
      };
  }
}
