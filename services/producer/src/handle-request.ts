import type { Message } from "@aws-sdk/client-sqs";
import {
  EventType,
  ServiceName,
  createEvent,
  eventSource,
  experimentIdFor,
  parseJobMessage,
  type CloudEvent,
  type JobMessage,
  type MessageContext,
  type JobDefaults,
  type Reason,
  type GroupState,
  type TerminationOrder,
  terminationOrderKind,
  leaseTtlMs,
} from "@macaque/shared";
import type { Logger } from "pino";
import { groupBusyReason, type GuardrailPolicy } from "./guardrails.ts";
import type { ExperimentEndStore } from "./experiment-ends.ts";
import type { LeaseStore } from "./lease.ts";
import { planExperiment, type Plan } from "./plan.ts";
import type { PlanStore } from "./plan-store.ts";
import type { ProducerMetrics } from "./producer-metrics.ts";
import { prepareRequest, type ScheduleRecord } from "./scheduled-request.ts";
import {
  buildRejection,
  salvageRequestFields,
  stageOf,
  type RejectionStage,
  type RequestFields,
} from "./rejection.ts";

/** A kept plan outlives the lease so a late duplicate still replays instead of re-planning. */
const PLAN_KEEP_BEYOND_LEASE_MS = 24 * 3_600_000;

const source = eventSource(ServiceName.producer);

export interface RequestHandlerOptions {
  describeGroup(name: string): Promise<GroupState | undefined>;
  leases: LeaseStore;
  ends: ExperimentEndStore;
  plans: PlanStore;
  publish(event: CloudEvent): Promise<void>;
  /** Sends the order to the terminator's queue. */
  sendOrder(order: TerminationOrder): Promise<void>;
  policy: GuardrailPolicy;
  /** What a job message that leaves a field out gets (DEFAULT_CHECK_INTERVAL_SECONDS). */
  jobDefaults?: JobDefaults;
  region: string;
  now(): Date;
  /** A fresh seed for a job that brings none. */
  newSeed(): string;
  metrics: ProducerMetrics;
}

/**
 * Turns one job message into a plan (published, and ordered unless a dry run) or
 * a rejection with every reason. Bad input and refusals resolve, so the message
 * is deleted; AWS and Redis faults throw, so SQS redelivers it.
 */
