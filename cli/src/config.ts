import { z } from "zod";
import {
  ConfigError,
  commonEnvSchema,
  controlEnvSchema,
  emailAddressSchema,
  guardrailEnvSchema,
  historyEnvSchema,
  parseEnv,
} from "@macaque/shared";
import { InvalidInputError } from "./errors.ts";
import type { Limits } from "./ask-count.ts";

/**
 * The CLI reads the services' own variables: the same endpoints and name prefix
 * find the same queues, and the same guardrail limits (the producer's, with its
 * defaults) tell a person how many instances they may ask for.
 */
const regionSchema = commonEnvSchema.shape.AWS_REGION.unwrap().optional();

export const cliEnvSchema = commonEnvSchema
  .extend(guardrailEnvSchema.shape)
  .extend(controlEnvSchema.shape)
  .extend(historyEnvSchema.shape)
  .extend({
    /**
     * No default, unlike the services': the CLI finds the region as the AWS CLI
     * does (see resolveRegion), so a profile's region is not silently us-east-1.
     */
    AWS_REGION: regionSchema,
    AWS_DEFAULT_REGION: regionSchema,
    /** The notifier's From address: `recipients` never enrols or removes it. Optional here. */
    SENDER_EMAIL: emailAddressSchema.optional(),
    /** The role EventBridge Scheduler sends with; default `<prefix>-scheduler` in the queue's account. */
    MACAQUE_SCHEDULER_ROLE_ARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN")
      .optional(),
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
  return {
    maxInstancesPerExperiment: config.MAX_INSTANCES_PER_EXPERIMENT,
    maxPercentOfGroup: config.MAX_PERCENT_OF_GROUP,
    minInServiceAfter: config.MIN_IN_SERVICE_AFTER,
    optInTag: config.OPT_IN_TAG,
  };
}
