/**
 * One termination order, at most once per experiment however often SQS delivers
 * it. This module is the envelope (find, claim, keep, publish);
 * `carry-out-order.ts` re-checks and terminates. What a delivery does, by what it
 * finds, in the order it looks (Redis keys under `<prefix>:terminator:`, see
 * `idempotency.ts`):
 *
 * | a delivery that finds …                       | does …                                       |
 * | --------------------------------------------- | -------------------------------------------- |
 * | a body that is not an order                   | throws InvalidOrderError: poison, to the DLQ |
 * | a dry-run order                               | throws PermanentError: deleted, nothing done |
 * | a result (`experiment:<id>`)                  | publishes it again, same event id            |
 * | another delivery's claim (`claim:<id>`)       | throws OrderInProgressError: retried later   |
 * | a result once it holds the claim              | publishes that (the other finished between)  |
 * | a victim in `progress:<id>`                   | reports it terminated, not re-checked        |
 * | an order past its window (shared/lifetime)    | skips the other victims, saying why          |
 * | a victim in `attempt:<id>` AWS is terminating | reports it terminated at that call           |
 * | any other victim, unchanged                   | terminates it; a call refused for good fails |
 * | any other victim, changed                     | skips it, saying what changed                |
 * | a result kept meanwhile (its claim expired)   | publishes the kept one, not its own          |
 *
 * Whatever it carried out, it keeps the result (the first one kept wins), counts
 * the skipped and failed victims if its result is the one kept (terminated ones
 * are counted as they go), publishes, and releases its claim.
 */
import type { Message } from "@aws-sdk/client-sqs";
import { EventType, PermanentError, type Logger, type MessageContext } from "@macaque/shared";
import { createOrderCarrier, type CarryOutOptions } from "./carry-out-order.ts";
import { InvalidOrderError, OrderInProgressError } from "./errors.ts";
import { parseOrder } from "./order.ts";
import type { ResultEvent } from "./result-event.ts";

export interface OrderHandlerOptions extends CarryOutOptions {
  publish(event: ResultEvent): Promise<void>;
}

export function createOrderHandler(options: OrderHandlerOptions) {
  const { idempotency, publish, metrics } = options;
  const carryOut = createOrderCarrier(options);

  return async (message: Message, context: MessageContext): Promise<void> => {
    const parsed = parseOrder(message.Body);
    if (!parsed.ok) throw new InvalidOrderError(parsed.reasons);
    const { experiment } = parsed.order;
    const logger = context.logger.child({ experimentId: experiment.id });
    if (experiment.dryRun) {
      throw new PermanentError(
        `not terminating anything for experiment ${experiment.id}: it is a dry run`,
      );
    }

    const previous = await idempotency.findResult(experiment.id);
    if (previous) return republish(previous, logger);

    const claim = await idempotency.claim(experiment.id);
    if (!claim) {
      throw new OrderInProgressError(
        `experiment ${experiment.id} is being terminated by another delivery; retrying later`,
      );
    }
    try {
      const finished = await idempotency.findResult(experiment.id);
      if (finished) return republish(finished, logger);
      const result = await carryOut(parsed.order, logger);
      const kept = await idempotency.keepResult(experiment.id, result);
      if (kept.stored) countSkippedAndFailed(kept.event);
      await publishResult(kept.event, logger);
    } finally {
      await claim.release().catch((err: unknown) => {
        logger.warn({ event: "claim.release-failed", err }, "claim not released; it will expire");
      });
    }
  };

  function countSkippedAndFailed(event: ResultEvent): void {
    const { mode } = event.data.experiment;
    metrics.skipped.inc({ mode }, countOf(event, "skipped"));
    metrics.failed.inc({ mode }, countOf(event, "failed"));
  }

  async function republish(event: ResultEvent, logger: Logger): Promise<void> {
    logger.info(
      { event: "order.redelivered", eventId: event.id, type: event.type },
      "order already carried out; publishing its result again",
    );
    await publishResult(event, logger);
  }

  async function publishResult(event: ResultEvent, logger: Logger): Promise<void> {
    await publish(event);
    const kinds = ["terminated", "skipped", "failed"] as const;
    const counts = Object.fromEntries(kinds.map((kind) => [kind, countOf(event, kind)]));
    const summary =
      event.type === EventType.terminationFailed
        ? event.data.reason
        : `terminated ${counts.terminated} of ${event.data.terminations.length} victims`;
    logger.info(
      { event: "result.published", eventId: event.id, type: event.type, ...counts },
      summary,
    );
  }
}

const countOf = (event: ResultEvent, kind: "terminated" | "skipped" | "failed"): number =>
  event.data.terminations.filter((o) => o.outcome === kind).length;
