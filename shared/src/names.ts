/**
 * Every name that crosses a process boundary lives here: event types, queue and
 * topic names, tag keys. A typo in one of these is a silent routing bug, so no
 * other module spells them out.
 */

/** CloudEvents `type` values, namespaced so they never collide with other producers on a bus. */
export const EventType = {
  experimentPlanned: "macaque.experiment.planned",
  experimentRejected: "macaque.experiment.rejected",
  instancesTerminated: "macaque.instances.terminated",
  terminationFailed: "macaque.termination.failed",
  recoveryProgressed: "macaque.recovery.progressed",
  recoveryCompleted: "macaque.recovery.completed",
  reportSent: "macaque.report.sent",
  /** A service gave up on a message: it is (or is about to be) in a dead-letter queue. */
  messageDeadLettered: "macaque.message.dead-lettered",
  controlHalted: "macaque.control.halted",
  controlResumed: "macaque.control.resumed",
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const eventTypes = Object.values(EventType) as [EventType, ...EventType[]];

/** SNS message attribute that carries the event type, for subscription filter policies. */
export const typeAttribute = "type";
/** SNS message attribute that carries the experiment id, so a watcher can follow one experiment. */
export const experimentAttribute = "experimentId";
/** SNS message attribute on each report summary: its report kind, for subscribers' filter policies. */
export const reportKindAttribute = "kind";
/** Set on a message moved to a dead-letter queue as poison: why its queue could not use it. */
export const poisonReasonAttribute = "poisonReason";

/** Tags macaque puts on the SQS queues it creates for itself, and the record of what it enrolled. */
export const resourceTag = {
  /** On every ephemeral queue, so a leaked one is recognisable (and can be swept). */
  ephemeral: "macaque:ephemeral",
  createdBy: "macaque:created-by",
  /** The experiment a `macaque run` queue follows. */
  experiment: "macaque:experiment",
  /** The group (or `all`) a `macaque watch` queue follows. */
  watching: "macaque:watching",
  /** Prefix of the reports topic's tags recording each SES identity macaque enrolled. */
  sesIdentityPrefix: "macaque:ses-identity:",
} as const;

/** Opt-in and exclusion tags (defaults; each service can override them through its config). */
export const defaultTags = {
  optInKey: "macaque:enabled",
  optInValue: "true",
  excludeKey: "macaque:exclude",
  excludeValue: "true",
} as const;

/**
 * Tags on a group that tighten the producer's limits for that group alone; one
 * that would loosen a limit, or is not a number, is reported and ignored.
 */
export const limitTags = {
  /** At most this many victims per experiment (MAX_INSTANCES_PER_EXPERIMENT). */
  maxInstances: "macaque:max-instances",
  /** Victims at most floor(desired capacity × this / 100) (MAX_PERCENT_OF_GROUP). */
  maxPercent: "macaque:max-percent",
  /** InService and Healthy instances that must remain (MIN_IN_SERVICE_AFTER). */
  minInService: "macaque:min-in-service",
  /** Minutes from the end of one experiment to the next (MIN_MINUTES_BETWEEN_EXPERIMENTS). */
  minMinutesBetween: "macaque:min-minutes-between",
} as const;

/** The logical queues; each one gets a dead-letter queue named `<queue>-dlq`. */
export const QueueRole = {
  /** Job messages from users and the CLI; consumed by the producer. */
  requests: "requests",
  /** Termination orders from the producer; consumed by the terminator. */
  terminations: "terminations",
  /** `instances.terminated` events; consumed by the recovery-monitor. */
  recovery: "recovery",
  /** Everything a report is made of; consumed by the notifier. */
  notifications: "notifications",
  /** End-of-experiment events that release the producer's per-group lease. */
  outcomes: "outcomes",
  /**
   * AWS's own events about the fleet (Auto Scaling launches and terminations, EC2
   * state changes), routed from EventBridge's default bus by a rule; consumed by
   * the recovery-monitor as wake-ups when DETECTION_MODE=events.
   */
  fleetEvents: "fleet-events",
} as const;
export type QueueRole = (typeof QueueRole)[keyof typeof QueueRole];

export const TopicRole = {
  /** Every CloudEvent the services emit. */
  events: "events",
  /** Human-readable report summaries (email/SMS subscribers). */
  reports: "reports",
} as const;
export type TopicRole = (typeof TopicRole)[keyof typeof TopicRole];

/** Default prefix for queue and topic names: `chaos-requests`, `chaos-events`, ... */
export const defaultNamePrefix = "chaos";

export const queueName = (prefix: string, role: QueueRole): string => `${prefix}-${role}`;
export const deadLetterQueueName = (prefix: string, role: QueueRole): string =>
  `${prefix}-${role}-dlq`;
export const topicName = (prefix: string, role: TopicRole): string => `${prefix}-${role}`;

/**
 * Which event types each event-fed queue receives: its SNS filter policy on `type`,
 * and what its consumer accepts (`readEvent`); anything else on it is poison.
 */
export const subscribedTypes = {
  [QueueRole.recovery]: [EventType.instancesTerminated],
  [QueueRole.notifications]: [
    EventType.experimentPlanned,
    EventType.experimentRejected,
    EventType.terminationFailed,
    EventType.recoveryCompleted,
    EventType.controlHalted,
    EventType.controlResumed,
  ],
  [QueueRole.outcomes]: [EventType.terminationFailed, EventType.recoveryCompleted],
} as const satisfies Partial<Record<QueueRole, readonly EventType[]>>;
export type EventQueueRole = keyof typeof subscribedTypes;

/** The same, as a list of subscriptions to create. */
export const subscriptions: ReadonlyArray<{ queue: EventQueueRole; types: readonly EventType[] }> =
  (Object.keys(subscribedTypes) as EventQueueRole[]).map((queue) => ({
    queue,
    types: subscribedTypes[queue],
  }));

/** CloudEvents `source` of each service. */
export const ServiceName = {
  producer: "producer",
  terminator: "terminator",
  recoveryMonitor: "recovery-monitor",
  notifier: "notifier",
} as const;
export type ServiceName = (typeof ServiceName)[keyof typeof ServiceName];
/** The four services, in pipeline order. */
export const serviceNames: readonly ServiceName[] = Object.values(ServiceName);
export const eventSource = (service: ServiceName): string => `urn:macaque:${service}`;

/** The `kind` of the one message that is not an event: the producer's order to the terminator. */
export const terminationOrderKind = "macaque.termination.ordered" as const;

/** CloudEvents `source` of what an operator does from the CLI (halt, resume). */
export const operatorEventSource = "urn:macaque:cli";
/** EventBridge Scheduler: the schedule group macaque's schedules live in (the CDK stack creates it). */
export const scheduleGroupName = (prefix: string): string => `${prefix}-schedules`;
/** The role EventBridge Scheduler assumes to send a schedule's job message (sqs:SendMessage only). */
export const schedulerRoleName = (prefix: string): string => `${prefix}-scheduler`;
