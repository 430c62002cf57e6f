import {
  EventType,
  ServiceName,
  createEvent,
  eventSource,
  plural,
  type CloudEvent,
  type ExperimentContext,
  type TerminationOutcome,
} from "@macaque/shared";

export type ResultEvent =
  CloudEvent<typeof EventType.instancesTerminated> | CloudEvent<typeof EventType.terminationFailed>;

/** Puts the outcomes in the order the experiment named its victims. */
export function orderOutcomes(
  victims: readonly string[],
  outcomes: readonly TerminationOutcome[],
): TerminationOutcome[] {
  const rank = new Map(victims.map((id, i) => [id, i] as const));
  const last = victims.length;
  return [...outcomes].sort(
    (a, b) => (rank.get(a.instanceId) ?? last) - (rank.get(b.instanceId) ?? last),
  );
}

/**
 * `instances.terminated` as soon as one victim went, its `terminatedAt` the first
 * successful terminate call (where recovery is measured from);
 * `termination.failed` when none did, saying why.
 */
export function buildResultEvent(options: {
  experiment: ExperimentContext;
  outcomes: readonly TerminationOutcome[];
  now: Date;
  id?: string;
  /** Why nothing was terminated when it is not the victims' doing (a stale order); default: their reasons. */
  failureReason?: string | undefined;
  /** The stable code of an operator's refusal (`halted`, `aborted`), when that is why. */
  failureCode?: string | undefined;
}): ResultEvent {
  const { experiment, now, id } = options;
  const terminations = [...options.outcomes];
  const base = { source: eventSource(ServiceName.terminator), subject: experiment.id, now, id };
  const terminatedAt = terminations
    .filter((t) => t.outcome === "terminated")
    .map((t) => t.at)
    .sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  if (terminatedAt !== undefined) {
    return createEvent(EventType.instancesTerminated, {
      ...base,
      data: { experiment, terminations, terminatedAt },
    });
  }
  return createEvent(EventType.terminationFailed, {
    ...base,
    data: {
      experiment,
      reason: options.failureReason ?? summarizeFailure(terminations),
      terminations,
      ...(options.failureCode !== undefined && { code: options.failureCode }),
    },
  });
}

export function summarizeFailure(outcomes: readonly TerminationOutcome[]): string {
  if (outcomes.length === 0) return "terminated nothing: the order named no victims";
  const why = outcomes.map((o) => o.reason ?? `${o.instanceId}: ${o.outcome}`).join("; ");
  return `terminated none of ${plural(outcomes.length, "victim")}: ${why}`;
}
