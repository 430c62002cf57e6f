import { randomUUID } from "node:crypto";
import { scheduleRecordSchema } from "./scheduled-run.ts";
import { z } from "zod";
import { abortRecordSchema, haltRecordSchema } from "./control.ts";
import {
  fanOutSchema,
  reasonSchema,
  recoveryOptionsSchema,
  selectorSchema,
} from "./job-message.ts";
import { EventType, eventTypes, terminationOrderKind } from "./names.ts";

/**
 * CloudEvents 1.0 envelopes and one data schema per event type. Every event
 * carries the experiment context its consumers need (event-carried state), so no
 * service ever asks another for state.
 */

const isoTime = z.iso.datetime({ offset: true });
const instanceId = z.string().regex(/^i-[0-9a-f]{8,17}$/, "is not an instance id");

export const instanceSnapshotSchema = z.object({
  instanceId,
  availabilityZone: z.string(),
  lifecycleState: z.string(),
  healthStatus: z.string(),
});
export type InstanceSnapshot = z.infer<typeof instanceSnapshotSchema>;

/** One target group's targets as DescribeTargetHealth reported them. */
export const targetGroupHealthSchema = z.object({
  arn: z.string(),
  name: z.string(),
  targets: z.array(
    z.object({
      id: z.string(),
      port: z.number().int().optional(),
      state: z.string(),
      reason: z.string().optional(),
      description: z.string().optional(),
    }),
  ),
});

/**
 * The group's configuration at plan time: what a regression's "what changed"
 * compares (launch template, AMI, instance types, health check, capacity,
 * target groups, suspended processes).
 */
export const groupConfigurationSchema = z.object({
  launchTemplate: z
    .object({
      id: z.string().optional(),
      name: z.string().optional(),
      version: z.string().optional(),
    })
    .optional(),
  launchConfigurationName: z.string().optional(),
  /** AMIs and instance types of the group's instances (sorted, distinct). */
  imageIds: z.array(z.string()),
  instanceTypes: z.array(z.string()),
  healthCheckType: z.string().optional(),
  healthCheckGracePeriodSeconds: z.number().int().optional(),
  desiredCapacity: z.number().int(),
  minSize: z.number().int(),
  maxSize: z.number().int(),
  targetGroupArns: z.array(z.string()),
  suspendedProcesses: z.array(z.string()),
});
export type GroupConfiguration = z.infer<typeof groupConfigurationSchema>;

/** Most candidates the plan carries to the end of the experiment (the planned event has them all). */
export const maxCarriedCandidates = 500;

/**
 * What the archive keeps of the request and the plan, carried from the plan to
 * the experiment's end (event-carried state): the job message as validated,
 * the group's configuration and the candidates in shuffled order.
 */
export const planRecordSchema = z.object({
  job: z.record(z.string(), z.unknown()),
  group: groupConfigurationSchema,
  candidates: z.array(z.string()).max(maxCarriedCandidates),
  candidateCount: z.number().int().nonnegative(),
});
export type PlanRecord = z.infer<typeof planRecordSchema>;

/** What the producer decided, carried by every event after planning. */
export const experimentContextSchema = z.object({
  id: z.string().min(1),
  requestId: z.string().min(1),
  asg: z.string().min(1),
  mode: z.enum(["ec2", "asg"]),
  dryRun: z.boolean(),
  requestedBy: z.string().optional(),
  notify: z.object({ emails: z.array(z.string()) }),
  recovery: recoveryOptionsSchema,
  availabilityZone: z.string().optional(),
  seed: z.string(),
  plannedAt: isoTime,
  /** Desired capacity when the experiment was planned: the level recovery is measured against. */
  desiredCapacity: z.number().int().nonnegative(),
  /** Every instance in the group at plan time: anything else seen later is a replacement. */
  instanceIdsAtPlan: z.array(z.string()),
  victims: z.array(instanceSnapshotSchema),
  /** The group's load-balancer target groups at plan time (absent from older producers: none). */
  targetGroupArns: z.array(z.string()).optional(),
  /** The alarms the experiment must respect: the job's and STOP_ALARMS (absent: none). */
  stopConditions: z.object({ alarms: z.array(z.string()) }).optional(),
  /** The request and the plan as the archive keeps them (absent from older producers). */
  plan: planRecordSchema.optional(),
  /** Set when the job was fanned out from a selector request: its requestId and selector. */
  fanOut: fanOutSchema.optional(),
});
export type ExperimentContext = z.infer<typeof experimentContextSchema>;

