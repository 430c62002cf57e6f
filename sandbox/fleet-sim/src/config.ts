/** The process environment, read once by main.ts. */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { CreateGroupRequest } from "./control-types.ts";
import { ConfigError } from "./errors.ts";

export interface Config {
  port: number;
  host: string;
  timeScale: number;
  /** Path of a JSON file with the groups to create at start. */
  seedFile: string | undefined;
  /** Where AWS's events go: an SQS queue, an EventBridge endpoint (PutEvents), both or neither. */
  events: { queueUrl: string | undefined; busUrl: string | undefined };
}

const envSchema = z.object({
  FLEET_SIM_PORT: z.coerce.number().int().min(0).max(65_535).default(4599),
  FLEET_SIM_HOST: z.string().min(1).default("127.0.0.1"),
  FLEET_SIM_TIME_SCALE: z.coerce.number().positive().finite().default(1),
  FLEET_SIM_SEED: z.string().min(1).optional(),
  FLEET_SIM_EVENTS_QUEUE_URL: z.url().optional(),
  FLEET_SIM_EVENTS_BUS_URL: z.url().optional(),
});

export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map(
      (i) => `${String(i.path[0])}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`,
    );
    throw new ConfigError(`invalid environment: ${problems.join("; ")}`);
  }
  const { FLEET_SIM_PORT, FLEET_SIM_HOST, FLEET_SIM_TIME_SCALE, FLEET_SIM_SEED } = result.data;
  const { FLEET_SIM_EVENTS_QUEUE_URL, FLEET_SIM_EVENTS_BUS_URL } = result.data;
  return Object.freeze({
    port: FLEET_SIM_PORT,
    host: FLEET_SIM_HOST,
    timeScale: FLEET_SIM_TIME_SCALE,
    seedFile: FLEET_SIM_SEED,
    events: { queueUrl: FLEET_SIM_EVENTS_QUEUE_URL, busUrl: FLEET_SIM_EVENTS_BUS_URL },
  });
}

/** The seed file holds an array of groups, or `{ "groups": [...] }`; the server validates each. */
export async function readSeed(path: string): Promise<CreateGroupRequest[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`FLEET_SIM_SEED=${path}: cannot read a JSON file there`, { cause: err });
  }
  const groups = Array.isArray(json) ? json : (json as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups)) {
    throw new ConfigError(
      `FLEET_SIM_SEED=${path}: expected an array of groups or { "groups": [...] }`,
    );
  }
  return groups as CreateGroupRequest[];
}
