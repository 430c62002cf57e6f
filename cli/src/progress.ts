import {
  EventType,
  experimentLifetime,
  recoveryDeadlineAt,
  reportMarginSeconds,
  type AnyCloudEvent,
  type EventData,
  type ExperimentContext,
  type GroupObservation,
} from "@macaque/shared";
import type { Outcome } from "./exit-codes.ts";

/**
 * What the CLI knows about one experiment, rebuilt from the events it has seen.
 * Pure: each event makes a new value, so the live view, the summary and the
 * exit code all read the same facts.
 */
export interface Progress {
  experimentId: string;
  /** Event ids already applied: SNS delivers at least once, the producer replays its plan. */
  seen: ReadonlySet<string>;
  context?: ExperimentContext;
  planned?: EventData<typeof EventType.experimentPlanned>;
  terminated?: EventData<typeof EventType.instancesTerminated>;
  milestones: EventData<typeof EventType.recoveryProgressed>["milestone"][];
  lastObserved?: GroupObservation;
  completed?: EventData<typeof EventType.recoveryCompleted>;
  rejected?: EventData<typeof EventType.experimentRejected>;
  terminationFailed?: EventData<typeof EventType.terminationFailed>;
  reportsSent: EventData<typeof EventType.reportSent>[];
  /** Messages about the experiment a service gave up on (they are in a dead-letter queue). */
  deadLettered?: EventData<typeof EventType.messageDeadLettered>[];
}

export const startProgress = (experimentId: string): Progress => ({
  experimentId,
  seen: new Set(),
  milestones: [],
  reportsSent: [],
});

/** The progress after `event`, or the same object when the event changes nothing. */
export function applyEvent(progress: Progress, event: AnyCloudEvent): Progress {
  if (event.subject !== progress.experimentId || progress.seen.has(event.id)) return progress;
  const next: Progress = { ...progress, seen: new Set([...progress.seen, event.id]) };
  switch (event.type) {
    case EventType.experimentPlanned:
      return { ...next, planned: event.data, context: event.data.experiment };
    case EventType.experimentRejected:
      return { ...next, rejected: event.data };
    case EventType.instancesTerminated:
      return { ...next, terminated: event.data, context: event.data.experiment };
    case EventType.terminationFailed:
      return { ...next, terminationFailed: event.data, context: event.data.experiment };
    case EventType.recoveryProgressed:
      return {
        ...next,
        context: event.data.experiment,
        milestones: [...next.milestones, event.data.milestone],
        lastObserved: event.data.observed,
      };
    case EventType.recoveryCompleted:
      return {
        ...next,
        completed: event.data,
        context: event.data.experiment,
        lastObserved: event.data.lastObserved ?? next.lastObserved,
      };
    case EventType.reportSent:
      return { ...next, reportsSent: [...next.reportsSent, event.data] };
    case EventType.messageDeadLettered:
      return { ...next, deadLettered: [...(next.deadLettered ?? []), event.data] };
    case EventType.controlHalted:
    case EventType.controlResumed:
      return progress;
  }
}

/** How the experiment ended, once an event says so. */
export function outcomeOf(progress: Progress): Outcome | undefined {
  if (progress.rejected) return { kind: "rejected" };
  if (progress.terminationFailed) return { kind: "termination-failed" };
  if (progress.completed) return { kind: progress.completed.outcome };
  if (progress.planned?.experiment.dryRun) return { kind: "dry-run" };
  return undefined;
}

/** The next step and the service that takes it: what a spinner shows, and whom a timeout blames. */
export function nextStep(progress: Progress): { waitingFor: string; service: string } {
  if (!progress.context) {
    return { waitingFor: "waiting for the plan", service: "producer" };
  }
  if (!progress.terminated) {
    return { waitingFor: "waiting for the terminations", service: "terminator" };
  }
  const last = progress.milestones.at(-1);
  const waitingFor =
    last === undefined
      ? "waiting for a replacement"
      : last === "replacement-seen"
        ? "waiting for the replacements to be InService"
        : last === "all-in-service"
          ? "waiting for the replacements to be Healthy"
          : "waiting for the verdict";
  return { waitingFor, service: "recovery-monitor" };
}

/**
 * When to stop waiting (ms since the epoch). Before anything is known that is
 * `answerTimeoutMs` after following began, if given. Once the experiment is known,
 * the experiment's lifetime (shared/lifetime) says when its report is due: the
 * monitor's deadline plus the report margin once the termination is known, the
 * end of the whole lifetime before that.
 */
export function giveUpAt(
  progress: Progress,
  options: { startedAt: number; answerTimeoutMs?: number | undefined },
): number | undefined {
  const { context } = progress;
  if (context) {
    const terminatedAt = progress.terminated?.terminatedAt;
    return terminatedAt === undefined
      ? experimentLifetime(context).endsBy
      : recoveryDeadlineAt(context, terminatedAt) + reportMarginSeconds * 1_000;
  }
  return options.answerTimeoutMs === undefined
    ? undefined
    : options.startedAt + options.answerTimeoutMs;
}