export const groupSnapshotSchema = z.object({
  name: z.string(),
  desiredCapacity: z.number().int(),
  minSize: z.number().int(),
  maxSize: z.number().int(),
  suspendedProcesses: z.array(z.string()),
  instances: z.array(instanceSnapshotSchema),
  /**
   * How many instances the group had, when `instances` lists only some of them: a
   * large group's plan keeps to SNS's 256 KB by listing the victims and every
   * instance not InService and Healthy, and counting the rest.
   */
  instanceCount: z.number().int().nonnegative().optional(),
  /** Target health of each of the group's target groups at plan time. */
  targetGroups: z.array(targetGroupHealthSchema).optional(),
});
export type GroupSnapshot = z.infer<typeof groupSnapshotSchema>;

/** How a recovery ended, and the PASS/FAIL judgement against the request's target. */
/** Steps on the way back, each announced once in a `recovery.progressed` event. */
export const milestoneSchema = z.enum(["replacement-seen", "all-in-service", "healthy", "serving"]);
export type Milestone = z.infer<typeof milestoneSchema>;

/** Where the timeline keeps each milestone's time. */
export const milestoneTimelineField = {
  "replacement-seen": "firstReplacementSeenAt",
  "all-in-service": "allInServiceAt",
  healthy: "healthyAt",
  serving: "servingAt",
} as const satisfies Record<Milestone, keyof RecoveryTimeline>;

/** Each milestone in words, the same in the CLI, the demo and the report. */
export const milestoneWords = {
  "replacement-seen": "first replacement seen",
  "all-in-service": "all InService",
  healthy: "all healthy",
  serving: "all serving",
} as const satisfies Record<Milestone, string>;

/**
 * `abandoned`: the monitor could not go on measuring (its retries for Redis or SNS
 * ran out); the group may well have recovered, nobody saw it. `stopped`: a
 * stop-condition alarm went into ALARM. `aborted`: an operator aborted it.
 */
export const recoveryOutcomeSchema = z.enum([
  "recovered",
  "not-recovered",
  "abandoned",
  "stopped",
  "aborted",
]);
export type RecoveryOutcome = z.infer<typeof recoveryOutcomeSchema>;
export const verdictSchema = z.enum(["pass", "fail", "none"]);
export type Verdict = z.infer<typeof verdictSchema>;

/** What the notifier sends, one kind per way an experiment can end. */
export const reportKindSchema = z.enum([
  "recovery",
  "rejection",
  "termination-failure",
  "dry-run",
  "control",
]);
export type ReportKind = z.infer<typeof reportKindSchema>;

/** The group as one recovery check saw it. */
export const groupObservationSchema = z.object({
  /** When the answer arrived. */
  at: isoTime,
  /** When the describe was asked for: the state shown held at some moment between this and `at`. */
  askedAt: isoTime.optional(),
  desiredCapacity: z.number().int(),
  inService: z.number().int(),
  inServiceHealthy: z.number().int(),
  pending: z.number().int(),
  terminating: z.number().int(),
  victimsStillInService: z.array(z.string()),
  replacements: z.array(z.string()),
  instances: z.array(instanceSnapshotSchema),
  /**
   * Target health of each of the experiment's target groups, when this check
   * looked (only once the group is healthy, and only when serving is required).
   */
  targetGroups: z.array(targetGroupHealthSchema).optional(),
});
export type GroupObservation = z.infer<typeof groupObservationSchema>;

export const terminationOutcomeSchema = z.object({
  instanceId,
  outcome: z.enum(["terminated", "skipped", "failed"]),
  reason: z.string().optional(),
  at: isoTime,
});
export type TerminationOutcome = z.infer<typeof terminationOutcomeSchema>;

export const recoveryTimelineSchema = z.object({
  terminatedAt: isoTime,
  firstReplacementSeenAt: isoTime.optional(),
  allInServiceAt: isoTime.optional(),
  healthyAt: isoTime.optional(),
  /** Every InService instance healthy in each target group, no victim registered but draining. */
  servingAt: isoTime.optional(),
  /** The same, for each target group on its own (by ARN): when that one served again. */
  targetGroupsServingAt: z.record(z.string(), isoTime).optional(),
  recoveredAt: isoTime.optional(),
});
export type RecoveryTimeline = z.infer<typeof recoveryTimelineSchema>;

/** A stop condition that stopped or refused an experiment (see stop-alarms.ts). */
export const alarmBreachSchema = z.object({
  alarm: z.string(),
  kind: z.enum(["in-alarm", "missing", "unreadable"]),
  state: z.string().optional(),
  reason: z.string(),
  firedAt: isoTime.optional(),
});
/** A halt or resume: the switch as it was set, and the parameter that holds it. */
function controlEventDataSchema() {
  return haltRecordSchema.extend({ parameter: z.string().min(1) });
}
/** One earlier run of the group, as the history index lists it. */
export const historyRunSchema = z.object({
  experimentId: z.string(),
  at: isoTime,
  seconds: z.number().nonnegative(),
  regression: z.boolean(),
});

