import { z } from "zod";
import {
  ConfigError,
  commonEnvSchema,
  defaultTags,
  envPositiveInt,
  parseEnv,
} from "@macaque/shared";
import { InvalidInputError } from "./errors.ts";
import type { Limits } from "./ask-count.ts";

/**
 * The CLI reads the services' own variables: the same endpoints and name prefix
 * find the same queues, and the same guardrail limits (the producer's, with its
 * defaults) tell a person how many instances they may ask for.
 */
export const cliEnvSchema = commonEnvSchema.extend({
  OPT_IN_TAG: z
    .string()
    .regex(/^[^=]+=.*$/, "must be key=value, e.g. macaque:enabled=true")
    .default(`${defaultTags.optInKey}=${defaultTags.optInValue}`),
  MAX_INSTANCES_PER_EXPERIMENT: envPositiveInt(10),
  MAX_PERCENT_OF_GROUP: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be 1-100")
    .max(100, "must be 1-100")
    .default(50),
  MIN_IN_SERVICE_AFTER: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be 0 or more")
    .default(1),
});
export type CliConfig = z.output<typeof cliEnvSchema>;

/** Parses the environment; a bad variable is invalid input (exit 2), named. */
export function loadCliConfig(env: Record<string, string | undefined>): CliConfig {
  try {
    return parseEnv(cliEnvSchema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new InvalidInputError("invalid environment", err.problems, { cause: err });
  }
}

export function limitsOf(config: CliConfig): Limits {
  const at = config.OPT_IN_TAG.indexOf("=");
  return {
    maxInstancesPerExperiment: config.MAX_INSTANCES_PER_EXPERIMENT,
    maxPercentOfGroup: config.MAX_PERCENT_OF_GROUP,
    minInServiceAfter: config.MIN_IN_SERVICE_AFTER,
    optInTag: { key: config.OPT_IN_TAG.slice(0, at), value: config.OPT_IN_TAG.slice(at + 1) },
  };
}
