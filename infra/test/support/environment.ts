import type { z } from "zod";
import { ServiceName, parseEnv } from "@macaque/shared";
import { notifierEnvSchema } from "../../../services/notifier/src/config.ts";
import { producerEnvSchema } from "../../../services/producer/src/config.ts";
import { monitorEnvSchema } from "../../../services/recovery-monitor/src/config.ts";
import { terminatorEnvSchema } from "../../../services/terminator/src/config.ts";

/** Each service's own environment schema: the one its main.ts parses at start-up. */
export const serviceSchemas: Record<ServiceName, z.ZodObject> = {
  [ServiceName.producer]: producerEnvSchema,
  [ServiceName.terminator]: terminatorEnvSchema,
  [ServiceName.recoveryMonitor]: monitorEnvSchema,
  [ServiceName.notifier]: notifierEnvSchema,
};

/** Read by the AWS SDK itself rather than by a macaque schema. */
const sdkVariables = new Set(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]);

/**
 * Parses an environment block with a schema, as the process would, and also
 * lists the variables the schema does not know: zod objects ignore unknown keys,
 * so a misspelt guardrail would otherwise fall back to its default in silence.
 */
export function checkEnvironment(
  schema: z.ZodObject,
  env: Record<string, string>,
): { config: Record<string, unknown>; unknown: string[] } {
  const config = parseEnv(schema, env) as Record<string, unknown>;
  const known = new Set(Object.keys(schema.shape));
  const unknown = Object.keys(env).filter((k) => !known.has(k) && !sdkVariables.has(k));
  return { config, unknown };
}
