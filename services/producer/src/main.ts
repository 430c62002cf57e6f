import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { SNSClient } from "@aws-sdk/client-sns";
import { randomBytes } from "node:crypto";
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
  sendJson,
} from "@macaque/shared";
import { guardrailPolicy, producerEnvSchema } from "./config.ts";
import { describeGroup } from "./describe-group.ts";
import { createOutcomeHandler } from "./handle-outcome.ts";
import { createRequestHandler } from "./handle-request.ts";
import { createLeaseStore } from "./lease.ts";
import { createPlanStore } from "./plan-store.ts";
import { createProducerMetrics } from "./producer-metrics.ts";

const config = loadConfig(producerEnvSchema, process.env, ServiceName.producer);

await runService({
  service: ServiceName.producer,
  config,
  async start({ logger, metrics }) {
    const aws = {
      region: config.AWS_REGION,
      maxAttempts: config.AWS_MAX_ATTEMPTS,
      requestTimeoutMs: config.AWS_REQUEST_TIMEOUT_MS,
    };
    const sqs = createSqsClient(aws);
    const sns = createAwsClient(SNSClient, aws);
    const autoScaling = createAwsClient(AutoScalingClient, aws);
    const ec2 = createAwsClient(EC2Client, aws);
    const redis = createRedis(config.REDIS_URL, `macaque-${ServiceName.producer}`, { logger });
    const topology = await resolveTopology({ sqs, sns, prefix: config.MACAQUE_NAME_PREFIX });
    const leases = createLeaseStore(redis, config.REDIS_KEY_PREFIX);
    const producerMetrics = createProducerMetrics(metrics.registry);

    const handleRequest = createRequestHandler({
      describeGroup: (name) => describeGroup({ autoScaling, ec2 }, name),
      leases,
      plans: createPlanStore(redis, config.REDIS_KEY_PREFIX),
      publish: async (event) => void (await publishEvent(sns, topology.topics.events.arn, event)),
      sendOrder: async (order) =>
        void (await sendJson(sqs, topology.queues.terminations.url, order)),
      policy: guardrailPolicy(config),
      region: config.AWS_REGION,
      now: () => new Date(),
      newSeed: () => randomBytes(16).toString("hex"),
      metrics: producerMetrics,
    });
    const consumer = (role: QueueRole, handle: typeof handleRequest) =>
      createQueueConsumer({
        name: role,
        sqs,
        queueUrl: topology.queues[role].url,
        logger,
        metrics,
        handle,
        ...consumerSettings(config),
      });

    return {
      consumers: [
        consumer(QueueRole.requests, handleRequest),
        consumer(QueueRole.outcomes, createOutcomeHandler({ leases, metrics: producerMetrics })),
      ],
      ready: () => pingRedis(redis),
      async close() {
        await redis.quit().catch(() => redis.disconnect());
        for (const client of [sqs, sns, autoScaling, ec2]) client.destroy();
      },
    };
  },
});
