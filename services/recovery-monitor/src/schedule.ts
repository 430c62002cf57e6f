import { Queue, Worker, type JobsOptions, type Processor } from "bullmq";
import { ServiceName, redisKey, type Redis } from "@macaque/shared";
import type { MonitorJob } from "./monitor-job.ts";

/** BullMQ queue of recovery checks: one job per experiment, delayed until its next check. */
const checkQueueName = "checks";

/**
 * Describe errors never fail a job (they count as missed checks), so a retry here
 * means Redis or SNS failed after the check was decided; the job's outbox makes the
 * retry publish only what did not go out. Attempts count over the job's whole life,
 * hence sized for real outages: 1, 2, 4 ... 60 s apart, about 35 minutes of
 * retrying in all, before the experiment is reported `abandoned` (abandon.ts).
 * Finished jobs stay as long as the terminator keeps its results (7 days), so a
 * late duplicate `instances.terminated` (a replayed request, a dead-letter
 * redrive) still finds the job id taken and adds nothing.
 */
export const checkRetry = {
  attempts: 40,
  delayMs: (attemptsMade: number): number => Math.min(60_000, 1_000 * 2 ** (attemptsMade - 1)),
};

/**
 * A monitor killed mid-check leaves its job "stalled". BullMQ counts stalls over
 * the job's whole life and fails the job past `maxStalledCount` (default 1), so
 * two crashes during one experiment lost it. Stalls are crashes of ours, not of
 * the job: allow many. A short lock gets a stalled check running again within
 * about 15 s of the crash instead of 60-90 s.
 */
export const stallSettings = {
  maxStalledCount: 1_000,
  lockDuration: 10_000,
  stalledInterval: 5_000,
};

/** How long a finished job (and the mark of its start) is kept: a duplicate within it adds nothing. */
const keptSeconds = 7 * 24 * 3600;

const jobOptions: JobsOptions = {
  attempts: checkRetry.attempts,
  backoff: { type: "custom" },
  removeOnComplete: { age: keptSeconds },
  removeOnFail: { age: keptSeconds },
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
 * starts no second monitor. Resolves false when it already existed: two deliveries
 * handled at the same time (the consumer handles many messages at once) both miss
 * the job, so the first to set the start mark (SET NX) is the one said to add it.
 * Every delivery that misses the job still adds it, so a mark left by a delivery
 * whose add failed never keeps the experiment from being monitored.
 */
export async function scheduleRecovery(
  queue: Queue<MonitorJob>,
  redis: Redis,
  job: MonitorJob,
  delayMs: number,
): Promise<boolean> {
  const jobId = jobIdFor(job.experiment.id);
  // Only for the log line: BullMQ's own check inside add() is what keeps it idempotent.
  if (await queue.getJob(jobId)) return false;
  const mark = `${queue.qualifiedName}:started:${jobId}`;
  const first = (await redis.set(mark, "1", "EX", keptSeconds, "NX")) !== null;
  await queue.add("check", job, { jobId, delay: Math.max(0, Math.round(delayMs)) });
  return first;
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
    ...stallSettings,
    settings: { backoffStrategy: (attemptsMade: number) => checkRetry.delayMs(attemptsMade) },
  });
}
