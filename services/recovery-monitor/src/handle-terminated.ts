import type { Message } from "@aws-sdk/client-sqs";
import { QueueRole, readEvent, type MessageContext } from "@macaque/shared";
import { startMonitorJob, type MonitorJob } from "./monitor-job.ts";

export interface TerminatedHandlerDependencies {
  /** Adds the experiment's job unless it exists; resolves false for a duplicate. */
  schedule(job: MonitorJob, delayMs: number): Promise<boolean>;
  /**
   * Whether the archive already holds the experiment (its report went out). Absent
   * without an archive (HISTORY_BUCKET unset): a late event is then monitored.
   */
  isArchived?(experimentId: string): Promise<boolean>;
  /** Whether Redis still holds the experiment's job: an ordinary duplicate, no archive read. */
  isMonitored(experimentId: string): Promise<boolean>;
  now(): Date;
}

/**
 * An event later than one check interval after its termination may be one the
 * monitor handled before Redis lost its job (a resent request's replayed plan
 * makes the terminator publish its first result again). One earlier cannot be:
 * an experiment ends at a check, and its first check is one interval after the
 * termination. Only late events cost a look at the archive.
 */
const lateAfterIntervals = 1;

/**
 * Starts the timer for one `instances.terminated` event: one delayed job per
 * experiment. A late event for an experiment the archive already holds starts
 * nothing: it ended and was reported, and measuring it again (its job lost with
 * Redis) would send a second, later-dated report. Anything else on this queue is
 * poison (`readEvent`): moved to the dead-letter queue at once for a person to
 * look at.
 */
export function createTerminatedHandler(deps: TerminatedHandlerDependencies) {
  return async (message: Message, context: MessageContext): Promise<void> => {
    const event = readEvent(message, QueueRole.recovery);
    const now = deps.now();
    const job = startMonitorJob(event.data, now);
    const logger = context.logger.child({
      experimentId: job.experiment.id,
      asg: job.experiment.asg,
    });
    const lateMs = now.getTime() - Date.parse(job.terminatedAt);
    const intervalMs = job.experiment.recovery.checkIntervalSeconds * 1000;
    if (
      lateMs > lateAfterIntervals * intervalMs &&
      deps.isArchived &&
      !(await deps.isMonitored(job.experiment.id)) &&
      (await deps.isArchived(job.experiment.id))
    ) {
      logger.info(
        { event: "recovery.already-reported", lateMs },
        "this experiment ended and was reported already (it is in the archive); event ignored",
      );
      return;
    }
    const added = await deps.schedule(job, job.nextCheckAt - now.getTime());
    if (!added) {
      logger.info(
        { event: "recovery.duplicate" },
        "already monitoring this experiment; event ignored",
      );
      return;
    }
    logger.info(
      {
        event: "recovery.started",
        lateMs,
        terminated: job.terminated,
        firstCheckAt: new Date(job.nextCheckAt).toISOString(),
        checkIntervalSeconds: job.experiment.recovery.checkIntervalSeconds,
        deadlineSeconds: job.experiment.recovery.deadlineSeconds,
      },
      `monitoring recovery of ${job.terminated.length} terminated instance(s)`,
    );
  };
}
