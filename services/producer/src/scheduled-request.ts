import { fanOutRequestId, type JobMessage } from "@macaque/shared";
import { decideSlot, scheduleRequestId, type Draw } from "@macaque/shared/schedule";

/**
 * A job message sent by a schedule, before planning: its slot decides the
 * requestId (one slot, one experiment, however often the Scheduler delivers it),
 * the requester and the seed; a random-mode tick that is not the drawn minute is
 * skipped without a word to anyone, a fixed schedule's blackout slot is refused.
 */
export type ScheduledRequest =
  | { kind: "plan"; job: JobMessage; requestId: string; schedule?: ScheduleRecord }
  | { kind: "refuse"; requestId: string; code: "blackout"; message: string }
  | { kind: "skip"; reason: "not-drawn" | "blackout"; message: string };

/** What the plan records of the schedule (`experiment.planned`'s `schedule`). */
export interface ScheduleRecord {
  name: string;
  slot: string;
  timeZone: string;
  seed: string;
  draw?: Draw;
}

export function prepareRequest(job: JobMessage, messageId: string): ScheduledRequest {
  const run = job.schedule;
  if (!run) return { kind: "plan", job, requestId: job.requestId ?? messageId };
  const decision = decideSlot(run, job.asg);
  if (decision.kind === "skip") return decision;
  // One group's share of a scheduled selector request: the slot's id, made the group's.
  const slotId = scheduleRequestId(run.name, run.slot);
  const requestId = job.fanOut ? fanOutRequestId(slotId, job.asg) : slotId;
  if (decision.kind === "refuse") return { ...decision, requestId };
  const schedule: ScheduleRecord = {
    name: run.name,
    slot: run.slot,
    timeZone: run.timeZone,
    seed: run.seed,
    ...(decision.draw ? { draw: decision.draw } : {}),
  };
  return {
    kind: "plan",
    job: { ...job, seed: decision.seed, requestedBy: decision.requestedBy },
    requestId,
    schedule,
  };
}
