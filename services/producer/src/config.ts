import { z } from "zod";
import {
  alarmRefSchema,
  commonEnvSchema,
  envList,
  controlEnvSchema,
  emailAllowListEnvSchema,
  envCheckIntervalSeconds,
  guardrailEnvSchema,
  historyEnvSchema,
  recoveryDefaults,
  redisEnvSchema,
  senderIdSchema,
  type JobDefaults,
} from "@macaque/shared";
import type { AllowLists } from "./allow-lists.ts";
import type { GuardrailPolicy } from "./guardrails.ts";

/** The producer's environment: common, Redis, the guardrails and the job defaults an operator sets. */
export const producerEnvSchema = commonEnvSchema
  .extend(guardrailEnvSchema.shape)
  .extend({
    /**
     * Minutes from the end of a group's last experiment until the next may start
     * on it; a group's `macaque:min-minutes-between` tag can only raise it. Default 60.
     */
    MIN_MINUTES_BETWEEN_EXPERIMENTS: z.coerce
      .number({ error: "must be a number of minutes" })
      .min(0, "must be 0 or more minutes")
      .default(60),
    /**
     * CloudWatch alarms (names or ARNs, comma-separated) every experiment must
     * respect, besides those its job message names; e.g. the service's 5xx alarm.
     * Default none.
     */
    STOP_ALARMS: envList(alarmRefSchema).pipe(
      z.array(z.string()).max(100, "lists more than 100 alarms"),
    ),
    /**
     * Most groups one selector request may fan out to: a selector matching more is
     * refused (`selector-too-broad`) rather than trimmed. Default 50.
     */
    MAX_GROUPS_PER_SELECTOR: z.coerce
      .number({ error: "must be a whole number of groups" })
      .int("must be a whole number of groups")
      .min(1, "must be at least 1")
      .max(1_000, "must be at most 1000")
      .default(50),
    /** Check interval of a job message that names none. Default 10 (the job message's own default). */
    DEFAULT_CHECK_INTERVAL_SECONDS: envCheckIntervalSeconds.default(
      recoveryDefaults.checkIntervalSeconds,
    ),
  })
  .extend({
    /**
     * Who may send job messages, by SQS SenderId: account ids, IAM user ids or role
     * ids (a role id admits every session of the role), comma-separated. Include the
     * producer's own role (a selector request's fan-out) and the Scheduler's.
     * Default none: any sender the queue policy lets in.
     */
    ALLOWED_SENDER_IDS: envList(senderIdSchema),
  })
  .extend(emailAllowListEnvSchema.shape)
  .extend(historyEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(controlEnvSchema.shape);

export type ProducerConfig = z.output<typeof producerEnvSchema>;

export function guardrailPolicy(config: ProducerConfig): GuardrailPolicy {
  return {
    optInTag: config.OPT_IN_TAG,
    excludeTag: config.EXCLUDE_TAG,
    maxInstancesPerExperiment: config.MAX_INSTANCES_PER_EXPERIMENT,
    maxPercentOfGroup: config.MAX_PERCENT_OF_GROUP,
    minInServiceAfter: config.MIN_IN_SERVICE_AFTER,
    minMinutesBetweenExperiments: config.MIN_MINUTES_BETWEEN_EXPERIMENTS,
  };
}

export function allowLists(config: ProducerConfig): AllowLists {
  return { senderIds: config.ALLOWED_SENDER_IDS, emailDomains: config.ALLOWED_EMAIL_DOMAINS };
}

export function jobDefaults(config: ProducerConfig): JobDefaults {
  return { checkIntervalSeconds: config.DEFAULT_CHECK_INTERVAL_SECONDS };
}
