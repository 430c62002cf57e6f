import { randomUUID } from "node:crypto";
import { scheduleRecordSchema } from "./scheduled-run.ts";
import { z } from "zod";
import { reasonSchema, recoveryOptionsSchema } from "./job-message.ts";
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
});
export type ExperimentContext = z.infer<typeof experimentContextSchema>;

export const groupSnapshotSchema = z.object({
  name: z.string(),
  desiredCapacity: z.number().int(),
  minSize: z.number().int(),
  maxSize: z.number().int(),
  suspendedProcesses: z.array(z.string()),
  instances: z.array(instanceSnapshotSchema),
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

export const recoveryOutcomeSchema = z.enum(["recovered", "not-recovered"]);
export type RecoveryOutcome = z.infer<typeof recoveryOutcomeSchema>;
export const verdictSchema = z.enum(["pass", "fail", "none"]);
export type Verdict = z.infer<typeof verdictSchema>;

/** What the notifier sends, one kind per way an experiment can end. */
export const reportKindSchema = z.enum(["recovery", "rejection", "termination-failure", "dry-run"]);
export type ReportKind = z.infer<typeof reportKindSchema>;

/** The group as one recovery check saw it. */
export const groupObservationSchema = z.object({
  at: isoTime,
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

export const eventDataSchemas = {
  [EventType.experimentPlanned]: z.object({
    experiment: experimentContextSchema,
    group: groupSnapshotSchema,
    /** Eligible instances in shuffled order: with the seed, enough to replay the choice. */
    candidates: z.array(z.string()),
    excluded: z.array(z.object({ instanceId: z.string(), reason: z.string() })),
    /** Set when a schedule asked: its slot, seed and (random mode) the day's draw. */
    schedule: scheduleRecordSchema.optional(),
  }),
  [EventType.experimentRejected]: z.object({
    experimentId: z.string(),
    requestId: z.string(),
    asg: z.string().optional(),
    requestedBy: z.string().optional(),
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
    timeline: recoveryTimelineSchema,
    lastObserved: groupObservationSchema.nullable(),
    /** The check interval in force: the precision of timeToRecoverSeconds. */
    checkIntervalSeconds: z.number().positive(),
    checks: z.number().int().nonnegative(),
    terminated: z.array(z.string()),
    /** Target states at the last check that read them; absent when none did. */
    targetGroups: z.array(targetGroupHealthSchema).optional(),
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
