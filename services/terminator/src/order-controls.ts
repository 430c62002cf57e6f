/**
 * The operator can stop an order the terminator has not carried out yet: the
 * kill switch stops every order, an abort stops one experiment's. Both are read
 * together before the order (a read shared by the orders of a short window) and
 * again right before each terminate call, by a read that started after the call
 * was ready (orders ready together share one GetParameters: the switch and up to
 * nine aborts), so a halt that lands mid-order stops the next call. A switch that
 * cannot be read throws ControlUnreadableError, which is not permanent: the order is redelivered
 * and nothing is terminated until the switch can be read, or the order's window
 * passes and it fails as stale (fail closed).
 */
import { createDescribeBatcher, orderRefusal, shareRecentRead } from "@macaque/shared";
import { orderControlsPerRead, type ControlStore } from "@macaque/shared/control-store";
import type { Refusal } from "./errors.ts";

export type { Refusal };

export interface OrderControls {
  /** Why this experiment's order must not be carried out, or undefined when nothing stops it. */
  refusal(experimentId: string): Promise<Refusal | undefined>;
  /**
   * The same question before an order is started, from a read shared by the
   * orders of one window (`screenWindowMs`): the switch and every abort. Only a
   * first screen: `refusal` is asked again right before each terminate call.
   */
  screen(experimentId: string): Promise<Refusal | undefined>;
}

export function createOrderControls(
  store: Pick<ControlStore, "readOrderControls" | "readHalt" | "readAborts">,
  options: { screenWindowMs?: number; now?: () => number } = {},
): OrderControls {
  // Both read at once; when both fail, the switch's error is the one to tell.
  const readAll = shareRecentRead(
    async () => {
      const [halt, aborts] = await Promise.allSettled([store.readHalt(), store.readAborts()]);
      if (halt.status === "rejected") throw halt.reason;
      if (aborts.status === "rejected") throw aborts.reason;
      return [halt.value, aborts.value] as const;
    },
    options.screenWindowMs ?? 0,
    options.now,
  );
  // No window: a read starts as soon as the one before it ended, with every order
  // that asked meanwhile, so none is answered by a read older than its question.
  const fresh = createDescribeBatcher({
    describe: (ids) => store.readOrderControls(ids),
    nameOf: (read) => read.experimentId,
    windowMs: 0,
    maxBatch: orderControlsPerRead,
    maxInFlight: 2,
  });
  return {
    async refusal(experimentId) {
      const read = await fresh.describeGroup(experimentId);
      return orderRefusal(read?.halt, read?.abort);
    },
    async screen(experimentId) {
      const [halt, aborts] = await readAll();
      return orderRefusal(halt, aborts.get(experimentId));
    },
  };
}
