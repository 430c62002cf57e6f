import type { Message } from "@aws-sdk/client-sqs";
import { QueueRole, readEvent, type MessageContext } from "@macaque/shared";
import { startMonitorJob, type MonitorJob } from "./monitor-job.ts";

export interface TerminatedHandlerDependencies {
  /** Adds the experiment's job unless it exists; resolves false for a duplicate. */
  schedule(job: MonitorJob, delayMs: number): Promise<boolean>;
  now(): Date;
}

/**
 * Starts the timer for one `instances.terminated` event: one delayed job per
 * experiment. Anything else on this queue is poison (`readEvent`): moved to the
 * dead-letter queue at once for a person to look at.
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
        terminated: job.terminated,
        firstCheckAt: new Date(job.nextCheckAt).toISOString(),
        checkIntervalSeconds: job.experiment.recovery.checkIntervalSeconds,
        deadlineSeconds: job.experiment.recovery.deadlineSeconds,
      },
      `monitoring recovery of ${job.terminated.length} terminated instance(s)`,
    );
  };
}
