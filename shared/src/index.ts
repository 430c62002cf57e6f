export {
  awsClientConfig,
  createAwsClient,
  createSqsClient,
  limitCalls,
  type AwsClientOptions,
} from "./aws.ts";
export {
  createQueueConsumer,
  isEventOf,
  parseEventBody,
  readEvent,
  type QueueEvent,
  publishEvent,
  receiveSizes,
  retryDelaySeconds,
  type DeadLetterNotice,
  sendJson,
  type MessageContext,
  type QueueConsumer,
  type QueueConsumerOptions,
} from "./bus.ts";
export { chunk } from "./chunk.ts";
export {
  createDescribeBatcher,
  type DescribeBatcher,
  type DescribeBatcherOptions,
} from "./describe-batcher.ts";
export { createRateLimiter, type RateLimiter } from "./rate-limit.ts";
export { shareRecentRead } from "./shared-read.ts";
export {
  commonEnvSchema,
  envBoolean,
  envCheckIntervalSeconds,
  envList,
  envPositiveInt,
  awsCallBudgetEnvSchema,
  haltReadEnvSchema,
  guardrailEnvSchema,
  historyEnvSchema,
  loadConfig,
  parseEnv,
  redisEnvSchema,
  type Tag,
} from "./config.ts";
export { ConfigError, PermanentError, PoisonMessageError, TopologyError } from "./errors.ts";
export {
  createEvent,
  eventDataSchemas,
  parseEvent,
  milestoneSchema,
  milestoneTimelineField,
  milestoneWords,
  type Milestone,
  recoveryOutcomeSchema,
  reportKindSchema,
  verdictSchema,
  type RecoveryOutcome,
  type ReportKind,
  type Verdict,
  terminationOrderSchema,
  type AnyCloudEvent,
  type CloudEvent,
  type EventData,
  type ExperimentContext,
  type GroupObservation,
  type GroupSnapshot,
  type InstanceSnapshot,
  type RecoveryTimeline,
  type TerminationOrder,
  type TerminationOutcome,
  targetGroupHealthSchema,
  groupConfigurationSchema,
  maxCarriedCandidates,
  planRecordSchema,
  regressionAssessmentSchema,
  type GroupChange,
  type GroupConfiguration,
  type PlanRecord,
  type RegressionAssessment,
} from "./events.ts";
export { groupConfigurationOf, type DescribedConfiguration } from "./group-configuration.ts";
export {
  formatTarget,
  requiresServing,
  targetGroupArnsOf,
  targetGroupHealthOf,
  targetGroupNameOf,
  type DescribedTargetGroups,
  type DescribedTargetHealth,
  type TargetGroupHealth,
  type TargetState,
} from "./target-health.ts";
export {
  jobMessageJsonSchema,
  jobMessageSchema,
  parseJobMessage,
  type JobDefaults,
  type JobMessage,
  type JobMessageInput,
  type JobParseResult,
  reasonSchema,
  alarmRefSchema,
  recoveryDefaults,
  type Reason,
  type RecoveryOptions,
} from "./job-message.ts";
export { createLogger, type Logger } from "./logger.ts";
export { createMetrics, type Metrics } from "./metrics.ts";
export {
  EventType,
  QueueRole,
  ServiceName,
  resourceTag,
  serviceNames,
  TopicRole,
  deadLetterQueueName,
  defaultNamePrefix,
  defaultTags,
  limitTags,
  eventSource,
  eventTypes,
  experimentAttribute,
  queueName,
  subscribedTypes,
  subscriptions,
  type EventQueueRole,
  topicName,
  terminationOrderKind,
  operatorEventSource,
  poisonReasonAttribute,
  reportKindAttribute,
  typeAttribute,
} from "./names.ts";
export { createRedis, pingRedis, redisKey, type Redis } from "./redis.ts";
export {
  recordFields,
  releaseIfHeld,
  renewIfHeld,
  setIfAbsent,
  tryClaim,
  type Claim,
  type ClaimOptions,
} from "./redis-claim.ts";
export {
  ensureTopology,
  queueDefaults,
  resolveTopology,
  type QueueRef,
  type Topology,
  type TopologyOptions,
} from "./topology.ts";
export {
  runService,
  type CommonConfig,
  type RunningService,
  type ServiceParts,
} from "./service.ts";
export { openEventTap, type EventTap } from "./event-tap.ts";
export { experimentIdFor } from "./experiment-id.ts";
export { connectService, type Connections, type RedisConfig } from "./connections.ts";
export {
  SteadyStateCode,
  checkOptIn,
  checkSteadyState,
  checkTargetHealth,
  formatTag,
  groupRefusals,
  groupStateOf,
  type DescribedActivity,
  type DescribedGroup,
  isInServiceHealthy,
  type ActivityState,
  type GroupState,
  type InstanceState,
} from "./steady-state.ts";
export { emailAddressSchema, isEmailAddress } from "./email.ts";
export {
  experimentLifetime,
  leaseTtlMs,
  orderWindowSeconds,
  recoveryDeadlineAt,
  reportMarginSeconds,
  terminationBudgetSeconds,
  type ExperimentLifetime,
} from "./lifetime.ts";
export {
  formatClock,
  formatDuration,
  formatInstant,
  formatOffset,
  plural,
  secondsBetween,
} from "./format.ts";
export {
  describeEvent,
  describeTargetGroups,
  formatIds,
  formatVerdict,
  formatVictims,
  type EventStep,
} from "./describe-event.ts";
export {
  alarmNameOf,
  checkAlarms,
  describeBreach,
  judgeAlarms,
  unionOfAlarms,
  type AlarmBreach,
  type AlarmState,
} from "./stop-alarms.ts";
export {
  ControlRefusal,
  abortRecordSchema,
  controlEnvSchema,
  controlNames,
  controlPathSchema,
  defaultControlPath,
  describeAbort,
  describeHalt,
  haltRecordSchema,
  inFlightRecordSchema,
  liveExperiments,
  orderRefusal,
  readAbortValue,
  readHaltValue,
  type AbortRecord,
  type ControlNames,
  type HaltRecord,
  type InFlightRecord,
} from "./control.ts";
