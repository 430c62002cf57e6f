import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { SNSClient } from "@aws-sdk/client-sns";
import {
  QueueRole,
  ServiceName,
  createAwsClient,
  createSqsClient,
  consumerSettings,
  createQueueConsumer,
  createRedis,
  loadConfig,
  pingRedis,
  publishEvent,
  resolveTopology,
  runService,
} from "@macaque/shared";
import { terminatorEnvSchema } from "./config.ts";
import { createOrderHandler } from "./handle-order.ts";
import { createIdempotency } from "./idempotency.ts";
import { createTerminatorMetrics } from "./metrics.ts";
import { createRecheck } from "./recheck.ts";
import { createAsgTermination, createEc2Termination } from "./terminate.ts";

const config = loadConfig(terminatorEnvSchema, process.env, ServiceName.terminator);

await runService({
  service: ServiceName.terminator,
  config,
  async start({ logger, metrics }) {
    const aws = {
      region: config.AWS_REGION,
      maxAttempts: config.AWS_MAX_ATTEMPTS,
      requestTimeoutMs: config.AWS_REQUEST_TIMEOUT_MS,
    };
    const sqs = createSqsClient(aws);
    const sns = createAwsClient(SNSClient, aws);
    const ec2 = createAwsClient(EC2Client, aws);
    const autoScaling = createAwsClient(AutoScalingClient, aws);
    const redis = createRedis(config.REDIS_URL, "macaque-terminator", { logger });
    const topology = await resolveTopology({ sqs, sns, prefix: config.MACAQUE_NAME_PREFIX });
    const now = () => new Date();

    const handle = createOrderHandler({
      recheck: createRecheck({ autoScaling, ec2 }),
      terminations: {
        ec2: createEc2Termination({ ec2, now }),
        asg: createAsgTermination({ autoScaling, now }),
      },
      idempotency: createIdempotency({ redis, keyPrefix: config.REDIS_KEY_PREFIX }),
      publish: async (event) => {
        await publishEvent(sns, topology.topics.events.arn, event);
      },
      excludeTag: config.EXCLUDE_TAG,
      now,
      metrics: createTerminatorMetrics(metrics.registry),
    });
    const consumer = createQueueConsumer({
      name: QueueRole.terminations,
      sqs,
      queueUrl: topology.queues.terminations.url,
      logger,
      metrics,
      handle,
      ...consumerSettings(config),
    });

    return {
      consumers: [consumer],
      ready: () => pingRedis(redis),
      async close() {
        await redis.quit().catch(() => redis.disconnect());
        for (const client of [sqs, sns, ec2, autoScaling]) client.destroy();
      },
    };
  },
});
