import { PoisonMessageError, type ControlRefusal } from "@macaque/shared";

/** What stopped an order: the kill switch (`halted`) or its experiment's abort (`aborted`). */
export interface Refusal {
  code: ControlRefusal;
  message: string;
}

/** A body on the terminations queue that is not a termination order: poison, moved to the dead-letter queue at once. */
export class InvalidOrderError extends PoisonMessageError {
  override name = "InvalidOrderError";
  readonly reasons: readonly string[];
  constructor(reasons: readonly string[], options?: ErrorOptions) {
    super(`not a termination order: ${reasons.join("; ")}`, options);
    this.reasons = reasons;
  }
}

/** Another delivery of the same order holds the claim; this one is retried later. */
export class OrderInProgressError extends Error {
  override name = "OrderInProgressError";
}

/** Thrown from before a terminate call, so the calls stop; carry-out-order turns it into outcomes. */
export class OrderRefusedError extends Error {
  override name = "OrderRefusedError";
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    super(`not terminating: ${refusal.message}`);
    this.refusal = refusal;
  }
}
