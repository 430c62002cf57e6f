import type { Message } from "@aws-sdk/client-sqs";
import {
  EventType,
  PermanentError,
  type ExperimentContext,
  type Logger,
  type MessageContext,
  type TerminationOutcome,
} from "@macaque/shared";
import { InvalidOrderError, OrderInProgressError } from "./errors.ts";
import type { Idempotency } from "./idempotency.ts";
import type { TerminatorMetrics } from "./metrics.ts";
import { parseOrder } from "./order.ts";
import type { Recheck } from "./recheck.ts";
import { buildResultEvent, orderOutcomes, type ResultEvent } from "./result-event.ts";
import type { Mode, Termination } from "./terminate.ts";
import { judgeVictims, type Tag } from "./verdicts.ts";

export interface OrderHandlerOptions {
  recheck: Recheck;
  terminations: Readonly<Record<Mode, Termination>>;
  idempotency: Idempotency;
  publish(event: ResultEvent): Promise<void>;
  excludeTag: Tag;
  now: () => Date;
  metrics: TerminatorMetrics;
}

/**
 * Carries out one termination order: at most once per experiment, however often
 * SQS delivers it. A redelivery re-publishes the stored result (same event id).
 */
export function createOrderHandler(options: OrderHandlerOptions) {
  const { idempotency, publish } = options;

  return async (message: Message, context: MessageContext): Promise<void> => {
    const parsed = parseOrder(message.Body);
    if (!parsed.ok) {
      context.logger.error(
        { event: "order.invalid", reasons: parsed.reasons, receiveCount: context.receiveCount },
        `not a termination order, leaving it to the dead-letter queue: ${parsed.reasons.join("; ")}`,
      );
      throw new InvalidOrderError(parsed.reasons);
    }
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
      // The other delivery may have finished between our look and our claim.
      const finished = await idempotency.findResult(experiment.id);
      if (finished) return republish(finished, logger);
      const result = await terminateVictims(experiment, logger);
      const kept = await idempotency.keepResult(experiment.id, result);
      if (kept.stored) countVerdicts(experiment.mode, kept.event);
      await publishResult(kept.event, logger);
    } finally {
      await claim.release().catch((err: unknown) => {
        logger.warn({ event: "claim.release-failed", err }, "claim not released; it will expire");
      });
    }
  };

  async function terminateVictims(
    experiment: ExperimentContext,
    logger: Logger,
  ): Promise<ResultEvent> {
    const victims = [...new Set(experiment.victims.map((v) => v.instanceId))];
    // Terminated by an earlier delivery that failed later: not re-checked, still reported.
    const earlier = await idempotency.loadProgress(experiment.id);
    const done = new Set(earlier.map((o) => o.instanceId));
    const remaining = victims.filter((id) => !done.has(id));

    const verdicts = judgeVictims({
      asg: experiment.asg,
      victims: remaining,
      facts: await options.recheck(remaining),
      excludeTag: options.excludeTag,
    });
    const checkedAt = options.now().toISOString();
    const skipped: TerminationOutcome[] = [];
    const go: string[] = [];
    for (const verdict of verdicts) {
      if (verdict.terminate) {
        go.push(verdict.instanceId);
        continue;
      }
      logger.warn(
        { event: "victim.skipped", instanceId: verdict.instanceId, reason: verdict.reason },
        verdict.reason,
      );
      skipped.push({
        instanceId: verdict.instanceId,
        outcome: "skipped",
        reason: verdict.reason,
        at: checkedAt,
      });
    }

    const termination = options.terminations[experiment.mode];
    const attempted = await termination.terminate({
      instanceIds: go,
      onTerminated: async (outcomes) => {
        await idempotency.recordProgress(experiment.id, outcomes);
        options.metrics.terminated.inc({ mode: termination.mode }, outcomes.length);
        for (const o of outcomes) {
          logger.info(
            { event: "victim.terminated", instanceId: o.instanceId, mode: termination.mode },
            `terminated ${o.instanceId} (${termination.mode})`,
          );
        }
      },
    });
    for (const o of attempted.filter((a) => a.outcome === "failed")) {
      logger.warn({ event: "victim.failed", instanceId: o.instanceId, reason: o.reason }, o.reason);
    }
    return buildResultEvent({
      experiment,
      outcomes: orderOutcomes(victims, [...earlier, ...skipped, ...attempted]),
      now: options.now(),
    });
  }

  function countVerdicts(mode: Mode, event: ResultEvent): void {
    const outcomes = event.data.terminations;
    const count = (kind: TerminationOutcome["outcome"]) =>
      outcomes.filter((o) => o.outcome === kind).length;
    options.metrics.skipped.inc({ mode }, count("skipped"));
    options.metrics.failed.inc({ mode }, count("failed"));
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
    const counts = Object.fromEntries(
      (["terminated", "skipped", "failed"] as const).map((kind) => [
        kind,
        event.data.terminations.filter((o) => o.outcome === kind).length,
      ]),
    );
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
