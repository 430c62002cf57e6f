import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { randomBytes } from "node:crypto";
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
  sendJson,
} from "@macaque/shared";
import { configuredEc2Endpoint, createEc2Query } from "@macaque/shared/ec2-query";
import { readAlarms } from "@macaque/shared/read-alarms";
import { connectControlStore } from "@macaque/shared/control-store";
import {
  connectHistoryBucket,
  createWriteOnceLog,
  writeOnceLogPrefix,
} from "@macaque/shared/history";
import { allowLists, guardrailPolicy, jobDefaults, producerEnvSchema } from "./config.ts";
import { createProducerControls } from "./controls.ts";
import { createGroupDescriber } from "./describe-group.ts";
import { createExperimentEndStore } from "./experiment-ends.ts";
import { createOutcomeHandler } from "./handle-outcome.ts";
import { createRequestHandler } from "./handle-request.ts";
import { createLeaseStore } from "./lease.ts";
import { createDecisionStore } from "./decision-store.ts";
import { selectGroups } from "@macaque/shared/select-groups";
import { createProducerMetrics } from "./producer-metrics.ts";
import { createStopConditionCheck } from "./stop-conditions.ts";

const config = loadConfig(producerEnvSchema, process.env, ServiceName.producer);

await runService({
  service: ServiceName.producer,
  config,
  async start({ logger, metrics }) {
    const bus = await connectService({ service: ServiceName.producer, config, logger, metrics });
    const { sqs, sns, redis, topology } = bus;
    // Every Auto Scaling and EC2 call of this process, whichever request makes it,
    // takes a slot of the budget (AUTO_SCALING_CALLS_PER_SECOND, EC2_CALLS_PER_SECOND).
    const autoScaling = createAwsClient(AutoScalingClient, bus.aws);
    limitCalls(
      autoScaling.middlewareStack,
      createRateLimiter({ perSecond: config.AUTO_SCALING_CALLS_PER_SECOND }),
    );
    const ec2 = createEc2Query({
      ...bus.aws,
      endpoint: configuredEc2Endpoint(process.env),
      limiter: createRateLimiter({ perSecond: config.EC2_CALLS_PER_SECOND }),
    });
    const elb = createAwsClient(ElasticLoadBalancingV2Client, bus.aws);
    const cloudwatch = createAwsClient(CloudWatchClient, bus.aws);
    const leases = createLeaseStore(redis, config.REDIS_KEY_PREFIX);
    const ends = createExperimentEndStore(redis, config.REDIS_KEY_PREFIX);
    const producerMetrics = createProducerMetrics(metrics.registry);
    const now = () => new Date();
    const controlStore = connectControlStore(bus.aws, config.CONTROL_PARAMETER_PATH);
    const controls = createProducerControls(controlStore, {
      haltReadWindowMs: config.HALT_READ_WINDOW_MS,
    });
    // Decisions outlive Redis in the history bucket when there is one (decision-store.ts).
    const history = connectHistoryBucket(bus.aws, config);
    if (!history) {
      logger.warn(
        { event: "decision-log.off" },
        "decisions live in Redis only: HISTORY_BUCKET is not set, so a Redis loss forgets them",
      );
    }

    const handleRequest = createRequestHandler({
      describeGroup: createGroupDescriber({ autoScaling, ec2, elb }),
      leases,
      ends,
      decisions: createDecisionStore(
        redis,
        config.REDIS_KEY_PREFIX,
        history && createWriteOnceLog(history, writeOnceLogPrefix.decisions),
      ),
      publish: async (event) => void (await publishEvent(sns, topology.topics.events.arn, event)),
      sendOrder: async (order) =>
        void (await sendJson(sqs, topology.queues.terminations.url, order)),
      policy: guardrailPolicy(config),
      jobDefaults: jobDefaults(config),
      region: config.AWS_REGION,
      now,
      newSeed: () => randomBytes(16).toString("hex"),
      metrics: producerMetrics,
      checkStopConditions: createStopConditionCheck({
        readAlarms: (names) => readAlarms(cloudwatch, names),
        operatorAlarms: config.STOP_ALARMS,
        region: config.AWS_REGION,
      }),
      controls,
      selectGroups: (selector, limit) => selectGroups(autoScaling, selector, limit),
      sendRequest: async (job) => void (await sendJson(sqs, topology.queues.requests.url, job)),
      maxGroupsPerSelector: config.MAX_GROUPS_PER_SELECTOR,
      allowLists: allowLists(config),
    });
    return {
      consumers: [
        bus.consume(QueueRole.requests, handleRequest),
        bus.consume(
          QueueRole.outcomes,
          createOutcomeHandler({ leases, ends, metrics: producerMetrics, now, controls }),
        ),
      ],
      ready: () => pingRedis(redis),
      async close() {
        await bus.close();
        autoScaling.destroy();
        elb.destroy();
        cloudwatch.destroy();
        controlStore.destroy();
        history?.destroy();
      },
    };
  },
});
