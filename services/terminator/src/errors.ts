import { PoisonMessageError } from "@macaque/shared";

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
