import {
  EventType,
  createEvent,
  type AbortRecord,
  eventSource,
  formatDuration,
  recoveryDeadlineAt,
  requiresServing,
  ServiceName,
  type CloudEvent,
  type EventData,
  type ExperimentContext,
  type GroupObservation,
  type Milestone,
  milestoneTimelineField,
  type Reason,
  type RecoveryTimeline,
  type TargetGroupHealth,
  type AlarmBreach,
  type TerminationOutcome,
} from "@macaque/shared";
import { atRecoveryLevel, evaluateRecovery } from "./evaluate-recovery.ts";
import {
  boundRecovery,
  type NotRecoveredSighting,
  type RecoveryBounds,
} from "./recovery-bounds.ts";
import type { RecoveryOutcome } from "@macaque/shared";
import { nextTick } from "./tick.ts";
import { decideVerdict } from "./verdict.ts";

export type CompletedEvent = CloudEvent<typeof EventType.recoveryCompleted>;
export type RecoveryEvent = CloudEvent<typeof EventType.recoveryProgressed> | CompletedEvent;

/** Everything one experiment's monitoring needs, kept as the BullMQ job's data. */
export interface MonitorJob {
  experiment: ExperimentContext;
  terminatedAt: string;
  /** Instances the terminator did terminate (skipped and failed ones are not victims). */
  terminated: string[];
  /** Each victim's outcome as the terminator reported it (absent in jobs saved before the archive). */
  terminations?: TerminationOutcome[];
  timeline: RecoveryTimeline;
  /** Checks that observed the group. */
  checks: number;
  /** Checks whose DescribeAutoScalingGroups call failed. */
  missedChecks: number;
  lastObserved: GroupObservation | null;
  /** Target states from the last check that read them (absent in jobs saved before serving). */
  lastTargetGroups?: TargetGroupHealth[];
  /**
   * Events decided by a check but not yet published. They are saved before they go
   * out and removed one by one once published, so a retry publishes only what is left.
   */
  outbox: RecoveryEvent[];
  /** Epoch ms of the next check; null once the experiment is concluded. */
  nextCheckAt: number | null;
  /** Set on a job BullMQ gave up on once its ending was published (abandon.ts). */
  endingReported?: boolean;
  /** The alarms that stopped the experiment (outcome `stopped`). */
  stoppedBy?: AlarmBreach[];
  /** Set when an operator's abort ended the monitoring (outcome `aborted`). */
  abort?: AbortRecord;
  /**
   * The latest look that saw the group not recovered (absent: none yet, the
   * termination itself): where the stated precision starts.
   */
  notRecovered?: NotRecoveredSighting;
  /** Launch events received for this group: instance id → when it was launched. */
  launches?: Record<string, string>;
  /** Terminate events received for its victims: instance id → when it was terminated. */
  terminateEvents?: Record<string, string>;
  /**
   * Quick checks still to come after a launch event, and how far apart: on the
   * shared grid of tick.ts, and only while a look still awaits something no event
   * announces (see awaitsFollowUp).
   */
  followUp?: { everyMs: number; left: number };
  /** Where the true recovery moment lies (set once recovered). */
  bounds?: RecoveryBounds;
}

/** What woke a check: one of AWS's events about the group or one of its victims. */
export interface WakeSignal {
  kind: "launched" | "terminated" | "state-changed";
  instanceId: string;
  /** When it happened, by AWS's clock (the activity's end, or the event's time). */
  at: string;
}

/** What one check found: the group, no such group, or no answer from AWS. */
export type Look =
  { kind: "observed"; observation: GroupObservation } | { kind: "gone" } | { kind: "missed" };

export interface Conclusion {
  outcome: RecoveryOutcome;
  timeToRecoverSeconds: number | null;
  /** Recovered: where the true time to recover lies, and the largest error of the one stated. */
  precision?: {
    lowerSeconds: number;
    upperSeconds: number;
    precisionSeconds: number;
    detectedBy: RecoveryBounds["detectedBy"];
  };
  /** Seconds from termination to the check that concluded. */
  elapsedSeconds: number;
  /** Set when the group no longer exists. */
  groupGone: boolean;
  /** Why monitoring ended early, when it did. */
  reason?: Reason;
  /** Set when the experiment was aborted. */
  abort?: AbortRecord;
}

export interface CheckDecision {
  job: MonitorJob;
  reached: Milestone[];
  /** Set when this check ends the experiment. */
  conclusion?: Conclusion;
}

