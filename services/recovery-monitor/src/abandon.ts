import type { Job, Queue } from "bullmq";
import { EventType, type Logger } from "@macaque/shared";
import {
  abandonedEvent,
  type CompletedEvent,
  type MonitorJob,
  type RecoveryEvent,
} from "./monitor-job.ts";

/**
 * Every experiment ends in one `recovery.completed`, even one whose BullMQ job
 * ran out of attempts: its ending is published from the failed job, at once when
 * the job fails and again by a sweep (at start-up and every minute) for any
 * failure whose ending could not go out then (SNS down too, or the monitor
 * stopped). An ending is marked on the job once published, so it goes out once.
 */
export interface AbandonReporter {
  /** Publishes the failed job's ending unless it went out already. */
  report(job: Job<MonitorJob>): Promise<void>;
  /** Reports every failed job not yet reported. */
  sweep(): Promise<number>;
  /** Sweeps now and every `everyMs`, until stopped. */
  start(everyMs?: number): { stop(): void };
}

/**
 * The ending a failed job owes: the conclusion it decided but did not publish, or
 * `abandoned` with what was measured so far; none when it had published its own.
 */
export function endingOf(job: MonitorJob, why: string, now: Date): CompletedEvent | undefined {
  const decided = job.outbox.find(
    (e): e is CompletedEvent => e.type === EventType.recoveryCompleted,
  );
  if (decided) return decided;
  if (job.nextCheckAt === null) return undefined;
  return abandonedEvent(job, why, now);
}

export function createAbandonReporter(options: {
  queue: Queue<MonitorJob>;
  publish(event: RecoveryEvent): Promise<void>;
  logger: Logger;
  now(): Date;
}): AbandonReporter {
  const { logger } = options;
  const report = async (job: Job<MonitorJob>) => {
    const { data } = job;
    if (data.endingReported) return;
    const why = `${job.failedReason || "it failed"} (after ${job.attemptsMade} attempts)`;
    const ending = endingOf(data, why, options.now());
    if (ending) await options.publish(ending);
    await job.updateData({ ...data, endingReported: true });
    logger.error(
      { event: "recovery.abandoned", experimentId: data.experiment.id, why },
      ending?.data.outcome === "abandoned"
        ? `gave up measuring; reported as abandoned: ${why}`
        : "gave up after concluding; its conclusion is published",
    );
  };
  const sweep = async () => {
    let reported = 0;
    for (const job of await options.queue.getFailed()) {
      if (job.data.endingReported) continue;
      try {
        await report(job);
        reported++;
      } catch (err) {
        logger.error(
          { event: "recovery.abandon-failed", experimentId: job.data.experiment.id, err },
          "could not report the experiment's ending yet; the next sweep tries again",
        );
      }
    }
    return reported;
  };
  return {
    report,
    sweep,
    start(everyMs = 60_000) {
      const run = () =>
        void sweep().catch((err: unknown) =>
          logger.error({ event: "recovery.sweep-failed", err }, "could not list failed checks"),
        );
      run();
      const timer = setInterval(run, everyMs).unref();
      return { stop: () => clearInterval(timer) };
    },
  };
}
