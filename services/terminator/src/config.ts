import {
  commonEnvSchema,
  controlEnvSchema,
  guardrailEnvSchema,
  historyEnvSchema,
  redisEnvSchema,
} from "@macaque/shared";

export const terminatorEnvSchema = commonEnvSchema
  .extend({
    /** Instances carrying this tag are never terminated, even when an order names them. Default `macaque:exclude=true`. */
    EXCLUDE_TAG: guardrailEnvSchema.shape.EXCLUDE_TAG,
  })
  .extend(redisEnvSchema.shape)
  .extend(controlEnvSchema.shape)
  // With a history bucket, results outlive Redis under results/ (result-log.ts).
  .extend(historyEnvSchema.shape);
