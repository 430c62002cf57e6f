import type { Logger } from "@macaque/shared";
import type { WriteOnceLog } from "@macaque/shared/history";
import { parseResult, type Idempotency } from "./idempotency.ts";

/**
 * The terminator's results outlive Redis: each result is also written once to
 * the durable log (`results/<experimentId>.json` in the history bucket), and a
 * Redis miss reads it before anything is re-checked or terminated. An order the
 * producer replays after a Redis loss then publishes its first result again
 * (same event id) instead of finding its victims gone and reporting a failure:
 * one terminal event, one report. Claims, progress and attempts stay in Redis
 * only; they matter while one delivery is under way.
 */
export function withResultLog(
  idempotency: Idempotency,
  log: WriteOnceLog,
  logger: Logger,
): Idempotency {
  return {
    ...idempotency,
    async findResult(experimentId) {
      const found = await idempotency.findResult(experimentId);
      if (found) return found;
      const logged = await log.read(experimentId);
      if (logged === undefined) return undefined;
      const event = parseResult(logged);
      logger.warn(
        { event: "result.restored", experimentId, eventId: event.id },
        "result found in the durable log, not in Redis: Redis lost it; publishing it again",
      );
      // Back into Redis, so the next delivery finds it there.
      return (await idempotency.keepResult(experimentId, event)).event;
    },
    async keepResult(experimentId, event) {
      const kept = await idempotency.keepResult(experimentId, event);
      const json = JSON.stringify(kept.event);
      const first = await log.writeOnce(experimentId, json);
      // Redis lost an earlier result in a window the read-through missed: the log's wins.
      return first === json ? kept : { event: parseResult(first), stored: false };
    },
  };
}
