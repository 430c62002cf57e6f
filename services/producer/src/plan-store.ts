import {
  EventType,
  ServiceName,
  eventDataSchemas,
  redisKey,
  setIfAbsent,
  type Redis,
} from "@macaque/shared";
import type { Plan } from "./plan.ts";

/**
 * Plans by experiment id, so a redelivered or duplicated request re-sends the
 * plan it got the first time instead of drawing new victims (a request without a
 * seed would draw different ones).
 */
export interface PlanStore {
  get(experimentId: string): Promise<Plan | undefined>;
  /** Keeps the plan unless one is kept already; returns the one kept. */
  keep(plan: Plan, ttlMs: number): Promise<Plan>;
}

const planSchema = eventDataSchemas[EventType.experimentPlanned];

export function createPlanStore(redis: Redis, prefix: string): PlanStore {
  const key = (experimentId: string) =>
    redisKey(prefix, ServiceName.producer, "plan", experimentId);
  return {
    async get(experimentId) {
      const raw = await redis.get(key(experimentId));
      return raw === null ? undefined : planSchema.parse(JSON.parse(raw));
    },
    async keep(plan, ttlMs) {
      const json = JSON.stringify(plan);
      const kept = await setIfAbsent(redis, key(plan.experiment.id), json, ttlMs);
      return kept === json ? plan : planSchema.parse(JSON.parse(kept));
    },
  };
}
