import { SNSClient } from "@aws-sdk/client-sns";
import type { Message, SQSClient } from "@aws-sdk/client-sqs";
import type { z } from "zod";
import { createAwsClient, createSqsClient, type AwsClientOptions } from "./aws.ts";
import {
  consumerSettings,
  createQueueConsumer,
  publishEvent,
  type MessageContext,
  type QueueConsumer,
} from "./bus.ts";
import type { redisEnvSchema } from "./config.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { createEvent } from "./events.ts";
import { EventType, eventSource, type QueueRole, type ServiceName } from "./names.ts";
import { createRedis, type Redis } from "./redis.ts";
import type { CommonConfig } from "./service.ts";
import { resolveTopology, type Topology } from "./topology.ts";

export type RedisConfig = z.output<typeof redisEnvSchema>;

export interface Connections {
  /** Options for any further AWS client the service needs (`createAwsClient(EC2Client, aws)`). */
  aws: AwsClientOptions;
  sqs: SQSClient;
  sns: SNSClient;
  redis: Redis;
  topology: Topology;
  /** A consumer of one of the topology's queues, with the service's settings. */
  consume(
    role: QueueRole,
    handle: (message: Message, context: MessageContext) => Promise<void>,
  ): QueueConsumer;
  /** Closes Redis and the SQS and SNS clients. */
  close(): Promise<void>;
}

/**
 * What every service connects to — SQS, SNS, its own Redis connection and the
 * topology (looked up, never created) — built the same way in each main.
 */
export async function connectService(options: {
  service: ServiceName;
  config: CommonConfig & RedisConfig;
  logger: Logger;
  metrics: Metrics;
}): Promise<Connections> {
  const { config, logger, metrics } = options;
  const aws: AwsClientOptions = {
    region: config.AWS_REGION,
    maxAttempts: config.AWS_MAX_ATTEMPTS,
    requestTimeoutMs: config.AWS_REQUEST_TIMEOUT_MS,
    appId: `macaque-${options.service}`,
  };
  const sqs = createSqsClient(aws);
  const sns = createAwsClient(SNSClient, aws);
  const redis = createRedis(config.REDIS_URL, `macaque-${options.service}`, { logger });
  const close = async () => {
    await redis.quit().catch(() => redis.disconnect());
    sqs.destroy();
    sns.destroy();
  };
  let topology: Topology;
  try {
    topology = await resolveTopology({ sqs, sns, prefix: config.MACAQUE_NAME_PREFIX });
  } catch (err) {
    await close();
    throw err;
  }
  return {
    aws,
    sqs,
    sns,
    redis,
    topology,
    consume: (role, handle) =>
      createQueueConsumer({
        name: role,
        sqs,
        queueUrl: topology.queues[role].url,
        deadLetterQueueUrl: topology.queues[role].deadLetter.url,
        logger,
        metrics,
        handle,
        ...consumerSettings(config),
        announceDeadLetter: async ({ experimentId, ...data }) => {
          const event = createEvent(EventType.messageDeadLettered, {
            source: eventSource(options.service),
            subject: experimentId ?? `message:${data.messageId}`,
            data,
          });
          await publishEvent(sns, topology.topics.events.arn, event);
        },
      }),
    close,
  };
}
