/**
 * The one-shot set-up of `docker compose up`: creates (or converges) the queues,
 * dead-letter queues, topics and filtered subscriptions with the same
 * `ensureTopology()` the sandbox runs, and verifies the SES sender identity
 * (LocalStack verifies it at once), and creates the history bucket
 * (HISTORY_BUCKET) in LocalStack's S3. Running it again changes nothing.
 */
import { fileURLToPath } from "node:url";
import { SESClient, VerifyEmailIdentityCommand } from "@aws-sdk/client-ses";
import { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { createS3Client, ensureHistoryBucket } from "@macaque/shared/history";
import { ensureFleetEventsRule } from "./fleet-events-rule.ts";
import {
  commonEnvSchema,
  historyEnvSchema,
  createAwsClient,
  createLogger,
  QueueRole,
  createSqsClient,
  ensureTopology,
  loadConfig,
  type Logger,
} from "@macaque/shared";

export const initEnvSchema = commonEnvSchema.extend(historyEnvSchema.shape).extend({
  /** The notifier's From address: the identity to verify. */
  SENDER_EMAIL: z.email("must be an email address such as chaos@example.com"),
  /** LocalStack's EventBridge: where the fleet-events rule goes; unset, none is made. */
  AWS_ENDPOINT_URL_EVENTBRIDGE: z.url("must be a URL").optional(),
});

export interface ProvisionOptions {
  sqs: SQSClient;
  sns: SNSClient;
  ses: SESClient;
  prefix: string;
  senderEmail: string;
  /** The history bucket to create, with the client to create it with. */
  history?: { s3: S3Client; bucket: string };
  /** EventBridge endpoint: the rule that routes AWS's fleet events to the fleet-events queue. */
  eventBridge?: { endpoint: string; region: string };
  logger: Logger;
}

export async function provision(options: ProvisionOptions): Promise<{ changes: string[] }> {
  const { logger } = options;
  const { topology, changes } = await ensureTopology(options);
  logger.info(
    {
      event: "init.topology-ready",
      changes,
      requestQueueUrl: topology.queues.requests.url,
      reportsTopicArn: topology.topics.reports.arn,
    },
    changes.length > 0 ? `topology provisioned (${changes.length} changes)` : "topology unchanged",
  );
  if (options.eventBridge) {
    const rule = await ensureFleetEventsRule({
      ...options.eventBridge,
      prefix: options.prefix,
      queueArn: topology.queues[QueueRole.fleetEvents].arn,
    });
    logger.info({ event: "init.fleet-events-rule", rule }, "fleet events routed to their queue");
  }
  await options.ses.send(new VerifyEmailIdentityCommand({ EmailAddress: options.senderEmail }));
  logger.info(
    { event: "init.sender-verified", senderEmail: options.senderEmail },
    "SES sender identity verified",
  );
  if (options.history) {
    const created = await ensureHistoryBucket(options.history.s3, options.history.bucket);
    if (created) changes.push(`created bucket ${options.history.bucket}`);
    logger.info(
      { event: "init.history-bucket-ready", bucket: options.history.bucket, created },
      created ? "history bucket created" : "history bucket unchanged",
    );
  }
  return { changes };
}

// Run as a script (not when a test imports it); import.meta.main needs Node 24.2+.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = loadConfig(initEnvSchema, process.env, "init");
  const logger = createLogger({ service: "init", level: config.LOG_LEVEL });
  const aws = {
    region: config.AWS_REGION,
    maxAttempts: config.AWS_MAX_ATTEMPTS,
    requestTimeoutMs: config.AWS_REQUEST_TIMEOUT_MS,
  };
  const clients = {
    sqs: createSqsClient(aws),
    sns: createAwsClient(SNSClient, aws),
    ses: createAwsClient(SESClient, aws),
    ...(config.HISTORY_BUCKET && {
      s3: createS3Client({
        ...aws,
        endpoint: config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL,
      }),
    }),
  };
  try {
    await provision({
      ...clients,
      prefix: config.MACAQUE_NAME_PREFIX,
      senderEmail: config.SENDER_EMAIL,
      ...(config.AWS_ENDPOINT_URL_EVENTBRIDGE && {
        eventBridge: { endpoint: config.AWS_ENDPOINT_URL_EVENTBRIDGE, region: config.AWS_REGION },
      }),
      ...(clients.s3 &&
        config.HISTORY_BUCKET && {
          history: { s3: clients.s3, bucket: config.HISTORY_BUCKET },
        }),
      logger,
    });
  } catch (err) {
    logger.error({ event: "init.failed", err }, "set-up failed");
    process.exitCode = 1;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}
