import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  QueueRole,
  ServiceName,
  connectService,
  createAwsClient,
  createDescribeBatcher,
  createRateLimiter,
  createRedis,
  loadConfig,
  pingRedis,
  publishEvent,
  recoveryDeadlineAt,
  runService,
} from "@macaque/shared";
import { createAbandonReporter } from "./abandon.ts";
import { readAlarms } from "@macaque/shared/read-alarms";
import { connectControlStore } from "@macaque/shared/control-store";
import { connectHistoryBucket } from "@macaque/shared/history";
import { assessRegression } from "./assess-regression.ts";
import { createCheckProcessor } from "./check.ts";
import { createHistoryReader } from "./history-reader.ts";
import { monitorEnvSchema } from "./config.ts";
import { describeGroups } from "./describe-groups.ts";
import { describeTargetHealth } from "./describe-target-health.ts";
import { createTerminatedHandler } from "./handle-terminated.ts";
import { createFleetEventHandler } from "./handle-fleet-event.ts";
import { createWaker } from "./wake.ts";
import { createMonitorMetrics } from "./monitor-metrics.ts";
import {
  countInFlight,
  createCheckQueue,
  createCheckWorker,
  jobIdFor,
  scheduleRecovery,
} from "./schedule.ts";

const service = ServiceName.recoveryMonitor;
const config = loadConfig(monitorEnvSchema, process.env, service);
const now = () => new Date();

