/**
 * Carrying out one order, once its delivery holds the claim (`handle-order.ts`):
 * victims an earlier delivery terminated are reported as it recorded them; the
 * rest are re-checked, then each is confirmed (called for before and now going),
 * skipped, or terminated. Returns the result; keeping and publishing it is the
 * envelope's part.
 */
import { EventType } from "@macaque/shared";
import type {
  AlarmBreach,
  ExperimentContext,
  Logger,
  Tag,
  TerminationOrder,
  TerminationOutcome,
} from "@macaque/shared";
import { confirmAttempts } from "./attempts.ts";
import { OrderRefusedError, type Refusal } from "./errors.ts";
import type { OrderControls } from "./order-controls.ts";
import type { Idempotency } from "./idempotency.ts";
import type { TerminatorMetrics } from "./metrics.ts";
import { judgeOrderAge } from "./order-age.ts";
import type { Recheck } from "./recheck.ts";
import { buildResultEvent, orderOutcomes, type ResultEvent } from "./result-event.ts";
import { describeRefusal, stopConditionCode, type StopConditionGate } from "./stop-conditions.ts";
import type { Mode, Termination } from "./terminate.ts";
import { decideVictims, type VictimFacts } from "./victim-decisions.ts";

export interface CarryOutOptions {
  recheck: Recheck;
  terminations: Readonly<Record<Mode, Termination>>;
  idempotency: Idempotency;
  excludeTag: Tag;
  now: () => Date;
  metrics: TerminatorMetrics;
  /** The experiment's alarms, read right before terminating (stop-conditions.ts). */
  stopConditions: StopConditionGate;
  /** The operator's kill switch and aborts, read before the order and before each terminate call. */
  controls: OrderControls;
}

/** The order being carried out, the logger bound to its experiment, and what refused it, if anything did. */
type Run = { experiment: ExperimentContext; logger: Logger; refusal?: Refusal };

const lostAnswer = "its terminate call's answer was lost; AWS is terminating it";