const source = eventSource(ServiceName.recoveryMonitor);
const ms = (iso: string): number => Date.parse(iso);
const secondsBetween = (from: string, to: string): number =>
  Math.max(0, Math.round(ms(to) - ms(from)) / 1000);

const deadlineOf = (job: Pick<MonitorJob, "experiment" | "terminatedAt">): number =>
  recoveryDeadlineAt(job.experiment, job.terminatedAt);

/**
 * The first check is one interval after the termination (at once if the event came
 * late), and never after the deadline.
 */
export function startMonitorJob(
  data: EventData<typeof EventType.instancesTerminated>,
  now: Date,
): MonitorJob & { nextCheckAt: number } {
  const job: MonitorJob = {
    experiment: data.experiment,
    terminatedAt: data.terminatedAt,
    terminated: data.terminations
      .filter((t) => t.outcome === "terminated")
      .map((t) => t.instanceId),
    terminations: data.terminations,
    timeline: { terminatedAt: data.terminatedAt },
    checks: 0,
    missedChecks: 0,
    lastObserved: null,
    outbox: [],
    nextCheckAt: null,
  };
  const interval = data.experiment.recovery.checkIntervalSeconds * 1000;
  const first = Math.max(now.getTime(), ms(data.terminatedAt) + interval);
  return { ...job, nextCheckAt: Math.min(deadlineOf(job), first) };
}

/**
 * Folds one check into the job: milestones reached become `recovery.progressed`
 * events; recovery, an alarm in ALARM (`stoppedBy`), a vanished group or the deadline end the experiment with
 * `recovery.completed`; otherwise the next check is at the next whole interval
 * after the termination, or sooner, at the next tick of the shared grid, while a
 * launch's follow-ups last and the look awaits one (awaitsFollowUp); never after
 * the deadline. Event ids are derived from the experiment, so a retried check that
 * decides the same thing publishes events a consumer can recognise as duplicates.
 * An operator's abort ends it at this check with outcome `aborted` and what was
 * measured so far, unless this very check found the group recovered.
 */
export function concludeCheck(
  job: MonitorJob,
  look: Look,
  now: Date,
  stoppedBy: readonly AlarmBreach[] = [],
  abort?: AbortRecord,
): CheckDecision {
  let next: MonitorJob = {
    ...job,
    checks: job.checks + (look.kind === "observed" ? 1 : 0),
    missedChecks: job.missedChecks + (look.kind === "missed" ? 1 : 0),
  };
  const outbox: RecoveryEvent[] = [];
  let reached: Milestone[] = [];
  let recovered = false;
  if (look.kind === "observed") {
    const evaluation = evaluateRecovery(
      { ...job.experiment, terminated: job.terminated },
      job.timeline,
      look.observation,
    );
    next = { ...next, timeline: evaluation.timeline, lastObserved: look.observation };
    const atLevel = (i: Parameters<typeof atRecoveryLevel>[1]) =>
      atRecoveryLevel(job.experiment, i);
    if (!evaluation.recovered) {
      next.notRecovered = {
        askedAt: look.observation.askedAt ?? look.observation.at,
        levelIds: look.observation.instances.filter(atLevel).map((i) => i.instanceId),
      };
    } else if (!job.timeline.recoveredAt) {
      const bounds = boundRecovery({
        last: job.notRecovered ?? { askedAt: job.terminatedAt, levelIds: [] },
        confirmed: look.observation,
        desired: job.experiment.desiredCapacity,
        atLevel,
        launches: job.launches ?? {},
        inServiceSuffices:
          !job.experiment.recovery.requireHealthy && !requiresServing(job.experiment),
      });
      next.bounds = bounds;
      // What this look saw first, it saw at the moment the event dated: one timeline.
      const timeline = { ...next.timeline, recoveredAt: bounds.pointAt };
      if (bounds.detectedBy === "event") {
        for (const m of evaluation.reached) timeline[milestoneTimelineField[m]] = bounds.pointAt;
      }
      next.timeline = timeline;
    }
    const { targetGroups } = look.observation;
    if (targetGroups) next.lastTargetGroups = targetGroups;
    reached = evaluation.reached;
    recovered = evaluation.recovered;
    for (const milestone of reached) outbox.push(progressedEvent(next, milestone, now));
  }
  const nowMs = now.getTime();
  const deadline = deadlineOf(job);
  const stopped = stoppedBy.length > 0;
  const aborted = abort !== undefined && !recovered && !stopped;
  if (!recovered && !stopped && !aborted && look.kind !== "gone" && nowMs < deadline) {
    const { followUp } = job;
    const grid = nextOnGrid(job, nowMs);
    if (followUp && followUp.left > 0 && awaitsFollowUp(next, look)) {
      const nextCheckAt = Math.min(deadline, grid, nextTick(nowMs, followUp.everyMs));
      next.followUp = { ...followUp, left: followUp.left - 1 };
      return { job: { ...next, outbox, nextCheckAt }, reached };
    }
    return { job: { ...next, outbox, nextCheckAt: Math.min(deadline, grid) }, reached };
  }
  const recoveredAt = next.timeline.recoveredAt;
  // An alarm that fired ends the experiment as stopped even at the check that saw
  // the group recover: the service hurt, and the timeline still shows the recovery.
  if (stopped) next = { ...next, stoppedBy: [...stoppedBy] };
  const conclusion: Conclusion = {
    outcome: stopped ? "stopped" : recovered ? "recovered" : aborted ? "aborted" : "not-recovered",
    timeToRecoverSeconds:
      recovered && recoveredAt ? secondsBetween(job.terminatedAt, recoveredAt) : null,
    ...(recovered && next.bounds && { precision: precisionOf(job.terminatedAt, next.bounds) }),
    elapsedSeconds: secondsBetween(job.terminatedAt, now.toISOString()),
    groupGone: look.kind === "gone",
    ...(look.kind === "gone" && {
      reason: {
        code: "group-deleted",
        message: `the group ${job.experiment.asg} no longer exists: it was deleted ${formatDuration(secondsBetween(job.terminatedAt, now.toISOString()))} after the termination`,
      },
    }),
    ...(aborted && { abort }),
  };
  outbox.push(completedEvent(next, conclusion, now));
  const ended = { ...next, outbox, nextCheckAt: null, ...(aborted && { abort }) };
  return { job: ended, reached, conclusion };
}

