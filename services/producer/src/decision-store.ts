import { z } from "zod";
import {
  EventType,
  ServiceName,
  eventDataSchemas,
  redisKey,
  setIfAbsent,
  type Redis,
} from "@macaque/shared";
import type { WriteOnceLog } from "@macaque/shared/history";
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

/**
 * A body that is not a valid job message is refused the same way whenever it comes
 * back, so its rejection stays in Redis only and a flood of garbage costs no S3
 * request (after a Redis loss, a valid body reusing its requestId would be planned).
 * Plans, fan-outs and guardrail refusals are logged.
 */
const worthLogging = (decision: Decision): boolean =>
  decision.kind !== "rejected" || decision.rejection.stage === "guardrail";

/** How long a decision read back from the durable log is cached in Redis again. */
const RESTORED_TTL_MS = 24 * 3_600_000;

/**
 * Redis answers first and arbitrates between replicas; with a durable log
 * (HISTORY_BUCKET), every decision Redis keeps is also written there once, before
 * anything is sent, and a Redis miss reads the log before the caller plans. So
 * when Redis loses its keys (a restart without persistence, a failover, an
 * eviction), a resent request replays its first decision, with the same victims,
 * instead of being planned again.
 */
export function createDecisionStore(
  redis: Redis,
  prefix: string,
  log?: WriteOnceLog,
): DecisionStore {
  const key = (experimentId: string) =>
    redisKey(prefix, ServiceName.producer, "decision", experimentId);
  const parse = (json: string): Decision => decisionSchema.parse(JSON.parse(json));
  return {
    async get(experimentId) {
      const raw = await redis.get(key(experimentId));
      if (raw !== null) return parse(raw);
      const logged = await log?.read(experimentId);
      if (logged === undefined) return undefined;
      // Cached again, unless a replica decided meanwhile: then its decision is Redis's.
      return parse(await setIfAbsent(redis, key(experimentId), logged, RESTORED_TTL_MS));
    },
    async keep(experimentId, decision, ttlMs) {
      const json = JSON.stringify(decision);
      const kept = await setIfAbsent(redis, key(experimentId), json, ttlMs);
      if (kept !== json) return parse(kept);
      if (!log || !worthLogging(decision)) return decision;
      const first = await log.writeOnce(experimentId, json);
      if (first === json) return decision;
      // Decided before Redis lost it, in a window the read-through missed: the log's wins.
      await redis.set(key(experimentId), first, "PX", ttlMs);
      return parse(first);
    },
  };
}
