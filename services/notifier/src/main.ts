import { SESClient } from "@aws-sdk/client-ses";
import {
  QueueRole,
  ServiceName,
  connectService,
  createAwsClient,
  loadConfig,
  pingRedis,
  runService,
} from "@macaque/shared";
import { notifierEnvSchema } from "./config.ts";
import { createControlLog } from "./control-log.ts";
import { connectHistoryBucket, writeArchive } from "@macaque/shared/history";
import { createDeliveries } from "./deliveries.ts";
import { createEnrolledRecipients } from "./enrolled-recipients.ts";
import { createEventHandler } from "./handle-event.ts";
import { createNotifierMetrics } from "./notifier-metrics.ts";

const config = loadConfig(notifierEnvSchema, process.env, ServiceName.notifier);

await runService({
  service: ServiceName.notifier,
  config,
  start: async ({ logger, metrics }) => {
    const bus = await connectService({ service: ServiceName.notifier, config, logger, metrics });
    const { sns, redis, topology } = bus;
    const ses = createAwsClient(SESClient, bus.aws);

    const counters = createNotifierMetrics(metrics.registry);
    const deliveries = createDeliveries({
      redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      // One step (an SES send or an SNS publish) takes at most this long before the SDK gives up.
      claimTtlMs: config.AWS_REQUEST_TIMEOUT_MS * config.AWS_MAX_ATTEMPTS + 5_000,
    });
    const enrolledRecipients = createEnrolledRecipients({
      ses,
      sns,
      reportsTopicArn: topology.topics.reports.arn,
      senderEmail: config.SENDER_EMAIL,
      logger,
    });
    const history = connectHistoryBucket(bus.aws, config);
    if (!history) {
      logger.warn({ event: "archive.off" }, "not archiving experiments: HISTORY_BUCKET is not set");
    }
    const consumer = bus.consume(
      QueueRole.notifications,
      createEventHandler({
        ses,
        sns,
        deliveries,
        senderEmail: config.SENDER_EMAIL,
        allowedEmailDomains: config.ALLOWED_EMAIL_DOMAINS,
        defaultRecipients: async () => [
          ...config.DEFAULT_RECIPIENTS,
          ...(config.ENROLLED_RECIPIENTS ? await enrolledRecipients() : []),
        ],
        reportsTopicArn: topology.topics.reports.arn,
        eventsTopicArn: topology.topics.events.arn,
        counters,
        controlLog: createControlLog({ redis, keyPrefix: config.REDIS_KEY_PREFIX }),
        ...(history && { archive: (item) => writeArchive(history.s3, history.bucket, item) }),
      }),
    );
    return {
      consumers: [consumer],
      ready: () => pingRedis(redis),
      close: async () => {
        await bus.close();
        ses.destroy();
        history?.destroy();
      },
    };
  },
});
