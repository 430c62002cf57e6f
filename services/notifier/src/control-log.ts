import { redisKey, type EventData, type EventType, type Redis } from "@macaque/shared";

/**
 * The halts and resumes the notifier has seen, so that a recovery report can say
 * the experiment was measured while macaque was halted. A sorted set
 * `<prefix>:notifier:control` scored by the switch's time; entries older than
 * the retention are trimmed as new ones come.
 */
export type ControlChange = EventData<typeof EventType.controlHalted>;

export interface ControlLog {
  record(change: ControlChange): Promise<void>;
  /** The changes between two times (ISO), oldest first. */
  between(from: string, to: string): Promise<ControlChange[]>;
}

export function createControlLog(options: {
  redis: Redis;
  keyPrefix: string;
  /** Default 14 days, the notifier's other records' retention. */
  retentionMs?: number;
}): ControlLog {
  const { redis } = options;
  const key = redisKey(options.keyPrefix, "notifier", "control");
  const retentionMs = options.retentionMs ?? 14 * 24 * 3_600_000;
  return {
    async record(change) {
      const at = Date.parse(change.at);
      await redis
        .multi()
        .zadd(key, at, JSON.stringify(change))
        .zremrangebyscore(key, "-inf", at - retentionMs)
        .exec();
    },
    async between(from, to) {
      const members = await redis.zrangebyscore(key, Date.parse(from), Date.parse(to));
      return members.map((m) => JSON.parse(m) as ControlChange);
    },
  };
}
