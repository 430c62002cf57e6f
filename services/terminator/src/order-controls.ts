/**
 * The operator can stop an order the terminator has not carried out yet: the
 * kill switch stops every order, an abort stops one experiment's. Both are read
 * together (one GetParameters) before the order and again right before each
 * terminate call, never cached, so a halt that lands mid-order stops the next
 * call. A switch that cannot be read throws ControlUnreadableError, which is not
 * permanent: the order is redelivered and nothing is terminated until the switch
 * can be read, or the order's window passes and it fails as stale (fail closed).
 */
import { orderRefusal } from "@macaque/shared";
import type { ControlStore } from "@macaque/shared/control-store";
import type { Refusal } from "./errors.ts";

export type { Refusal };

export interface OrderControls {
  /** Why this experiment's order must not be carried out, or undefined when nothing stops it. */
  refusal(experimentId: string): Promise<Refusal | undefined>;
}

export function createOrderControls(store: Pick<ControlStore, "readOrderControls">): OrderControls {
  return {
    async refusal(experimentId) {
      const { halt, abort } = await store.readOrderControls(experimentId);
      return orderRefusal(halt, abort);
    },
  };
}
