/** The process environment, read once by main.ts. */
import { parseEnv } from "@macaque/shared";
import { z } from "zod";

const envSchema = z.object({
  SCHEDULER_SIM_PORT: z.coerce.number().int().min(0).max(65_535).default(4600),
  SCHEDULER_SIM_HOST: z.string().min(1).default("127.0.0.1"),
  /** 0.1: a simulated minute passes in 6 s. */
  SCHEDULER_SIM_TIME_SCALE: z.coerce.number().positive().finite().default(1),
  /** Schedule groups to create at start, comma-separated (the CDK stack's, in production). */
  SCHEDULER_SIM_GROUPS: z
    .string()
    .default("")
    .transform((text) =>
      text
        .split(",")
        .map((g) => g.trim())
        .filter(Boolean),
    ),
  AWS_REGION: z.string().min(1).default("us-east-1"),
});
export type SchedulerSimConfig = Readonly<z.output<typeof envSchema>>;

/** Parses the environment; a bad variable throws ConfigError naming it (main.ts prints it). */
export function loadSchedulerSimConfig(
  env: Record<string, string | undefined>,
): SchedulerSimConfig {
  return parseEnv(envSchema, env);
}
