import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import {
  QueueRole,
  ServiceName,
  connectService,
  createAwsClient,
  loadConfig,
  pingRedis,
  publishEvent,
  runService,
} from "@macaque/shared";
import { readAlarms } from "@macaque/shared/read-alarms";
import { connectControlStore } from "@macaque/shared/control-store";
import { createS3Client, createWriteOnceLog, writeOnceLogPrefix } from "@macaque/shared/history";
import { terminatorEnvSchema } from "./config.ts";
import { createOrderHandler } from "./handle-order.ts";
import { createIdempotency } from "./idempotency.ts";
import { withResultLog } from "./result-log.ts";
import { createTerminatorMetrics } from "./metrics.ts";
import { createOrderControls } from "./order-controls.ts";
import { createRecheck } from "./recheck.ts";
import { createStopConditionGate } from "./stop-conditions.ts";
import { createAsgTermination, createEc2Termination } from "./terminate.ts";

const config = loadConfig(terminatorEnvSchema, process.env, ServiceName.terminator);

await runService({
  service: ServiceName.terminator,
  config,
  async start({ logger, metrics }) {
    const bus = await connectService({ service: ServiceName.terminator, config, logger, metrics });
    const { sns, redis, topology } = bus;
    const ec2 = createAwsClient(EC2Client, bus.aws);
    const autoScaling = createAwsClient(AutoScalingClient, bus.aws);
    const cloudwatch = createAwsClient(CloudWatchClient, bus.aws);
    const controlStore = connectControlStore(bus.aws, config.CONTROL_PARAMETER_PATH);
    const now = () => new Date();
    const s3 =
      config.HISTORY_BUCKET === undefined
        ? undefined
        : createS3Client({
            ...bus.aws,
            endpoint: config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL,
          });
    const redisIdempotency = createIdempotency({ redis, keyPrefix: config.REDIS_KEY_PREFIX });
    const idempotency =
      s3 && config.HISTORY_BUCKET
        ? withResultLog(
            redisIdempotency,
            createWriteOnceLog(s3, config.HISTORY_BUCKET, writeOnceLogPrefix.results),
            logger,
          )
        : redisIdempotency;

    const handle = createOrderHandler({
      recheck: createRecheck({ autoScaling, ec2 }),
      terminations: {
        ec2: createEc2Termination({ ec2, now }),
        asg: createAsgTermination({ autoScaling, now }),
      },
      idempotency,
      publish: async (event) => {
        await publishEvent(sns, topology.topics.events.arn, event);
      },
      excludeTag: config.EXCLUDE_TAG,
      now,
      metrics: createTerminatorMetrics(metrics.registry),
      stopConditions: createStopConditionGate((names) => readAlarms(cloudwatch, names)),
      controls: createOrderControls(controlStore),
    });
    return {
      consumers: [bus.consume(QueueRole.terminations, handle)],
      ready: () => pingRedis(redis),
      async close() {
        await bus.close();
        ec2.destroy();
        s3?.destroy();
        autoScaling.destroy();
        cloudwatch.destroy();
        controlStore.destroy();
      },
    };
  },
});
