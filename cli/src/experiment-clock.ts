import type { AnyCloudEvent } from "@macaque/shared";

/**
 * The experiment's own clock: each line is stamped with the event's time
 * since the experiment began (planned, or rejected), not with how long this
 * process has been watching, so `watch` joining late shows the same times as
 * the `run` that started it. An experiment's start is learned from the first
 * of its events that carries it and remembered for those that do not
 * (`report.sent`).
 */
export type ExperimentClock = (event: AnyCloudEvent) => number | undefined;

interface Timed {
  experiment?: { plannedAt?: string; asg?: string };
  rejectedAt?: string;
  asg?: string;
}

export function createExperimentClock(): ExperimentClock {
  const began = new Map<string, number>();
  return (event) => {
    const data = event.data as Timed;
    const start = Date.parse(data.experiment?.plannedAt ?? data.rejectedAt ?? "");
    if (!Number.isNaN(start) && !began.has(event.subject)) began.set(event.subject, start);
    const at = Date.parse(event.time);
    const from = began.get(event.subject);
    if (from === undefined || Number.isNaN(at)) return undefined;
    return Math.max(0, (at - from) / 1_000);
  };
}

/** The group an event is about, when it says. */
export const asgOf = (event: AnyCloudEvent): string | undefined => {
  const data = event.data as Timed;
  return data.experiment?.asg ?? data.asg;
};
