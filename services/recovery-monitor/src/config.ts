import {
  commonEnvSchema,
  controlEnvSchema,
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
  });
