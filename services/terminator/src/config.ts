import {
  commonEnvSchema,
  envPositiveInt,
  guardrailEnvSchema,
  redisEnvSchema,
} from "@macaque/shared";

export const terminatorEnvSchema = commonEnvSchema
  .extend({
    /** Instances carrying this tag are never terminated, even when an order names them. Default `macaque:exclude=true`. */
    EXCLUDE_TAG: guardrailEnvSchema.shape.EXCLUDE_TAG,
    /**
     * An order older than this is refused: its plan's steady-state checks and the
     * group's lease no longer hold (SQS keeps an order 4 days, its DLQ 14). Default 600.
     */
    ORDER_MAX_AGE_SECONDS: envPositiveInt(600),
  })
  .extend(redisEnvSchema.shape);
