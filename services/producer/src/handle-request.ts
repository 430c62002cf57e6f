import type { Message } from "@aws-sdk/client-sqs";
import {
  EventType,
  ServiceName,
  createEvent,
  eventSource,
  experimentIdFor,
  formatSelector,
  isSelectorJob,
  parseJobMessage,
  type Selector,
  type SelectorJobMessage,
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
import { haltedReason, type ProducerControls } from "./controls.ts";
import { groupBusyReason, type GuardrailPolicy } from "./guardrails.ts";
import type { ExperimentEndStore } from "./experiment-ends.ts";
import type { LeaseStore } from "./lease.ts";
import { planExperiment, type Plan } from "./plan.ts";
import { boundPlan } from "./plan-size.ts";
import type { Decision, DecisionStore } from "./decision-store.ts";
import type { ProducerMetrics } from "./producer-metrics.ts";
import { withStopConditions, type StopConditionCheck } from "./stop-conditions.ts";
import { prepareRequest, type ScheduleRecord } from "./scheduled-request.ts";
import { fanOut, parentRequestIdOf } from "./fan-out.ts";
import { emailDomainReasons, senderReason, type AllowLists } from "./allow-lists.ts";
import {
  buildRejection,
  originFields,
  salvageRequestFields,
  stageOf,
  type Rejection,
  type RejectionStage,
  type RequestFields,
} from "./rejection.ts";

/** A kept plan outlives the lease so a late duplicate still replays instead of re-planning. */
const PLAN_KEEP_BEYOND_LEASE_MS = 24 * 3_600_000;
/** A request sent again within a day of its rejection gets the same rejection. */
const REJECTION_KEEP_MS = 24 * 3_600_000;

const source = eventSource(ServiceName.producer);

export interface RequestHandlerOptions {
  describeGroup(name: string): Promise<GroupState | undefined>;
  leases: LeaseStore;
  ends: ExperimentEndStore;
  /** The first decision per experiment id, plan or rejection (decision-store.ts). */
  decisions: DecisionStore;
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
  /** Reads and judges the job's alarms and STOP_ALARMS (stop-conditions.ts). */
  checkStopConditions(job: JobMessage): Promise<StopConditionCheck>;
  /** The kill switch (read for each new request, or once a window) and the in-flight notes `macaque status` lists. */
  controls: ProducerControls;
  /** The sorted names of the groups a selector matches, at most `limit` + 1 (select-groups.ts). */
  selectGroups(selector: Selector, limit: number): Promise<string[]>;
  /** Sends one group's job message, fanned out from a selector request, to the request queue. */
  sendRequest(job: JobMessage): Promise<void>;
  /** Most groups one selector request may fan out to (MAX_GROUPS_PER_SELECTOR). */
  maxGroupsPerSelector: number;
  /** ALLOWED_SENDER_IDS and ALLOWED_EMAIL_DOMAINS; default both empty (off). */
  allowLists?: AllowLists;
}

/** What a rejection of a parsed job names: the group or selector, requester and recipients. */
const fieldsOf = (job: JobMessage | SelectorJobMessage): RequestFields => ({
  asg: job.asg,
  requestedBy: job.requestedBy,
  emails: job.notify.emails,
  ...originFields(job),
});

/**
 * Turns one job message into a plan (published, and ordered unless a dry run) or
 * a rejection with every reason. Bad input and refusals resolve, so the message
 * is deleted; AWS and Redis faults throw, so SQS redelivers it.
 */
export function createRequestHandler(options: RequestHandlerOptions) {
  const { leases, ends, decisions, metrics } = options;
  const allow = options.allowLists ?? { senderIds: [], emailDomains: [] };

  // Fixed id and time: a replayed rejection is the same event, byte for byte.
  const publishRejection = (data: Rejection) =>
    options.publish(
      createEvent(EventType.experimentRejected, {
        source,
        subject: data.experimentId,
        data,
        id: `${data.experimentId}:rejected`,
        now: new Date(data.rejectedAt),
      }),
    );

  const reject = async (
    logger: Logger,
    rejection: { experimentId: string; requestId: string; fields: RequestFields },
    stage: RejectionStage,
    reasons: Reason[],
    body: string,
  ): Promise<void> => {
    const data = buildRejection({ ...rejection, stage, reasons, body, now: options.now() });
    const decision: Decision = { kind: "rejected", rejection: data };
    // Another copy of the request may have been decided meanwhile (a second replica
    // planned it, and its terminations are why this copy found the group unsteady).
    const kept = await decisions.keep(data.experimentId, decision, REJECTION_KEEP_MS);
    if (kept !== decision) return replay(kept, logger);
    await publishRejection(data);
    for (const r of data.reasons) metrics.rejected.inc({ stage, code: r.code });
    logger.info(
      { event: "experiment.rejected", stage, codes: data.reasons.map((r) => r.code) },
      `rejected: ${data.reasons.map((r) => r.message).join("; ")}`,
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

  /** Re-sends what was decided for this experiment id before. */
  const replay = (decision: Decision, logger: Logger): Promise<void> => {
    if (decision.kind === "fanned-out") {
      // Only a selector request is decided so: its own handler re-sends the groups' jobs.
      logger.warn({ event: "fan-out.replayed" }, "request seen before as a selector request");
      return Promise.resolve();
    }
    logger.info(
      { event: decision.kind === "planned" ? "plan.replayed" : "rejection.replayed" },
      `request seen before: re-sending its ${decision.kind === "planned" ? "plan" : "rejection"}`,
    );
    return decision.kind === "planned"
      ? dispatch(decision.plan)
      : publishRejection(decision.rejection);
  };

  /**
   * A selector request: the first resolution of its groups is kept like any decision,
   * so a redelivered copy re-sends the same groups' jobs (with the same requestIds)
   * even if the tags changed meanwhile, and each group's job replays its own decision.
   */
  const fanOutJob = async (
    job: SelectorJobMessage,
    messageId: string,
    parentLogger: Logger,
    body: string,
  ) => {
    const parentRequestId = parentRequestIdOf(job, messageId);
    const experimentId = experimentIdFor(parentRequestId);
    const logger = parentLogger.child({
      experimentId,
      requestId: parentRequestId,
      selector: formatSelector(job.selector),
    });
    const rejection = { experimentId, requestId: parentRequestId, fields: fieldsOf(job) };
    const kept = await decisions.get(experimentId);
    if (kept && kept.kind !== "fanned-out") return replay(kept, logger);
    const limit = options.maxGroupsPerSelector;
    const groups = kept?.groups ?? (await options.selectGroups(job.selector, limit));
    const decided = fanOut({ job, parentRequestId, groups, maxGroups: limit });
    if (decided.kind === "skip") {
      logger.debug({ event: "fan-out.skipped" }, decided.message);
      return;
    }
    // Refused here, once, rather than in each group's job.
    const outside = emailDomainReasons(job.notify.emails, allow.emailDomains);
    if (decided.kind === "reject" || outside.length > 0) {
      const reasons = decided.kind === "reject" ? [decided.reason] : outside;
      return reject(logger, rejection, "guardrail", reasons, body);
    }
    if (!kept) {
      const decision: Decision = { kind: "fanned-out", groups: [...groups] };
      const first = await decisions.keep(experimentId, decision, REJECTION_KEEP_MS);
      if (first !== decision) return fanOutJob(job, messageId, parentLogger, body);
    }
    for (const { message } of decided.jobs) await options.sendRequest(message);
    metrics.fannedOut.inc(decided.jobs.length);
    logger.info(
      {
        event: "fan-out.sent",
        matched: decided.matched,
        groups: decided.jobs.map((j) => j.asg),
        requestIds: decided.jobs.map((j) => j.requestId),
      },
      `selector ${formatSelector(job.selector)}: sent one job to each of ${decided.jobs.length} group(s)`,
    );
  };

  const planJob = async (
    job: JobMessage,
    requestId: string,
    logger: Logger,
    body: string,
    schedule?: ScheduleRecord,
  ) => {
    const experimentId = experimentIdFor(requestId);
    const kept = await decisions.get(experimentId);
    if (kept) return replay(kept, logger);
    const rejection = { experimentId, requestId, fields: fieldsOf(job) };
    // One read serves the requests of a short window (HALT_READ_WINDOW_MS); unreadable,
    // it throws and SQS redelivers.
    const halt = await options.controls.readHalt();
    if (halt?.halted) return reject(logger, rejection, "guardrail", [haltedReason(halt)], body);
    const [group, leaseHolder, lastEndedAt, stop] = await Promise.all([
      options.describeGroup(job.asg),
      leases.holder(job.asg),
      ends.lastEndedAt(job.asg),
      options.checkStopConditions(job),
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
    if (!result.ok || stop.reasons.length > 0) {
      const reasons = [...stop.reasons, ...(result.ok ? [] : result.reasons)];
      return reject(logger, rejection, "guardrail", reasons, body);
    }
    const bounded = boundPlan(withStopConditions(result.plan, stop.alarms));
    if (!bounded.ok) return reject(logger, rejection, "guardrail", [bounded.reason], body);

    const ttlMs = leaseTtlMs(job.recovery.deadlineSeconds);
    // A dry run terminates nothing, so it only checks the lease and never holds it.
    if (!job.dryRun) {
      const holder = await leases.acquire(job.asg, experimentId, ttlMs);
      if (holder !== experimentId) {
        return reject(logger, rejection, "guardrail", [groupBusyReason(job.asg, holder)], body);
      }
    }
    // Two copies of one request decided at once: the first decision wins for both.
    const planned = schedule ? { ...bounded.plan, schedule } : bounded.plan;
    const decision: Decision = { kind: "planned", plan: planned };
    const decided = await decisions.keep(experimentId, decision, ttlMs + PLAN_KEEP_BEYOND_LEASE_MS);
    if (decided.kind !== "planned") {
      // The other copy was refused first: this one gives the lease back and says the same.
      if (!job.dryRun) await leases.release(job.asg, experimentId);
      return replay(decided, logger);
    }
    const { plan } = decided;
    // The provisional end, should no outcome ever release the lease (experiment-ends.ts).
    if (!job.dryRun) await ends.record(job.asg, new Date(options.now().getTime() + ttlMs));
    if (decided === decision) {
      for (const notice of result.ignoredTags) {
        logger.warn({ event: "limit-tag.ignored", code: notice.code }, notice.message);
      }
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
    // The note for `macaque status` is best effort (it never throws): the order need not wait for it.
    await Promise.all([
      dispatch(plan),
      job.dryRun ? undefined : options.controls.noteInFlight(plan.experiment, ttlMs, logger),
    ]);
  };

  /**
   * A sender outside ALLOWED_SENDER_IDS is refused under its own message id, never
   * the requestId it claims, and the refusal is not kept: a stranger who guesses a
   * requestId can neither pre-empt that request's decision nor have its refusal
   * e-mailed to the addresses it names.
   */
  const refuseSender = async (reason: Reason, context: MessageContext, body: string) => {
    const requestId = context.messageId;
    const experimentId = experimentIdFor(requestId);
    const { asg } = salvageRequestFields(body);
    const data = buildRejection({
      experimentId,
      requestId,
      fields: { asg, emails: [] },
      stage: "guardrail",
      reasons: [reason],
      body,
      now: options.now(),
    });
    await publishRejection(data);
    metrics.rejected.inc({ stage: "guardrail", code: reason.code });
    context.logger
      .child({ experimentId, requestId })
      .warn({ event: "experiment.rejected", codes: [reason.code] }, `rejected: ${reason.message}`);
  };

  return async function handleRequest(message: Message, context: MessageContext): Promise<void> {
    const body = message.Body ?? "";
    const sender = senderReason(message.Attributes?.SenderId, allow.senderIds);
    if (sender) return refuseSender(sender, context, body);
    const parsed = parseJobMessage(body, options.jobDefaults);
    if (!parsed.ok) {
      const fields = salvageRequestFields(body);
      const requestId = fields.requestId ?? context.messageId;
      const experimentId = experimentIdFor(requestId);
      const logger = context.logger.child({ experimentId, requestId });
      const rejection = { experimentId, requestId, fields };
      return reject(logger, rejection, stageOf(parsed.reasons), parsed.reasons, body);
    }
    if (isSelectorJob(parsed.job)) {
      return fanOutJob(parsed.job, context.messageId, context.logger, body);
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
      const rejection = {
        experimentId: experimentIdFor(requestId),
        requestId,
        fields: fieldsOf(job),
      };
      const reasons = [{ code: request.code, message: request.message }];
      return reject(logger, rejection, "guardrail", reasons, body);
    }
    if (request.schedule) metrics.scheduleSlots.inc({ result: "run" });
    const outside = emailDomainReasons(job.notify.emails, allow.emailDomains);
    if (outside.length > 0) {
      const rejection = {
        experimentId: experimentIdFor(requestId),
        requestId,
        fields: fieldsOf(job),
      };
      return reject(logger, rejection, "guardrail", outside, body);
    }
    return planJob(request.job, requestId, logger, body, request.schedule);
  };
}
