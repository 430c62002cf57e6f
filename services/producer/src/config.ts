import type { z } from "zod";
import { commonEnvSchema, guardrailEnvSchema, redisEnvSchema } from "@macaque/shared";
import type { GuardrailPolicy } from "./guardrails.ts";

/** The producer's environment: common, Redis, and the guardrails an operator sets. */
export const producerEnvSchema = commonEnvSchema
  .extend(guardrailEnvSchema.shape)
  .extend(redisEnvSchema.shape);

export type ProducerConfig = z.output<typeof producerEnvSchema>;

export function guardrailPolicy(config: ProducerConfig): GuardrailPolicy {
  return {
    optInTag: config.OPT_IN_TAG,
    excludeTag: config.EXCLUDE_TAG,
    maxInstancesPerExperiment: config.MAX_INSTANCES_PER_EXPERIMENT,
    maxPercentOfGroup: config.MAX_PERCENT_OF_GROUP,
    minInServiceAfter: config.MIN_IN_SERVICE_AFTER,
  };
}
