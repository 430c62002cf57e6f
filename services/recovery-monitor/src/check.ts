import { DelayedError, type Job } from "bullmq";
import type { AutoScalingGroup } from "@aws-sdk/client-auto-scaling";
import {
  EventType,
  type AbortRecord,
  type ExperimentContext,
  type Logger,
  type RegressionAssessment,
  type TargetGroupHealth,
} from "@macaque/shared";
import { needsTargetHealth } from "./evaluate-recovery.ts";
import {
  concludeCheck,
  type CheckDecision,
  type Look,
  type MonitorJob,
  type RecoveryEvent,
  type WakeSignal,
  noteWakeSignals,
} from "./monitor-job.ts";
import type { MonitorMetrics } from "./monitor-metrics.ts";
import { observeGroup } from "./observe-group.ts";
import { nextTick } from "./tick.ts";
import { lookAtAlarms, type AlarmLookDependencies } from "./stop-conditions.ts";

export interface CheckDependencies extends AlarmLookDependencies {
  /** Batched DescribeAutoScalingGroups: the group, or undefined when it does not exist. */
  describeGroup(name: string): Promise<AutoScalingGroup | undefined>;
  /**
   * Shared, rate-limited DescribeTargetHealth of one target group. Absent when
   * the monitor has no ELB client; then no experiment can reach `serving`.
   */
  describeTargetGroup?(arn: string): Promise<TargetGroupHealth | undefined>;
  /**
   * This experiment's abort, if an operator aborted it: read once per batch window
   * for every check in it (one GetParametersByPath). Absent: aborts are not read.
   */
  findAbort?(experimentId: string): Promise<AbortRecord | undefined>;
  publish(event: RecoveryEvent): Promise<void>;
  /**
   * Compares a recovered run with the group's history (assess-regression.ts);
   * absent without an archive (HISTORY_BUCKET unset).
   */
  assessRegression?(experiment: ExperimentContext, seconds: number): Promise<RegressionAssessment>;
  logger: Logger;
  metrics: Pick<MonitorMetrics, "checks" | "recoverySeconds">;
  now(): Date;
  /**
   * The wake-ups (AWS's events about the group) received for this job since its
   * last check, taken so none is read twice; absent without events.
   */
  takeWakeSignals?(jobId: string): Promise<WakeSignal[]>;
  /** Whether wake-ups arrived while the check ran: then the next check is at once. */
  hasWakeSignals?(jobId: string): Promise<boolean>;
  /** Quick checks after a launch event (see noteWakeSignals). */
  followUp?: { everyMs: number; checks: number };
}

/** What a finished job returns (BullMQ keeps it as the job's return value). */
export interface CheckSummary {
  outcome: string;
  checks: number;
}

/**
 * The BullMQ processor: one run is one check of one experiment. It decides, saves
 * the decision with its events (the outbox), publishes them, then either finishes
 * the job or moves it back to the delayed set for the next check under the same
 * job id — BullMQ's step-job pattern: `moveToDelayed(at, token)`, then throw
 * `DelayedError` so the worker neither completes nor fails it. If a run fails after
 * saving, the retry finds the outbox and only publishes what is left.
 */