export function createOrderCarrier(options: CarryOutOptions) {
  const { idempotency, recheck, now } = options;

  return async (order: TerminationOrder, logger: Logger): Promise<ResultEvent> => {
    const { experiment } = order;
    // The one place a victim named twice becomes one: everything below takes distinct ids.
    const victims = [...new Set(experiment.victims.map((v) => v.instanceId))];
    const earlier = await idempotency.loadProgress(experiment.id);
    const done = new Set(earlier.map((o) => o.instanceId));
    const remaining = victims.filter((id) => !done.has(id));
    const tooOld = judgeOrderAge(experiment, now());
    if (tooOld !== undefined) {
      logger.warn(
        { event: "order.stale", orderedAt: order.orderedAt },
        `not terminating: ${tooOld}`,
      );
    }
    const stale = (id: string) => ({ instanceId: id, reason: `not terminating ${id}: ${tooOld}` });
    const run: Run = { experiment, logger };
    let outcomes: TerminationOutcome[];
    if (tooOld !== undefined) {
      outcomes = skipAll(remaining.map(stale));
    } else {
      // Screened before anything else is done for the order; read again before each call.
      run.refusal = remaining.length > 0 ? await options.controls.screen(experiment.id) : undefined;
      if (!run.refusal && remaining.length > 0) {
        // The experiment's alarms, read right before terminating.
        const breaches = await options.stopConditions(experiment);
        if (breaches.length > 0) return refuse(run, [...earlier], remaining, breaches, victims);
      }
      outcomes = run.refusal
        ? refuseAll(run, remaining)
        : await recheckAndTerminate(run, remaining);
    }
    const failureReason =
      tooOld !== undefined
        ? `not terminating: ${tooOld}`
        : run.refusal && `not terminating: ${run.refusal.message}`;
    return buildResultEvent({
      experiment,
      outcomes: orderOutcomes(victims, [...earlier, ...outcomes]),
      now: now(),
      failureReason,
      failureCode: run.refusal?.code,
    });
  };

  /** An alarm in ALARM (or unreadable, or missing): the remaining victims stay, each saying why. */
  function refuse(
    run: Run,
    earlier: TerminationOutcome[],
    remaining: readonly string[],
    breaches: readonly AlarmBreach[],
    victims: readonly string[],
  ): ResultEvent {
    const reason = describeRefusal(breaches);
    run.logger.warn({ event: "order.stopped", code: stopConditionCode }, reason);
    const skips = skipAll(remaining.map((instanceId) => ({ instanceId, reason })));
    const result = buildResultEvent({
      experiment: run.experiment,
      outcomes: orderOutcomes(victims, [...earlier, ...skips]),
      now: now(),
      failureReason: reason,
    });
    if (result.type !== EventType.terminationFailed) return result;
    return { ...result, data: { ...result.data, code: stopConditionCode, alarms: [...breaches] } };
  }

  function refuseAll(run: Run, instanceIds: readonly string[]): TerminationOutcome[] {
    const refusal = run.refusal as Refusal;
    run.logger.warn(
      { event: "order.refused", code: refusal.code, instanceIds },
      `not terminating: ${refusal.message}`,
    );
    return skipAll(
      instanceIds.map((id) => ({
        instanceId: id,
        reason: `not terminating ${id}: ${refusal.message}`,
      })),
    );
  }

  async function recheckAndTerminate(run: Run, remaining: readonly string[]) {
    const facts = await recheck(remaining);
    const resumed = await confirm(run, facts);
    const resumedIds = new Set(resumed.map((o) => o.instanceId));
    const decisions = decideVictims({
      asg: run.experiment.asg,
      victims: remaining.filter((id) => !resumedIds.has(id)),
      facts,
      excludeTag: options.excludeTag,
    });
    const go = decisions.flatMap((d) => (d.terminate ? [d.instanceId] : []));
    const skips = decisions.flatMap((d) => (d.terminate ? [] : [d]));
    for (const { instanceId, reason } of skips) {
      run.logger.warn({ event: "victim.skipped", instanceId, reason }, reason);
    }
    return [...resumed, ...skipAll(skips), ...(await terminate(run, go))];
  }

  async function terminate(run: Run, instanceIds: readonly string[]) {
    const { experiment, logger } = run;
    const went: TerminationOutcome[] = [];
    let outcomes: TerminationOutcome[];
    try {
      outcomes = await options.terminations[experiment.mode].terminate({
        instanceIds,
        onAttempt: async (ids) => {
          // Right before the call, never cached: a halt that landed a moment ago stops it.
          const refusal = await options.controls.refusal(experiment.id);
          if (refusal) throw new OrderRefusedError(refusal);
          await idempotency.recordAttempts(experiment.id, ids, now());
        },
        onTerminated: async (terminated) => {
          went.push(...terminated);
          await keepTerminated(run, terminated);
        },
      });
    } catch (err) {
      if (!(err instanceof OrderRefusedError)) throw err;
      run.refusal = err.refusal;
      const wentIds = new Set(went.map((o) => o.instanceId));
      return [
        ...went,
        ...refuseAll(
          run,
          instanceIds.filter((id) => !wentIds.has(id)),
        ),
      ];
    }
    const failedIds = outcomes.filter((o) => o.outcome === "failed").map((o) => o.instanceId);
    if (failedIds.length === 0) return outcomes;
    // The SDK retries a call whose answer was lost, and AWS may refuse the retry
    // (asg: ValidationError, already terminating): such a victim did go.
    const confirmed = await confirm(run, await recheck(failedIds));
    const confirmedIds = new Set(confirmed.map((o) => o.instanceId));
    const rest = outcomes.filter((o) => !confirmedIds.has(o.instanceId));
    for (const { instanceId, outcome, reason } of rest) {
      if (outcome === "failed") logger.warn({ event: "victim.failed", instanceId, reason }, reason);
    }
    return [...rest, ...confirmed];
  }

  /**
   * Victims called for (by this delivery or an earlier one: `attempt:<id>`) that
   * AWS is now terminating: the call's answer was lost, the victim went, at the
   * time of the call.
   */
  async function confirm(run: Run, facts: readonly VictimFacts[]) {
    const { id, mode, asg } = run.experiment;
    const attempts = await idempotency.loadAttempts(id);
    const confirmed = confirmAttempts({ mode, asg, facts, attempts });
    await keepTerminated(run, confirmed, lostAnswer);
    return confirmed;
  }

  /** Records terminated victims (so a redelivery does not terminate them again), counts and logs them. */
  async function keepTerminated(run: Run, outcomes: readonly TerminationOutcome[], note?: string) {
    const { id, mode } = run.experiment;
    await idempotency.recordProgress(id, outcomes);
    options.metrics.terminated.inc({ mode }, outcomes.length);
    for (const { instanceId, at } of outcomes) {
      run.logger.info(
        { event: "victim.terminated", instanceId, mode, at },
        `terminated ${instanceId} (${mode})${note ? `: ${note}` : ""}`,
      );
    }
  }

  function skipAll(skips: readonly { instanceId: string; reason: string }[]): TerminationOutcome[] {
    const at = now().toISOString();
    return skips.map(({ instanceId, reason }) => ({ instanceId, outcome: "skipped", reason, at }));
  }
}