await runService({
  service,
  config,
  start: async ({ logger, metrics }) => {
    // Adding a job fails fast when Redis is down, so SQS redelivers the event later;
    // the worker's connection waits Redis out instead, as BullMQ requires.
    const bus = await connectService({ service, config, logger, metrics });
    const { sns, redis, topology } = bus;
    const autoScaling = createAwsClient(AutoScalingClient, bus.aws);
    const elb = createAwsClient(ElasticLoadBalancingV2Client, bus.aws);
    const cloudwatch = createAwsClient(CloudWatchClient, bus.aws);
    const workerRedis = createRedis(config.REDIS_URL, `macaque-${service}-worker`, {
      forBullMQ: true,
      logger,
    });

    const queue = createCheckQueue(redis, config.REDIS_KEY_PREFIX);
    const monitorMetrics = createMonitorMetrics(metrics.registry, () => countInFlight(queue));
    // Every describe of this process waits its turn: the account's budget is shared.
    const autoScalingLimiter = createRateLimiter({
      perSecond: config.AUTO_SCALING_CALLS_PER_SECOND,
    });
    const naive = config.DETECTION_MODE === "naive";
    const batcher = createDescribeBatcher({
      describe: (names) =>
        describeGroups(autoScaling, names, autoScalingLimiter, () =>
          monitorMetrics.describeCalls.inc(),
        ),
      nameOf: (group) => group.AutoScalingGroupName,
      windowMs: config.CHECK_BATCH_WINDOW_MS,
      // The benchmark's baseline: one call per experiment per check.
      ...(naive && { maxBatch: 1 }),
    });
    const events = config.DETECTION_MODE === "events";
    const waker = createWaker({
      redis,
      queue,
      keyPrefix: config.REDIS_KEY_PREFIX,
      tickMs: config.EVENT_FOLLOW_UP_MS,
      logger,
    });
    // Experiments checked in the same window that share a target group share its call.
    const elbLimiter = createRateLimiter({ perSecond: config.ELB_CALLS_PER_SECOND });
    const targetBatcher = createDescribeBatcher({
      describe: (arns) =>
        describeTargetHealth(elb, arns, elbLimiter, () => monitorMetrics.targetHealthCalls.inc()),
      nameOf: (health) => health.arn,
      windowMs: config.CHECK_BATCH_WINDOW_MS,
    });
    // Every experiment checked in the same window shares one DescribeAlarms (100 names a call).
    const alarmBatcher = createDescribeBatcher({
      describe: (names) => readAlarms(cloudwatch, names),
      nameOf: (alarm) => alarm.name,
      windowMs: config.CHECK_BATCH_WINDOW_MS,
    });
    // Every check in a window shares one read of the aborts (GetParametersByPath, 10 a page).
    const controlStore = connectControlStore(bus.aws, config.CONTROL_PARAMETER_PATH);
    const abortBatcher = createDescribeBatcher({
      describe: async () => [...(await controlStore.readAborts()).values()],
      nameOf: (abort) => abort.experimentId,
      windowMs: config.CHECK_BATCH_WINDOW_MS,
    });
    const historyBucket = connectHistoryBucket(bus.aws, config);
    const history = historyBucket && createHistoryReader(historyBucket);
    const worker = createCheckWorker({
      connection: workerRedis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      processor: createCheckProcessor({
        describeGroup: (name) => batcher.describeGroup(name),
        describeTargetGroup: (arn) => targetBatcher.describeGroup(arn),
        describeAlarm: (name) => alarmBatcher.describeGroup(name),
        findAbort: (id) => abortBatcher.describeGroup(id),
        publish: (event) =>
          publishEvent(sns, topology.topics.events.arn, event).then(() => undefined),
        ...(history && {
          assessRegression: (experiment, seconds) => assessRegression(history, experiment, seconds),
        }),
        logger,
        metrics: monitorMetrics,
        now,
        ...(events && {
          takeWakeSignals: (jobId) => waker.takeSignals(jobId),
          hasWakeSignals: (jobId) => waker.hasSignals(jobId),
          followUp: { everyMs: config.EVENT_FOLLOW_UP_MS, checks: config.EVENT_FOLLOW_UPS },
        }),
      }),
    });
    const abandon = createAbandonReporter({
      queue,
      publish: (event) =>
        publishEvent(sns, topology.topics.events.arn, event).then(() => undefined),
      logger,
      now,
    });
    worker.on("error", (err) => logger.error({ event: "worker.error", err }, "check worker error"));
    worker.on("failed", (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      if (!final) {
        logger.error(
          { event: "recovery.check-retry", experimentId: job.data.experiment.id, err },
          `check failed (attempt ${job.attemptsMade}); BullMQ tries it again`,
        );
        return;
      }
      // Out of attempts: the experiment still gets its one ending (the sweep retries).
      abandon.report(job).catch((reportErr: unknown) =>
        logger.error(
          {
            event: "recovery.abandon-failed",
            experimentId: job.data.experiment.id,
            err: reportErr,
          },
          "could not report the experiment's ending yet; the next sweep tries again",
        ),
      );
    });
    const sweeper = abandon.start();

    const consumer = bus.consume(
      QueueRole.recovery,
      createTerminatedHandler({
        schedule: async (job, delayMs) => {
          const added = await scheduleRecovery(queue, redis, job, delayMs);
          if (events) await waker.watch(job, recoveryDeadlineAt(job.experiment, job.terminatedAt));
          return added;
        },
        isMonitored: async (id) => (await queue.getJob(jobIdFor(id))) !== undefined,
        ...(history && { isArchived: (id: string) => history.isArchived(id) }),
        now,
      }),
    );
    // Each consumer polls with QUEUE_CONCURRENCY / 10 receives; one keeps up with
    // thousands of events a minute, and every extra poller costs receive calls.
    const fleetEvents = events
      ? Array.from({ length: config.FLEET_EVENT_CONSUMERS }, () =>
          bus.consume(QueueRole.fleetEvents, createFleetEventHandler({ wake: waker.wake })),
        )
      : [];
    if (events) {
      logger.info({ event: "recovery.events-on" }, "woken by the fleet-events queue");
      waker.catchUp().then(
        (woken) => logger.info({ event: "recovery.caught-up", woken }, `${woken} check(s) run now`),
        (err: unknown) =>
          logger.warn({ event: "recovery.catch-up-failed", err }, "checks wait for their time"),
      );
    }

    return {
      // Checks stop as soon as the service is told to stop, not after the consumer's
      // last long poll (up to 20 s): close() only runs once the consumers are done.
      consumers: [
        {
          start: () => {
            consumer.start();
            for (const c of fleetEvents) c.start();
          },
          stop: async () =>
            void (await Promise.all([
              consumer.stop(),
              ...fleetEvents.map((c) => c.stop()),
              worker.close(),
            ])),
          get isRunning() {
            return consumer.isRunning;
          },
        },
      ],
      ready: async () => worker.isRunning() && (await pingRedis(redis)),
      close: async () => {
        // worker.close() (above) waited for checks under way; pending ones stay in Redis.
        // In order (the queue uses the bus's Redis), each even when one before failed.
        sweeper.stop();
        try {
          await queue.close();
        } finally {
          await workerRedis.quit().catch(() => workerRedis.disconnect());
          await bus.close();
          autoScaling.destroy();
          elb.destroy();
          cloudwatch.destroy();
          controlStore.destroy();
          historyBucket?.destroy();
        }
      },
    };
  },
});
