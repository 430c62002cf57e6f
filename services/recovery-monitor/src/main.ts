import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  QueueRole,
  ServiceName,
  connectService,
  createAwsClient,
  createRedis,
  loadConfig,
  pingRedis,
  publishEvent,
  runService,
} from "@macaque/shared";
import { createS3Client } from "@macaque/shared/history";
import { assessRegression } from "./assess-regression.ts";
import { createCheckProcessor } from "./check.ts";
import { createHistoryReader } from "./history-reader.ts";
import { monitorEnvSchema } from "./config.ts";
import { createDescribeBatcher } from "./describe-batcher.ts";
import { describeGroups } from "./describe-groups.ts";
import { describeTargetHealth } from "./describe-target-health.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { createTerminatedHandler } from "./handle-terminated.ts";
import { createMonitorMetrics } from "./monitor-metrics.ts";
import {
  countInFlight,
  createCheckQueue,
  createCheckWorker,
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
    const workerRedis = createRedis(config.REDIS_URL, `macaque-${service}-worker`, {
      forBullMQ: true,
      logger,
    });

    const queue = createCheckQueue(redis, config.REDIS_KEY_PREFIX);
    const monitorMetrics = createMonitorMetrics(metrics.registry, () => countInFlight(queue));
    const batcher = createDescribeBatcher({
      describe: (names) =>
        describeGroups(autoScaling, names, () => monitorMetrics.describeCalls.inc()),
      nameOf: (group) => group.AutoScalingGroupName,
      windowMs: config.CHECK_BATCH_WINDOW_MS,
    });
    // Experiments checked in the same window that share a target group share its call.
    const elbLimiter = createRateLimiter({ perSecond: config.ELB_CALLS_PER_SECOND });
    const targetBatcher = createDescribeBatcher({
      describe: (arns) =>
        describeTargetHealth(elb, arns, elbLimiter, () => monitorMetrics.targetHealthCalls.inc()),
      nameOf: (health) => health.arn,
      windowMs: config.CHECK_BATCH_WINDOW_MS,
    });
    const s3 =
      config.HISTORY_BUCKET === undefined
        ? undefined
        : createS3Client({
            ...bus.aws,
            endpoint: config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL,
          });
    const history = s3 && config.HISTORY_BUCKET && createHistoryReader(s3, config.HISTORY_BUCKET);
    const worker = createCheckWorker({
      connection: workerRedis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      processor: createCheckProcessor({
        describeGroup: (name) => batcher.describeGroup(name),
        describeTargetGroup: (arn) => targetBatcher.describeGroup(arn),
        publish: (event) =>
          publishEvent(sns, topology.topics.events.arn, event).then(() => undefined),
        ...(history && {
          assessRegression: (experiment, seconds) => assessRegression(history, experiment, seconds),
        }),
        logger,
        metrics: monitorMetrics,
        now,
      }),
    });
    worker.on("error", (err) => logger.error({ event: "worker.error", err }, "check worker error"));
    worker.on("failed", (job, err) => {
      const experimentId = job?.data.experiment.id;
      const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1);
      logger.error(
        { event: final ? "recovery.abandoned" : "recovery.check-retry", experimentId, err },
        final
          ? "gave up on this experiment: its result will not be reported"
          : "check failed; BullMQ retries it",
      );
    });

    const consumer = bus.consume(
      QueueRole.recovery,
      createTerminatedHandler({
        schedule: (job, delayMs) => scheduleRecovery(queue, job, delayMs),
        now,
      }),
    );

    return {
      // Checks stop as soon as the service is told to stop, not after the consumer's
      // last long poll (up to 20 s): close() only runs once the consumers are done.
      consumers: [
        {
          start: () => consumer.start(),
          stop: async () => void (await Promise.all([consumer.stop(), worker.close()])),
          get isRunning() {
            return consumer.isRunning;
          },
        },
      ],
      ready: async () => worker.isRunning() && (await pingRedis(redis)),
      close: async () => {
        // worker.close() (above) waited for checks under way; pending ones stay in Redis.
        // In order (the queue uses the bus's Redis), each even when one before failed.
        try {
          await queue.close();
        } finally {
          await workerRedis.quit().catch(() => workerRedis.disconnect());
          await bus.close();
          autoScaling.destroy();
          elb.destroy();
          s3?.destroy();
        }
      },
    };
  },
});