/** One field of the group's configuration that differs from the last normal run. */
export const groupChangeSchema = z.object({
  field: z.string(),
  label: z.string(),
  before: z.string(),
  after: z.string(),
});
export type GroupChange = z.infer<typeof groupChangeSchema>;

/**
 * The recovery-monitor's comparison of a recovered run with the group's earlier
 * recovered runs in the same mode (see shared/src/history/regression.ts).
 */
export const regressionAssessmentSchema = z.object({
  status: z.enum(["regression", "normal", "insufficient-history", "history-unavailable"]),
  timeToRecoverSeconds: z.number().nonnegative(),
  /** Earlier recovered runs compared (newest first, at most the window). */
  runs: z.array(historyRunSchema),
  medianSeconds: z.number().nonnegative().optional(),
  madSeconds: z.number().nonnegative().optional(),
  /** Slower than this is a regression. */
  thresholdSeconds: z.number().nonnegative().optional(),
  /** The last earlier run that was not itself a regression, and what changed since. */
  lastNormalExperimentId: z.string().optional(),
  changes: z.array(groupChangeSchema).optional(),
  /** Why the history could not be read, for history-unavailable. */
  reason: z.string().optional(),
});
export type RegressionAssessment = z.infer<typeof regressionAssessmentSchema>;

export const eventDataSchemas = {
  [EventType.experimentPlanned]: z.object({
    experiment: experimentContextSchema,
    group: groupSnapshotSchema,
    /**
     * Eligible instances in shuffled order, victims first: with the seed, enough to
     * replay the choice (only the first ones for a large group).
     */
    candidates: z.array(z.string()),
    /** How many were eligible, when `candidates` lists only the first of them. */
    candidateCount: z.number().int().nonnegative().optional(),
    excluded: z.array(z.object({ instanceId: z.string(), reason: z.string() })),
    /** How many were not eligible, when `excluded` lists only the first of them. */
    excludedCount: z.number().int().nonnegative().optional(),
    /** Set when a schedule asked: its slot, seed and (random mode) the day's draw. */
    schedule: scheduleRecordSchema.optional(),
  }),
  [EventType.experimentRejected]: z.object({
    experimentId: z.string(),
    requestId: z.string(),
    asg: z.string().optional(),
    requestedBy: z.string().optional(),
    /** The selector of a selector request, or of the request a group's job was fanned out from. */
    selector: selectorSchema.optional(),
    /** Set when the refused job was one group's share of a selector request. */
    parentRequestId: z.string().optional(),
    notify: z.object({ emails: z.array(z.string()) }),
    stage: z.enum(["parse", "validation", "guardrail"]),
    reasons: z.array(reasonSchema).min(1),
    rejectedAt: isoTime,
    /** The start of the body as received, so the requester sees what was refused. */
    receivedBody: z.string().max(4096),
  }),
  [EventType.instancesTerminated]: z.object({
    experiment: experimentContextSchema,
    terminations: z.array(terminationOutcomeSchema).min(1),
    terminatedAt: isoTime,
  }),
  [EventType.terminationFailed]: z.object({
    experiment: experimentContextSchema,
    reason: z.string(),
    terminations: z.array(terminationOutcomeSchema),
    /**
     * Stable code of a refusal that terminated nothing: `stop-condition-in-alarm`,
     * or an operator's control, `halted` or `aborted`.
     */
    code: z.string().optional(),
    /** The alarms that refused it (code `stop-condition-in-alarm`). */
    alarms: z.array(alarmBreachSchema).optional(),
  }),
  [EventType.recoveryProgressed]: z.object({
    experiment: experimentContextSchema,
    milestone: milestoneSchema,
    elapsedSeconds: z.number().nonnegative(),
    observed: groupObservationSchema,
  }),
  [EventType.recoveryCompleted]: z.object({
    experiment: experimentContextSchema,
    outcome: recoveryOutcomeSchema,
    verdict: verdictSchema,
    timeToRecoverSeconds: z.number().nonnegative().nullable(),
    /**
     * Recovered: the true time to recover lies between these, whatever happened to
     * the checks: from the last look that saw the group not recovered (or the launch
     * event that came after it) to the first look that saw it recovered.
     */
    timeToRecoverBounds: z
      .object({ lowerSeconds: z.number().nonnegative(), upperSeconds: z.number().nonnegative() })
      .optional(),
    /** Recovered: the largest error timeToRecoverSeconds can have (its distance to the far bound). */
    precisionSeconds: z.number().nonnegative().optional(),
    /** Recovered: what dated the recovery, a launch event (`event`) or a check's look (`check`). */
    detectedBy: z.enum(["event", "check"]).optional(),
    timeline: recoveryTimelineSchema,
    lastObserved: groupObservationSchema.nullable(),
    /** The check interval in force (the stated precision is precisionSeconds). */
    checkIntervalSeconds: z.number().positive(),
    checks: z.number().int().nonnegative(),
    terminated: z.array(z.string()),
    /** Target states at the last check that read them; absent when none did. */
    targetGroups: z.array(targetGroupHealthSchema).optional(),
    /** Why monitoring ended before the group recovered or the deadline passed (group-deleted, monitor-gave-up). */
    reason: reasonSchema.optional(),
    /** Outcome `stopped`: the alarms that stopped it, each with its state reason and when it fired. */
    stoppedBy: z.array(alarmBreachSchema).optional(),
    /** Who aborted the experiment, when and why (outcome `aborted`). */
    abort: abortRecordSchema.optional(),
    /** Each victim's termination outcome (absent from older monitors). */
    terminations: z.array(terminationOutcomeSchema).optional(),
    /** This run against the group's earlier runs (absent when there was no history to ask). */
    regression: regressionAssessmentSchema.optional(),
  }),
  [EventType.reportSent]: z.object({
    experimentId: z.string(),
    reportKind: reportKindSchema,
    recipients: z.array(z.string()),
    subject: z.string(),
    sesMessageId: z.string().optional(),
    snsMessageId: z.string().optional(),
    sentAt: isoTime,
  }),
  [EventType.messageDeadLettered]: z.object({
    /** The queue's role (requests, terminations, ...) and the dead-letter queue it went to. */
    queue: z.string(),
    deadLetterQueue: z.string(),
    messageId: z.string(),
    receiveCount: z.number().int().positive(),
    /** poison: the queue cannot use it; retries-exhausted: it failed on every receive. */
    why: z.enum(["poison", "retries-exhausted"]),
    error: z.string(),
    /** The start of the body (at most 2,000 characters), to recognise it. */
    bodyExcerpt: z.string(),
    at: isoTime,
  }),
  [EventType.controlHalted]: controlEventDataSchema(),
  [EventType.controlResumed]: controlEventDataSchema(),
} satisfies Record<EventType, z.ZodType>;

