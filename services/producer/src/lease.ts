import { ServiceName, redisKey, releaseIfHeld, setIfAbsent, type Redis } from "@macaque/shared";

/**
 * One experiment per group at a time: overlapping experiments would corrupt each
 * other's recovery measurement. The lease names the experiment holding the group
 * and expires on its own at the end of the experiment's lifetime (`leaseTtlMs` in
 * shared/lifetime), so a lost outcome event blocks the group for a while, never
 * for ever, and never less than the experiment can last.
 */

export interface LeaseStore {
  /** The experiment holding the group, if any. */
  holder(asg: string): Promise<string | undefined>;
  /** Takes the group for the experiment unless another holds it; returns the holder afterwards. */
  acquire(asg: string, experimentId: string, ttlMs: number): Promise<string>;
  /** Frees the group if this experiment still holds it; true when it did. */
  release(asg: string, experimentId: string): Promise<boolean>;
}

export function createLeaseStore(redis: Redis, prefix: string): LeaseStore {
  const key = (asg: string) => redisKey(prefix, ServiceName.producer, "lease", asg);
  return {
    holder: async (asg) => (await redis.get(key(asg))) ?? undefined,
    acquire: (asg, experimentId, ttlMs) => setIfAbsent(redis, key(asg), experimentId, ttlMs),
    release: (asg, experimentId) => releaseIfHeld(redis, key(asg), experimentId),
  };
}
