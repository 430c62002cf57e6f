import { Queue, Worker, type JobsOptions, type Processor } from "bullmq";
import { ServiceName, redisKey, type Redis } from "@macaque/shared";
import type { MonitorJob } from "./monitor-job.ts";

/** BullMQ queue of recovery checks: one job per experiment, delayed until its next check. */
const checkQueueName = "checks";

/**
 * Describe errors never fail a job (they count as missed checks), so a retry here
 * means Redis or SNS failed after the check was decided; the job's outbox makes the
 * retry publish only what did not go out. Attempts count over the job's whole life,
 * hence generous. Finished jobs stay as long as the terminator keeps its results
 * (7 days), so a late duplicate `instances.terminated` (a replayed request, a
 * dead-letter redrive) still finds the job id taken and adds nothing.
 */
const jobOptions: JobsOptions = {
  attempts: 10,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** BullMQ keys become `<REDIS_KEY_PREFIX>:recovery-monitor:checks:...`: the service's namespace. */
const bullPrefix = (keyPrefix: string): string => redisKey(keyPrefix, ServiceName.recoveryMonitor);

/**
 * BullMQ refuses custom ids that look like integers or contain `:`; such experiment
 * ids are escaped, any other id is used as it is.
 */
export function jobIdFor(experimentId: string): string {
  const escaped = experimentId.replaceAll("%", "%25").replaceAll(":", "%3A");
  return /^\d+$/.test(escaped) ? `experiment-${escaped}` : escaped;
}

export function createCheckQueue(connection: Redis, keyPrefix: string): Queue<MonitorJob> {
  return new Queue<MonitorJob>(checkQueueName, {
    connection,
    prefix: bullPrefix(keyPrefix),
    defaultJobOptions: jobOptions,
  });
}

/**
 * Adds the experiment's job, first check after `delayMs`. The job id is the
 * experiment id, so BullMQ ignores the add when the job exists: a redelivered event
 * starts no second monitor. Resolves false when it already existed.
 */
export async function scheduleRecovery(
  queue: Queue<MonitorJob>,
  job: MonitorJob,
  delayMs: number,
): Promise<boolean> {
  const jobId = jobIdFor(job.experiment.id);
  // Only for the log line: BullMQ's own check inside add() is what keeps it idempotent.
  if (await queue.getJob(jobId)) return false;
  await queue.add("check", job, { jobId, delay: Math.max(0, Math.round(delayMs)) });
  return true;
}

/** Jobs waiting for or running a check, retries included. */
export const countInFlight = (queue: Queue<MonitorJob>): Promise<number> =>
  queue.getJobCountByTypes("delayed", "waiting", "active", "prioritized");

export function createCheckWorker(options: {
  connection: Redis;
  keyPrefix: string;
  concurrency: number;
  processor: Processor<MonitorJob, unknown>;
}): Worker<MonitorJob> {
  return new Worker<MonitorJob>(checkQueueName, options.processor, {
    connection: options.connection,
    prefix: bullPrefix(options.keyPrefix),
    concurrency: options.concurrency,
  });
}
