import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  EventType,
  ServiceName,
  isEventOf,
  parseEvent,
  redisKey,
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

export interface Claim {
  /** Stops extending the claim and deletes it, unless it has passed to another delivery. */
  release(): Promise<void>;
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

const ownedExtend = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const ownedDelete = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

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

  const findResult = async (experimentId: string) => {
    const raw = await redis.get(key("experiment", experimentId));
    return raw === null ? undefined : parseResult(raw);
  };

  const keepResult = async (
    experimentId: string,
    event: ResultEvent,
  ): Promise<{ event: ResultEvent; stored: boolean }> => {
    const resultKey = key("experiment", experimentId);
    const set = await redis.set(resultKey, JSON.stringify(event), "EX", resultTtl, "NX");
    if (set === "OK") return { event, stored: true };
    const existing = await findResult(experimentId);
    // Gone again between SET and GET only if it expired that instant: store ours.
    return existing ? { event: existing, stored: false } : keepResult(experimentId, event);
  };

  return {
    findResult,
    keepResult,

    async claim(experimentId) {
      const claimKey = key("claim", experimentId);
      const token = randomUUID();
      const set = await redis.set(claimKey, token, "PX", claimTtl, "NX");
      if (set !== "OK") return undefined;
      const heartbeat = setInterval(() => {
        // A failed extension is harmless: the claim then expires and the re-check still protects.
        redis.eval(ownedExtend, 1, claimKey, token, claimTtl).catch(() => undefined);
      }, claimTtl / 3);
      heartbeat.unref();
      return {
        async release() {
          clearInterval(heartbeat);
          await redis.eval(ownedDelete, 1, claimKey, token);
        },
      };
    },

    async loadProgress(experimentId) {
      const fields = await redis.hgetall(key("progress", experimentId));
      return Object.values(fields).map((raw) => progressSchema.parse(JSON.parse(raw)));
    },

    async recordProgress(experimentId, outcomes) {
      const fields = outcomes.map((o) => [o.instanceId, JSON.stringify(o)] as const);
      await setFields(key("progress", experimentId), fields);
    },

    async loadAttempts(experimentId) {
      const fields = await redis.hgetall(key("attempt", experimentId));
      return new Map(Object.entries(fields).map(([id, at]) => [id, isoTime.parse(at)]));
    },

    async recordAttempts(experimentId, instanceIds, at) {
      // The last call wins: an earlier one AWS had acted on would have left the
      // victim terminating, and it would not have been called for again.
      const fields = instanceIds.map((id) => [id, at.toISOString()] as const);
      await setFields(key("attempt", experimentId), fields);
    },
  };

  async function setFields(hashKey: string, fields: readonly (readonly [string, string])[]) {
    if (fields.length === 0) return;
    const results = await redis
      .multi()
      .hset(hashKey, Object.fromEntries(fields))
      .expire(hashKey, resultTtl)
      .exec();
    const failure = results?.find(([err]) => err)?.[0];
    if (failure) throw failure;
  }
}

function parseResult(raw: string): ResultEvent {
  const event = parseEvent(JSON.parse(raw));
  if (!isEventOf(event, EventType.instancesTerminated, EventType.terminationFailed)) {
    throw new Error(`stored result is a ${event.type} event, not a termination result`);
  }
  return event;
}