export function createRequestHandler(options: RequestHandlerOptions) {
  const { leases, ends, plans, metrics } = options;

  const reject = async (
    logger: Logger,
    rejection: { experimentId: string; requestId: string; fields: RequestFields },
    stage: RejectionStage,
    reasons: Reason[],
    body: string,
  ): Promise<void> => {
    const data = buildRejection({ ...rejection, stage, reasons, body, now: options.now() });
    await options.publish(
      createEvent(EventType.experimentRejected, { source, subject: data.experimentId, data }),
    );
    for (const r of reasons) metrics.rejected.inc({ stage, code: r.code });
    logger.info(
      { event: "experiment.rejected", stage, codes: reasons.map((r) => r.code) },
      `rejected: ${reasons.map((r) => r.message).join("; ")}`,
    );
  };

  const dispatch = async (plan: Plan): Promise<void> => {
    const { experiment } = plan;
    // Fixed id and time: a replayed plan is the same event, byte for byte.
    await options.publish(
      createEvent(EventType.experimentPlanned, {
        source,
        subject: experiment.id,
        data: plan,
        id: `${experiment.id}:planned`,
        now: new Date(experiment.plannedAt),
      }),
    );
    if (!experiment.dryRun) {
      await options.sendOrder({
        kind: terminationOrderKind,
        experiment,
        orderedAt: experiment.plannedAt,
      });
    }
  };

  const planJob = async (
    job: JobMessage,
    requestId: string,
    logger: Logger,
    body: string,
    schedule?: ScheduleRecord,
  ) => {
    const experimentId = experimentIdFor(requestId);
    const kept = await plans.get(experimentId);
    if (kept) {
      logger.info({ event: "plan.replayed" }, "request seen before: re-sending its plan");
      return dispatch(kept);
    }
    const [group, leaseHolder, lastEndedAt] = await Promise.all([
      options.describeGroup(job.asg),
      leases.holder(job.asg),
      ends.lastEndedAt(job.asg),
    ]);
    const result = planExperiment({
      job,
      requestId,
      experimentId,
      group,
      leaseHolder,
      lastEndedAt,
      region: options.region,
      policy: options.policy,
      seed: job.seed ?? options.newSeed(),
      now: options.now(),
    });
    const rejection = {
      experimentId,
      requestId,
      fields: { asg: job.asg, requestedBy: job.requestedBy, emails: job.notify.emails },
    };
    if (!result.ok) return reject(logger, rejection, "guardrail", result.reasons, body);

    const ttlMs = leaseTtlMs(job.recovery.deadlineSeconds);
    // A dry run terminates nothing, so it only checks the lease and never holds it.
    if (!job.dryRun) {
      const holder = await leases.acquire(job.asg, experimentId, ttlMs);
      if (holder !== experimentId) {
        return reject(logger, rejection, "guardrail", [groupBusyReason(job.asg, holder)], body);
      }
      // The provisional end, should no outcome ever release the lease (experiment-ends.ts).
      await ends.record(job.asg, new Date(options.now().getTime() + ttlMs));
    }
    for (const notice of result.ignoredTags) {
      logger.warn({ event: "limit-tag.ignored", code: notice.code }, notice.message);
    }
    const planned = schedule ? { ...result.plan, schedule } : result.plan;
    // Two copies of one request planned at once: the first kept plan wins for both.
    const plan = await plans.keep(planned, ttlMs + PLAN_KEEP_BEYOND_LEASE_MS);
    if (plan === planned) {
      metrics.planned.inc({ dry_run: String(job.dryRun) });
      logger.info(
        {
          event: "experiment.planned",
          dryRun: job.dryRun,
          seed: plan.experiment.seed,
          victims: plan.experiment.victims.map((v) => v.instanceId),
          candidates: plan.candidates.length,
          excluded: plan.excluded.length,
        },
        `planned ${plan.experiment.victims.length} victim(s) in ${job.asg}`,
      );
    }
    return dispatch(plan);
  };

  return async function handleRequest(message: Message, context: MessageContext): Promise<void> {
    const body = message.Body ?? "";
    const parsed = parseJobMessage(body, options.jobDefaults);
    if (!parsed.ok) {
      const fields = salvageRequestFields(body);
      const requestId = fields.requestId ?? context.messageId;
      const experimentId = experimentIdFor(requestId);
      const logger = context.logger.child({ experimentId, requestId });
      const rejection = { experimentId, requestId, fields };
      return reject(logger, rejection, stageOf(parsed.reasons), parsed.reasons, body);
    }
    const request = prepareRequest(parsed.job, context.messageId);
    if (request.kind === "skip") {
      metrics.scheduleSlots.inc({ result: request.reason });
      context.logger.debug({ event: "schedule.skipped", reason: request.reason }, request.message);
      return;
    }
    const { requestId } = request;
    const { job } = parsed;
    const logger = context.logger.child({
      experimentId: experimentIdFor(requestId),
      requestId,
      asg: job.asg,
    });
    if (request.kind === "refuse") {
      metrics.scheduleSlots.inc({ result: "refused" });
      const fields = { asg: job.asg, requestedBy: job.requestedBy, emails: job.notify.emails };
      const rejection = { experimentId: experimentIdFor(requestId), requestId, fields };
      const reasons = [{ code: request.code, message: request.message }];
      return reject(logger, rejection, "guardrail", reasons, body);
    }
    if (request.schedule) metrics.scheduleSlots.inc({ result: "run" });
    return planJob(request.job, requestId, logger, body, request.schedule);
  };
}