/** The bounds as seconds from the termination, and the largest error of the point between them. */
function precisionOf(
  terminatedAt: string,
  bounds: RecoveryBounds,
): NonNullable<Conclusion["precision"]> {
  const lowerSeconds = secondsBetween(terminatedAt, bounds.lowerAt);
  const upperSeconds = secondsBetween(terminatedAt, bounds.upperAt);
  const point = secondsBetween(terminatedAt, bounds.pointAt);
  const precisionSeconds =
    Math.round(Math.max(point - lowerSeconds, upperSeconds - point) * 1000) / 1000;
  return { lowerSeconds, upperSeconds, precisionSeconds, detectedBy: bounds.detectedBy };
}

/**
 * Folds the wake-ups received since the last check into the job: each launch
 * event's time (a lower bound on the recovery, see recovery-bounds.ts) and each
 * victim's terminate event; after a launch, up to `followUp.checks` quick checks
 * `followUp.everyMs` apart, because the replacement's health, which no event
 * announces, usually follows within seconds. A later launch gives the count back in
 * full (its own health is as far off), which costs nothing once nothing is awaited:
 * follow-ups stop as soon as a look finds every replacement at the level.
 */
export function noteWakeSignals(
  job: MonitorJob,
  signals: readonly WakeSignal[],
  followUp: { everyMs: number; checks: number },
): MonitorJob {
  const launched = signals.filter((s) => s.kind === "launched");
  const gone = signals.filter((s) => s.kind === "terminated");
  if (launched.length === 0 && gone.length === 0) return job;
  const earliest = (known: Record<string, string> | undefined, seen: WakeSignal[]) => {
    const times = { ...known };
    for (const s of seen) {
      const at = times[s.instanceId];
      if (at === undefined || ms(s.at) < ms(at)) times[s.instanceId] = s.at;
    }
    return times;
  };
  return {
    ...job,
    ...(launched.length > 0 && { launches: earliest(job.launches, launched) }),
    ...(gone.length > 0 && { terminateEvents: earliest(job.terminateEvents, gone) }),
    ...(launched.length > 0 &&
      followUp.checks > 0 && { followUp: { everyMs: followUp.everyMs, left: followUp.checks } }),
  };
}