export function createCheckProcessor(deps: CheckDependencies) {
  return async (job: Job<MonitorJob>, token?: string): Promise<CheckSummary> => {
    let data = job.data;
    const logger = deps.logger.child({
      experimentId: data.experiment.id,
      asg: data.experiment.asg,
    });
    if (data.outbox.length === 0 && data.nextCheckAt !== null) {
      const [look, stoppedBy, abort] = await Promise.all([
        lookAtGroup(deps, data, logger),
        lookAtAlarms(deps, data.experiment, logger),
        lookForAbort(deps, data, logger),
      ]);
      // Taken after the look: an event that arrived while it ran happened before its
      // answer, so its launch time may date what the look saw.
      const signals = (await deps.takeWakeSignals?.(job.id ?? "")) ?? [];
      if (signals.length > 0) {
        data = noteWakeSignals(data, signals, deps.followUp ?? { everyMs: 0, checks: 0 });
        logger.debug({ event: "recovery.woken", signals: signals.length }, "woken by an event");
      }
      const decision = concludeCheck(data, look, deps.now(), stoppedBy, abort);
      data = await withRegression(deps, decision, logger);
      await job.updateData(data);
      record(deps, decision, logger);
    }
    while (data.outbox.length > 0) {
      const [event, ...rest] = data.outbox as [RecoveryEvent, ...RecoveryEvent[]];
      await deps.publish(event);
      data = { ...data, outbox: rest };
      await job.updateData(data);
    }
    if (data.nextCheckAt === null) {
      const outcome = data.stoppedBy
        ? "stopped"
        : data.timeline.recoveredAt
          ? "recovered"
          : data.abort
            ? "aborted"
            : "not-recovered";
      return { outcome, checks: data.checks };
    }
    // A wake-up that came while this check ran is answered at the next tick of the
    // shared grid (with the checks other events woke), not at the next interval.
    const woken = (await deps.hasWakeSignals?.(job.id ?? "")) ?? false;
    const nowMs = deps.now().getTime();
    const soon = deps.followUp ? nextTick(nowMs, deps.followUp.everyMs) : nowMs;
    const at = woken ? Math.min(data.nextCheckAt, soon) : data.nextCheckAt;
    await job.moveToDelayed(at, token);
    // One that came between that look and the move found the job still running, and
    // its waker may have given up retrying (a busy process): answered all the same.
    if (!woken && at > soon && (await deps.hasWakeSignals?.(job.id ?? ""))) {
      await job.changeDelay(Math.max(0, soon - deps.now().getTime())).catch(() => undefined);
    }
    throw new DelayedError(`next check at ${new Date(at).toISOString()}`);
  };
}

/**
 * Before the outbox is saved, a recovered run's `recovery.completed` gets the
 * comparison with the group's history; saved with it, a retry publishes the
 * same judgement without asking S3 again.
 */
async function withRegression(
  deps: CheckDependencies,
  decision: CheckDecision,
  logger: Logger,
): Promise<MonitorJob> {
  const seconds = decision.conclusion?.timeToRecoverSeconds;
  if (!deps.assessRegression || seconds === null || seconds === undefined) return decision.job;
  const regression = await deps.assessRegression(decision.job.experiment, seconds);
  if (regression.status === "regression") {
    logger.warn(
      { event: "recovery.regression", seconds, medianSeconds: regression.medianSeconds },
      `REGRESSION: ${seconds} s, median of the last ${regression.runs.length} runs ${regression.medianSeconds} s`,
    );
  } else if (regression.status === "history-unavailable") {
    logger.warn(
      { event: "recovery.history-unavailable", reason: regression.reason },
      "not comparing with earlier runs: the archive could not be read",
    );
  }
  const outbox = decision.job.outbox.map((event) =>
    event.type === EventType.recoveryCompleted
      ? { ...event, data: { ...event.data, regression } }
      : event,
  );
  return { ...decision.job, outbox };
}

/**
 * A failed describe is a missed check, not a failed job: the SDK has already
 * retried it, the next check comes at the next interval, and the deadline still
 * ends the experiment with the last state seen. Failing the job instead would
 * spend BullMQ attempts that count over the whole experiment, and an experiment
 * whose attempts run out is never reported.
 */
