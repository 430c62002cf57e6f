import { z } from "zod";
import { commonEnvSchema, defaultTags, envPositiveInt, redisEnvSchema } from "@macaque/shared";
import type { TagMatch } from "./group-state.ts";
import type { GuardrailPolicy } from "./guardrails.ts";

const tag = (fallback: string) =>
  z
    .string()
    .regex(/^[^=]+=.*$/, "must be key=value, e.g. macaque:enabled=true")
    .default(fallback)
    .transform((s): TagMatch => {
      const at = s.indexOf("=");
      return { key: s.slice(0, at), value: s.slice(at + 1) };
    });

/** The producer's environment: common, Redis, and the guardrails an operator sets. */
export const producerEnvSchema = commonEnvSchema
  .extend({
    /** Tag a group must carry to be a target at all. */
    OPT_IN_TAG: tag(`${defaultTags.optInKey}=${defaultTags.optInValue}`),
    /** Instances carrying this tag are never chosen. */
    EXCLUDE_TAG: tag(`${defaultTags.excludeKey}=${defaultTags.excludeValue}`),
    MAX_INSTANCES_PER_EXPERIMENT: envPositiveInt(10),
    /** Victims may be at most floor(desired capacity * this / 100). */
    MAX_PERCENT_OF_GROUP: z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(1, "must be 1-100")
      .max(100, "must be 1-100")
      .default(50),
    /** InService and Healthy instances that must remain after the termination. */
    MIN_IN_SERVICE_AFTER: z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(0, "must be 0 or more")
      .default(1),
  })
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
