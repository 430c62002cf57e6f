import {
  awsCallBudgetEnvSchema,
  commonEnvSchema,
  controlEnvSchema,
  envEnum,
  envPositiveInt,
  historyEnvSchema,
  redisEnvSchema,
} from "@macaque/shared";
/** The recovery-monitor's environment: the common and Redis variables plus its own. */
export const monitorEnvSchema = commonEnvSchema
  .extend(redisEnvSchema.shape)
  .extend(controlEnvSchema.shape)
  .extend(historyEnvSchema.shape)
  .extend({
    /**
     * How long the describe batcher waits for more group names before it calls
     * DescribeAutoScalingGroups (it calls at once when 100 are waiting). Default 25.
     */
    CHECK_BATCH_WINDOW_MS: envPositiveInt(25),
    /** Checks run at the same time; high so that concurrent checks share calls. Default 50. */
    WORKER_CONCURRENCY: envPositiveInt(50),
    /**
     * Most Elastic Load Balancing calls (DescribeTargetHealth) per second, shared by
     * every check of this process: ELB's describe budget (~10/s) is account-wide. Default 5.
     */
    ELB_CALLS_PER_SECOND: envPositiveInt(5),
    /**
     * Most DescribeAutoScalingGroups calls per second, shared by every check of this
     * process: the same budget, and the same variable, as the producer's and the
     * terminator's (Auto Scaling's describe budget is the account's). Default 20.
     */
    AUTO_SCALING_CALLS_PER_SECOND: awsCallBudgetEnvSchema.shape.AUTO_SCALING_CALLS_PER_SECOND,
    /**
     * How the monitor learns that a group recovered. `events`: AWS's own events
     * (the fleet-events queue, fed by an EventBridge rule) wake the experiment's
     * check at once, polling at the check interval stays as the safety net;
     * `poll`: checks at the check interval only; `naive`: the baseline of the
     * benchmark, polling with one DescribeAutoScalingGroups per experiment per
     * check (no batching, no events). Default poll.
     */
    DETECTION_MODE: envEnum(["events", "poll", "naive"], "poll"),
    /**
     * After a launch event, checks this many milliseconds apart (the replacement's
     * health, which no event announces, follows within seconds), on the multiples of
     * it since the epoch: one grid for every experiment, so their checks share
     * describes. Checks woken by an event also wait for its next tick. Default 100.
     */
    EVENT_FOLLOW_UP_MS: envPositiveInt(100),
    /**
     * Consumers of the fleet-events queue (events mode), each polling with
     * QUEUE_CONCURRENCY / 10 receives of up to 10 messages. One is enough for
     * thousands of events a minute; every poller costs receive calls. Default 1.
     */
    FLEET_EVENT_CONSUMERS: envPositiveInt(1),
    /**
     * At most this many such quick checks follow a launch event; they stop sooner,
     * once a look finds every replacement at the recovery level (default 50: 5 s of them).
     */
    EVENT_FOLLOW_UPS: envPositiveInt(50),
  });