export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;

const envelopeFields = {
  specversion: z.literal("1.0"),
  id: z.string().min(1),
  source: z.string().min(1),
  time: isoTime,
  /** The experiment id. */
  subject: z.string().min(1),
  datacontenttype: z.literal("application/json").optional(),
};

const eventSchemas = eventTypes.map((type) =>
  z.object({ ...envelopeFields, type: z.literal(type), data: eventDataSchemas[type] }),
);

/** Any macaque event, discriminated by `type`. */
export const cloudEventSchema = z.discriminatedUnion(
  "type",
  eventSchemas as unknown as [(typeof eventSchemas)[number], ...(typeof eventSchemas)[number][]],
);

export interface CloudEvent<T extends EventType = EventType> {
  specversion: "1.0";
  id: string;
  source: string;
  type: T;
  time: string;
  subject: string;
  datacontenttype?: "application/json";
  data: EventData<T>;
}
export type AnyCloudEvent = { [T in EventType]: CloudEvent<T> }[EventType];

/** Builds an event; `now` and `id` come in so callers and tests control them. */
export function createEvent<T extends EventType>(
  type: T,
  options: { source: string; subject: string; data: EventData<T>; now?: Date; id?: string },
): CloudEvent<T> {
  return {
    specversion: "1.0",
    id: options.id ?? randomUUID(),
    source: options.source,
    type,
    time: (options.now ?? new Date()).toISOString(),
    subject: options.subject,
    datacontenttype: "application/json",
    data: options.data,
  };
}

/** Parses and validates an event from JSON (throws a ZodError naming the bad field). */
export function parseEvent(json: unknown): AnyCloudEvent {
  return cloudEventSchema.parse(json) as AnyCloudEvent;
}

/** The termination order the producer sends to the terminator's queue. */
export const terminationOrderSchema = z.object({
  kind: z.literal(terminationOrderKind),
  experiment: experimentContextSchema,
  orderedAt: isoTime,
});
export type TerminationOrder = z.infer<typeof terminationOrderSchema>;
