import { z } from "zod";
import {
  EventType,
  ServiceName,
  isEventOf,
  parseEvent,
  recordFields,
  redisKey,
  setIfAbsent,
  tryClaim,
  type Claim,
  type Redis,
  type TerminationOutcome,
} from "@macaque/shared";
import type { ResultEvent } from "./result-event.ts";

/**
 * What keeps a redelivered order from terminating twice, all under
 * `<prefix>:terminator:`:
 * - `experiment:<id>` the event published for the experiment (its outcome);
 * - `claim:<id>` held while one delivery works on it, so a concurrent one waits;
 * - `progress:<id>` the victims already terminated, so a delivery that failed
 *   half-way (asg mode terminates one at a time) still reports them;
 * - `attempt:<id>` when each victim's last terminate call was made, written before
 *   the call, so a delivery whose call's answer was lost can tell (`attempts.ts`).
 */
export interface Idempotency {
  findResult(experimentId: string): Promise<ResultEvent | undefined>;
  /** Stores the result unless one is there already; the stored one is what counts. */
  keepResult(
    experimentId: string,
    event: ResultEvent,
  ): Promise<{ event: ResultEvent; stored: boolean }>;
  /** Undefined when another delivery holds the claim. */
  claim(experimentId: string): Promise<Claim | undefined>;
  loadProgress(experimentId: string): Promise<TerminationOutcome[]>;
  recordProgress(experimentId: string, outcomes: readonly TerminationOutcome[]): Promise<void>;
  /** Instance id → time of its last terminate call. */
  loadAttempts(experimentId: string): Promise<Map<string, string>>;
  recordAttempts(experimentId: string, instanceIds: readonly string[], at: Date): Promise<void>;
}

export interface IdempotencyOptions {
  redis: Redis;
  keyPrefix: string;
  /** How long results and progress are kept. Default 7 days, longer than any redelivery. */
  resultTtlSeconds?: number;
  /**
   * How long a claim outlives a crashed worker. Default 30 s: well within the
   * order's redelivery schedule, so a crash never sends the order to the DLQ.
   * A live worker extends it every third of that.
   */
  claimTtlMs?: number;
}

const isoTime = z.iso.datetime({ offset: true });
const progressSchema = z.object({
  instanceId: z.string(),
  outcome: z.literal("terminated"),
  reason: z.string().optional(),
  at: isoTime,
});

export function createIdempotency(options: IdempotencyOptions): Idempotency {
  const { redis } = options;
  const resultTtl = options.resultTtlSeconds ?? 7 * 24 * 3600;
  const claimTtl = options.claimTtlMs ?? 30_000;
  const key = (kind: string, id: string) =>
    redisKey(options.keyPrefix, ServiceName.terminator, kind, id);

  return {
    async findResult(experimentId) {
      const raw = await redis.get(key("experiment", experimentId));
      return raw === null ? undefined : parseResult(raw);
    },

    async keepResult(experimentId, event) {
      const json = JSON.stringify(event);
      const kept = await setIfAbsent(
        redis,
        key("experiment", experimentId),
        json,
        resultTtl * 1000,
      );
      return kept === json ? { event, stored: true } : { event: parseResult(kept), stored: false };
    },

    // A failed renewal is harmless: the claim then expires and the re-check still protects.
    claim: (experimentId) =>
      tryClaim(redis, { key: key("claim", experimentId), ttlMs: claimTtl, keepAlive: true }),

    async loadProgress(experimentId) {
      const fields = await redis.hgetall(key("progress", experimentId));
      return Object.values(fields).map((raw) => progressSchema.parse(JSON.parse(raw)));
    },

    async recordProgress(experimentId, outcomes) {
      const fields = outcomes.map((o) => [o.instanceId, JSON.stringify(o)]);
      await recordFields(
        redis,
        key("progress", experimentId),
        Object.fromEntries(fields),
        resultTtl,
      );
    },

    async loadAttempts(experimentId) {
      const fields = await redis.hgetall(key("attempt", experimentId));
      return new Map(Object.entries(fields).map(([id, at]) => [id, isoTime.parse(at)]));
    },

    async recordAttempts(experimentId, instanceIds, at) {
      // The last call wins: an earlier one AWS had acted on would have left the
      // victim terminating, and it would not have been called for again.
      const fields = instanceIds.map((id) => [id, at.toISOString()]);
      await recordFields(
        redis,
        key("attempt", experimentId),
        Object.fromEntries(fields),
        resultTtl,
      );
    },
  };
}

/** A stored result, in Redis or the durable log. */
export function parseResult(raw: string): ResultEvent {
  const event = parseEvent(JSON.parse(raw));
  if (!isEventOf(event, EventType.instancesTerminated, EventType.terminationFailed)) {
    throw new Error(`stored result is a ${event.type} event, not a termination result`);
  }
  return event;
}
