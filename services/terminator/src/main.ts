import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  QueueRole,
  ServiceName,
  connectService,
  createAwsClient,
  createRateLimiter,
  limitCalls,
  loadConfig,
  pingRedis,
  publishEvent,
  runService,
} from "@macaque/shared";
import { configuredEc2Endpoint, createEc2Query } from "@macaque/shared/ec2-query";
import { readAlarms } from "@macaque/shared/read-alarms";
import { connectControlStore } from "@macaque/shared/control-store";
import {
  connectHistoryBucket,
  createWriteOnceLog,
  writeOnceLogPrefix,
} from "@macaque/shared/history";
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
    const autoScaling = createAwsClient(AutoScalingClient, bus.aws);
    // Every Auto Scaling and EC2 call of this process, whichever order makes it,
    // takes a slot of the budget (AUTO_SCALING_CALLS_PER_SECOND, EC2_CALLS_PER_SECOND).
    // A terminate call takes its slot before the kill switch is read for it
    // (terminate.ts), so the call goes out right after that read.
    const asgLimiter = createRateLimiter({ perSecond: config.AUTO_SCALING_CALLS_PER_SECOND });
    const ec2Limiter = createRateLimiter({ perSecond: config.EC2_CALLS_PER_SECOND });
    limitCalls(autoScaling.middlewareStack, asgLimiter, {
      except: ["TerminateInstanceInAutoScalingGroupCommand"],
    });
    const ec2 = createEc2Query({
      ...bus.aws,
      endpoint: configuredEc2Endpoint(process.env),
      limiter: ec2Limiter,
    });
    const cloudwatch = createAwsClient(CloudWatchClient, bus.aws);
    const controlStore = connectControlStore(bus.aws, config.CONTROL_PARAMETER_PATH);
    const now = () => new Date();
    const history = connectHistoryBucket(bus.aws, config);
    const redisIdempotency = createIdempotency({ redis, keyPrefix: config.REDIS_KEY_PREFIX });
    const idempotency = history
      ? withResultLog(
          redisIdempotency,
          createWriteOnceLog(history, writeOnceLogPrefix.results),
          logger,
        )
      : redisIdempotency;

    const handle = createOrderHandler({
      recheck: createRecheck({ autoScaling, ec2 }),
      terminations: {
        ec2: createEc2Termination({ ec2, now, limiter: ec2Limiter }),
        asg: createAsgTermination({ autoScaling, now, limiter: asgLimiter }),
      },
      idempotency,
      publish: async (event) => {
        await publishEvent(sns, topology.topics.events.arn, event);
      },
      excludeTag: config.EXCLUDE_TAG,
      now,
      metrics: createTerminatorMetrics(metrics.registry),
      stopConditions: createStopConditionGate((names) => readAlarms(cloudwatch, names)),
      controls: createOrderControls(controlStore, {
        screenWindowMs: config.HALT_READ_WINDOW_MS,
      }),
    });
    return {
      consumers: [bus.consume(QueueRole.terminations, handle)],
      ready: () => pingRedis(redis),
      async close() {
        await bus.close();
        history?.destroy();
        autoScaling.destroy();
        cloudwatch.destroy();
        controlStore.destroy();
      },
    };
  },
});
