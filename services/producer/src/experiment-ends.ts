import { ServiceName, redisKey, type Redis } from "@macaque/shared";

/**
 * When each group's last experiment ended, for MIN_MINUTES_BETWEEN_EXPERIMENTS.
 * Kept without expiry (one small key per group) so a restart or a long quiet
 * spell never forgets it.
 *
 * An experiment ends when its outcome releases the group's lease. One whose
 * outcome never comes (lost, or the pipeline down) ends at the latest when its
 * lease expires: so when the lease is taken, that expiry is written here first
 * as the provisional end, and the outcome overwrites it with the real one. A
 * late outcome that finds the lease already expired changes nothing: the
 * provisional end stands (it may already be a newer experiment's).
 */
export interface ExperimentEndStore {
  lastEndedAt(asg: string): Promise<Date | undefined>;
  record(asg: string, endedAt: Date): Promise<void>;
}

export function createExperimentEndStore(redis: Redis, prefix: string): ExperimentEndStore {
  const key = (asg: string) => redisKey(prefix, ServiceName.producer, "last-ended", asg);
  return {
    async lastEndedAt(asg) {
      const raw = await redis.get(key(asg));
      if (raw === null) return undefined;
      const at = new Date(raw);
      // A value this code did not write is no reason to refuse for ever: treated as none.
      return Number.isNaN(at.getTime()) ? undefined : at;
    },
    record: async (asg, endedAt) => void (await redis.set(key(asg), endedAt.toISOString())),
  };
}