async function lookAtGroup(
  deps: CheckDependencies,
  job: MonitorJob,
  logger: Logger,
): Promise<Look> {
  try {
    const askedAt = deps.now();
    const group = await deps.describeGroup(job.experiment.asg);
    if (!group) {
      deps.metrics.checks.inc({ result: "gone" });
      return { kind: "gone" };
    }
    deps.metrics.checks.inc({ result: "observed" });
    const experiment = {
      instanceIdsAtPlan: job.experiment.instanceIdsAtPlan,
      terminated: job.terminated,
    };
    const observation = observeGroup(group, experiment, deps.now(), askedAt);
    const look: Look = { kind: "observed", observation };
    if (!needsTargetHealth(job.experiment, observation)) return look;
    const targetGroups = await lookAtTargets(deps, job.experiment.targetGroupArns ?? [], logger);
    // Stamped when the target states arrived, not when the group's did: the read may
    // have waited for the ELB rate limit, and a milestone is never dated before it
    // was seen.
    return targetGroups
      ? {
          kind: "observed",
          observation: { ...observation, at: deps.now().toISOString(), targetGroups },
        }
      : look;
  } catch (err) {
    deps.metrics.checks.inc({ result: "missed" });
    logger.warn(
      { event: "recovery.check-missed", err },
      "check missed: could not describe the group",
    );
    return { kind: "missed" };
  }
}

/**
 * An abort that cannot be read is a missed look at the aborts, not a failed check:
 * the measurement goes on, and the next check reads them again. (The terminator,
 * about to terminate, fails closed instead; here nothing more can be harmed.)
 */
async function lookForAbort(
  deps: CheckDependencies,
  job: MonitorJob,
  logger: Logger,
): Promise<AbortRecord | undefined> {
  if (!deps.findAbort) return undefined;
  try {
    return await deps.findAbort(job.experiment.id);
  } catch (err) {
    logger.warn({ event: "recovery.aborts-missed", err }, "aborts not read at this check");
    return undefined;
  }
}

/**
 * A failed DescribeTargetHealth leaves the observation without target states:
 * the group is seen, but not serving at this check.
 */
async function lookAtTargets(
  deps: CheckDependencies,
  arns: readonly string[],
  logger: Logger,
): Promise<TargetGroupHealth[] | undefined> {
  const describe = deps.describeTargetGroup;
  if (!describe) return undefined;
  try {
    const found = await Promise.all(arns.map((arn) => describe(arn)));
    return found.filter((g): g is TargetGroupHealth => g !== undefined);
  } catch (err) {
    logger.warn(
      { event: "recovery.targets-missed", err },
      "target health not read: could not describe the target groups",
    );
    return undefined;
  }
}

function record(deps: CheckDependencies, decision: CheckDecision, logger: Logger): void {
  const { job, reached, conclusion } = decision;
  const observed = job.lastObserved;
  logger.debug(
    { event: "recovery.checked", checks: job.checks, observed: observed && summarize(observed) },
    "group checked",
  );
  for (const milestone of reached) {
    logger.info(
      { event: "recovery.milestone", milestone, at: observed?.at },
      `recovery milestone: ${milestone}`,
    );
  }
  if (!conclusion) return;
  if (conclusion.abort) {
    logger.warn(
      { event: "recovery.aborted", by: conclusion.abort.by, reason: conclusion.abort.reason },
      `aborted by ${conclusion.abort.by}: ${conclusion.abort.reason}`,
    );
  }
  if (conclusion.groupGone) {
    logger.warn({ event: "recovery.group-gone" }, "not recovered: the group no longer exists");
  }
  const seconds = conclusion.timeToRecoverSeconds ?? conclusion.elapsedSeconds;
  deps.metrics.recoverySeconds.observe({ outcome: conclusion.outcome }, seconds);
  logger.info(
    {
      event: "recovery.completed",
      outcome: conclusion.outcome,
      timeToRecoverSeconds: conclusion.timeToRecoverSeconds,
      checks: job.checks,
      missedChecks: job.missedChecks,
    },
    `recovery ${conclusion.outcome}`,
  );
}

const summarize = (o: NonNullable<MonitorJob["lastObserved"]>) => ({
  inService: o.inService,
  inServiceHealthy: o.inServiceHealthy,
  pending: o.pending,
  terminating: o.terminating,
  victimsStillInService: o.victimsStillInService.length,
  replacements: o.replacements.length,
});
