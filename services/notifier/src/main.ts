import { SESClient } from "@aws-sdk/client-ses";
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
  resolveTopology,
  runService,
} from "@macaque/shared";
import { notifierEnvSchema } from "./config.ts";
import { createDeliveries } from "./deliveries.ts";
import { createEnrolledRecipients } from "./enrolled-recipients.ts";
import { createEventHandler } from "./handle-event.ts";
import { createNotifierMetrics } from "./notifier-metrics.ts";

const config = loadConfig(notifierEnvSchema, process.env, ServiceName.notifier);

await runService({
  service: ServiceName.notifier,
  config,
  start: async ({ logger, metrics }) => {
    const aws = {
      region: config.AWS_REGION,
      maxAttempts: config.AWS_MAX_ATTEMPTS,
      requestTimeoutMs: config.AWS_REQUEST_TIMEOUT_MS,
    };
    const sqs = createSqsClient(aws);
    const sns = createAwsClient(SNSClient, aws);
    const ses = createAwsClient(SESClient, aws);
    const redis = createRedis(config.REDIS_URL, "macaque-notifier", { logger });
    const topology = await resolveTopology({ sqs, sns, prefix: config.MACAQUE_NAME_PREFIX });

    const counters = createNotifierMetrics(metrics.registry);
    const deliveries = createDeliveries({
      redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      // One step (an SES send or an SNS publish) takes at most this long before the SDK gives up.
      claimTtlMs: config.AWS_REQUEST_TIMEOUT_MS * config.AWS_MAX_ATTEMPTS + 5_000,
    });
    const enrolledRecipients = createEnrolledRecipients({
      ses,
      senderEmail: config.SENDER_EMAIL,
      logger,
    });
    const consumer = createQueueConsumer({
      name: QueueRole.notifications,
      sqs,
      queueUrl: topology.queues.notifications.url,
      logger,
      metrics,
      ...consumerSettings(config),
      handle: createEventHandler({
        ses,
        sns,
        deliveries,
        senderEmail: config.SENDER_EMAIL,
        defaultRecipients: async () => [
          ...config.DEFAULT_RECIPIENTS,
          ...(config.ENROLLED_RECIPIENTS ? await enrolledRecipients() : []),
        ],
        reportsTopicArn: topology.topics.reports.arn,
        eventsTopicArn: topology.topics.events.arn,
        counters,
      }),
    });
    return {
      consumers: [consumer],
      ready: () => pingRedis(redis),
      close: async () => {
        await redis.quit();
        for (const client of [sqs, sns, ses]) client.destroy();
      },
    };
  },
});