/**
 * Whether the next check should be a quick follow-up rather than wait for the
 * next event or the interval: while the look shows something no event will
 * announce — an InService instance not yet at the level (its health), the target
 * health of a group that must serve — or lags an event already received (a
 * launched instance not listed at the level yet, a victim still InService after
 * its terminate event: describes may trail events). A Pending instance's launch
 * has its event; a missed look saw nothing, so it goes on.
 */
export function awaitsFollowUp(job: MonitorJob, look: Look): boolean {
  if (look.kind !== "observed") return true;
  if (requiresServing(job.experiment)) return true;
  const { instances, victimsStillInService } = look.observation;
  const atLevel = new Set(
    instances.filter((i) => atRecoveryLevel(job.experiment, i)).map((i) => i.instanceId),
  );
  const victims = new Set(job.terminated);
  const healthAwaited = instances.some(
    (i) =>
      i.lifecycleState === "InService" && !victims.has(i.instanceId) && !atLevel.has(i.instanceId),
  );
  const eventAhead = Object.keys(job.launches ?? {}).some((id) => !atLevel.has(id));
  const gone = job.terminateEvents ?? {};
  return healthAwaited || eventAhead || victimsStillInService.some((id) => gone[id] !== undefined);
}

/**
 * Checks keep to a grid of whole intervals from the termination rather than one
 * interval after the previous check ended: the gap between two checks, the
 * precision of the measured time, stays the interval instead of growing by each
 * check's own duration, and experiments terminated together stay in step, so their
 * checks share describe calls.
 */
function nextOnGrid(job: MonitorJob, nowMs: number): number {
  const interval = job.experiment.recovery.checkIntervalSeconds * 1000;
  const start = ms(job.terminatedAt);
  return start + interval * (Math.floor((nowMs - start) / interval) + 1);
}

function progressedEvent(job: MonitorJob, milestone: Milestone, now: Date): RecoveryEvent {
  const observed = job.lastObserved as GroupObservation;
  return createEvent(EventType.recoveryProgressed, {
    source,
    subject: job.experiment.id,
    id: `${job.experiment.id}/recovery.progressed/${milestone}`,
    now,
    data: {
      experiment: job.experiment,
      milestone,
      elapsedSeconds: secondsBetween(job.terminatedAt, observed.at),
      observed,
    },
  });
}

function completedEvent(job: MonitorJob, conclusion: Conclusion, now: Date): CompletedEvent {
  const { recovery } = job.experiment;
  return createEvent(EventType.recoveryCompleted, {
    source,
    subject: job.experiment.id,
    id: `${job.experiment.id}/recovery.completed`,
    now,
    data: {
      experiment: job.experiment,
      outcome: conclusion.outcome,
      verdict: decideVerdict(
        conclusion.outcome,
        conclusion.timeToRecoverSeconds,
        recovery.targetSeconds,
      ),
      timeToRecoverSeconds: conclusion.timeToRecoverSeconds,
      ...(conclusion.precision && {
        timeToRecoverBounds: {
          lowerSeconds: conclusion.precision.lowerSeconds,
          upperSeconds: conclusion.precision.upperSeconds,
        },
        precisionSeconds: conclusion.precision.precisionSeconds,
        detectedBy: conclusion.precision.detectedBy,
      }),
      timeline: job.timeline,
      lastObserved: job.lastObserved,
      checkIntervalSeconds: recovery.checkIntervalSeconds,
      checks: job.checks,
      terminated: job.terminated,
      ...(job.lastTargetGroups && { targetGroups: job.lastTargetGroups }),
      ...(conclusion.reason && { reason: conclusion.reason }),
      ...(job.stoppedBy && { stoppedBy: job.stoppedBy }),
      ...(conclusion.abort && { abort: conclusion.abort }),
      ...(job.terminations && { terminations: job.terminations }),
    },
  });
}

/**
 * The experiment's one `recovery.completed` when monitoring cannot go on (BullMQ's
 * retries for Redis or SNS ran out): outcome `abandoned`, what was measured so far
 * and why. Same event id as a regular conclusion, so it is never a second ending.
 */
export function abandonedEvent(job: MonitorJob, why: string, now: Date): CompletedEvent {
  return completedEvent(
    job,
    {
      outcome: "abandoned",
      timeToRecoverSeconds: null,
      elapsedSeconds: secondsBetween(job.terminatedAt, now.toISOString()),
      groupGone: false,
      reason: { code: "monitor-gave-up", message: `the recovery-monitor could not go on: ${why}` },
    },
    now,
  );
}
