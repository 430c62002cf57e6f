import { z } from "zod";
import {
  EventType,
  ServiceName,
  eventDataSchemas,
  redisKey,
  setIfAbsent,
  type Redis,
} from "@macaque/shared";
import type { Plan } from "./plan.ts";
import type { Rejection } from "./rejection.ts";

/**
 * What the producer decided for each experiment id, plan or rejection: the first
 * decision is the only one. A redelivered or duplicated request, a request sent
 * again after its rejection, or a second producer replica deciding at the same
 * moment re-sends that decision instead of making another, so one request never
 * gets new victims (a request without a seed would draw different ones) nor
 * both a plan and a rejection.
 */
export type Decision =
  | { kind: "planned"; plan: Plan }
  | { kind: "rejected"; rejection: Rejection }
  /** A selector request: the groups it matched first, each sent a job of its own (fan-out.ts). */
  | { kind: "fanned-out"; groups: string[] };

export interface DecisionStore {
  get(experimentId: string): Promise<Decision | undefined>;
  /** Keeps the decision unless one is kept already; returns the one kept. */
  keep(experimentId: string, decision: Decision, ttlMs: number): Promise<Decision>;
}

const decisionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("planned"), plan: eventDataSchemas[EventType.experimentPlanned] }),
  z.object({
    kind: z.literal("rejected"),
    rejection: eventDataSchemas[EventType.experimentRejected],
  }),
  z.object({ kind: z.literal("fanned-out"), groups: z.array(z.string()) }),
]);

export function createDecisionStore(redis: Redis, prefix: string): DecisionStore {
  const key = (experimentId: string) =>
    redisKey(prefix, ServiceName.producer, "decision", experimentId);
  return {
    async get(experimentId) {
      const raw = await redis.get(key(experimentId));
      return raw === null ? undefined : decisionSchema.parse(JSON.parse(raw));
    },
    async keep(experimentId, decision, ttlMs) {
      const json = JSON.stringify(decision);
      const kept = await setIfAbsent(redis, key(experimentId), json, ttlMs);
      return kept === json ? decision : decisionSchema.parse(JSON.parse(kept));
    },
  };
}
