import type { Message } from "@aws-sdk/client-sqs";
import {
  EventType,
  PermanentError,
  type ExperimentContext,
  type Logger,
  type MessageContext,
  type TerminationOrder,
  type TerminationOutcome,
} from "@macaque/shared";
import { confirmAttempts } from "./attempts.ts";
import { InvalidOrderError, OrderInProgressError } from "./errors.ts";
import type { Idempotency } from "./idempotency.ts";
import type { TerminatorMetrics } from "./metrics.ts";
import { judgeOrderAge } from "./order-age.ts";
import { parseOrder } from "./order.ts";
import type { Recheck } from "./recheck.ts";
import { buildResultEvent, orderOutcomes, type ResultEvent } from "./result-event.ts";
import type { Mode, Termination } from "./terminate.ts";
import { judgeVictims, type Tag, type VictimFacts } from "./verdicts.ts";

export interface OrderHandlerOptions {
  recheck: Recheck;
  terminations: Readonly<Record<Mode, Termination>>;
  idempotency: Idempotency;
  publish(event: ResultEvent): Promise<void>;
  excludeTag: Tag;
  /** Orders older than this are refused (`ORDER_MAX_AGE_SECONDS`). */
  orderMaxAgeSeconds: number;
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
      const result = await terminateVictims(parsed.order, logger);
      const kept = await idempotency.keepResult(experiment.id, result);
      if (kept.stored) countVerdicts(experiment.mode, kept.event);
      await publishResult(kept.event, logger);
    } finally {
      await claim.release().catch((err: unknown) => {
        logger.warn({ event: "claim.release-failed", err }, "claim not released; it will expire");
      });
    }
  };

  async function terminateVictims(order: TerminationOrder, logger: Logger): Promise<ResultEvent> {
    const { experiment } = order;
    const victims = [...new Set(experiment.victims.map((v) => v.instanceId))];
    // Terminated by an earlier delivery that failed later: not re-checked, still reported.
    const earlier = await idempotency.loadProgress(experiment.id);
    const done = new Set(earlier.map((o) => o.instanceId));
    const remaining = victims.filter((id) => !done.has(id));

    const tooOld = judgeOrderAge({
      orderedAt: order.orderedAt,
      plannedAt: experiment.plannedAt,
      now: options.now(),
      maxAgeSeconds: options.orderMaxAgeSeconds,
    });
    if (tooOld !== undefined) {
      logger.warn(
        { event: "order.stale", orderedAt: order.orderedAt },
        `not terminating: ${tooOld}`,
      );
    }
    const outcomes =
      tooOld === undefined
        ? await recheckAndTerminate(experiment, remaining, logger)
        : skipAll(remaining, tooOld);
    return buildResultEvent({
      experiment,
      outcomes: orderOutcomes(victims, [...earlier, ...outcomes]),
      now: options.now(),
      failureReason: tooOld === undefined ? undefined : `not terminating: ${tooOld}`,
    });
  }

  function skipAll(instanceIds: readonly string[], why: string): TerminationOutcome[] {
    const at = options.now().toISOString();
    return instanceIds.map((instanceId) => ({
      instanceId,
      outcome: "skipped",
      reason: `not terminating ${instanceId}: ${why}`,
      at,
    }));
  }

  async function recheckAndTerminate(
    experiment: ExperimentContext,
    remaining: readonly string[],
    logger: Logger,
  ): Promise<TerminationOutcome[]> {
    const facts = await options.recheck(remaining);
    // An earlier delivery's call whose answer was lost: the victim went.
    const attempts = await idempotency.loadAttempts(experiment.id);
    const resumed = await confirm(experiment, facts, attempts, logger);
    const resumedIds = new Set(resumed.map((o) => o.instanceId));
    const verdicts = judgeVictims({
      asg: experiment.asg,
      victims: remaining.filter((id) => !resumedIds.has(id)),
      facts,
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
    return [...resumed, ...skipped, ...(await callTermination(experiment, go, logger))];
  }

  async function callTermination(
    experiment: ExperimentContext,
    instanceIds: string[],
    logger: Logger,
  ): Promise<TerminationOutcome[]> {
    const termination = options.terminations[experiment.mode];
    const calledAt = new Map<string, string>();
    const outcomes = await termination.terminate({
      instanceIds,
      onAttempt: async (ids) => {
        const at = options.now();
        await idempotency.recordAttempts(experiment.id, ids, at);
        for (const id of ids) calledAt.set(id, at.toISOString());
      },
      onTerminated: async (terminated) => {
        await idempotency.recordProgress(experiment.id, terminated);
        countTerminated(experiment.mode, terminated, logger);
      },
    });
    const failedIds = outcomes.filter((o) => o.outcome === "failed").map((o) => o.instanceId);
    if (failedIds.length === 0) return outcomes;
    // The SDK retries a call whose answer was lost, and AWS may refuse the retry
    // (asg: ValidationError, already terminating): such a victim did go.
    const confirmed = await confirm(experiment, await options.recheck(failedIds), calledAt, logger);
    const confirmedIds = new Set(confirmed.map((o) => o.instanceId));
    const rest = outcomes.filter((o) => !confirmedIds.has(o.instanceId));
    for (const o of rest.filter((r) => r.outcome === "failed")) {
      logger.warn({ event: "victim.failed", instanceId: o.instanceId, reason: o.reason }, o.reason);
    }
    return [...rest, ...confirmed];
  }

  /** Victims we called for that AWS is now terminating, recorded as terminated. */
  async function confirm(
    experiment: ExperimentContext,
    facts: readonly VictimFacts[],
    attempts: ReadonlyMap<string, string>,
    logger: Logger,
  ): Promise<TerminationOutcome[]> {
    const { mode, asg } = experiment;
    const confirmed = confirmAttempts({ mode, asg, facts, attempts });
    await idempotency.recordProgress(experiment.id, confirmed);
    countTerminated(
      mode,
      confirmed,
      logger,
      "its terminate call's answer was lost; AWS is terminating it",
    );
    return confirmed;
  }

  function countTerminated(
    mode: Mode,
    outcomes: readonly TerminationOutcome[],
    logger: Logger,
    note?: string,
  ): void {
    options.metrics.terminated.inc({ mode }, outcomes.length);
    for (const o of outcomes) {
      logger.info(
        { event: "victim.terminated", instanceId: o.instanceId, mode, at: o.at },
        `terminated ${o.instanceId} (${mode})${note ? `: ${note}` : ""}`,
      );
    }
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
