import {
  commonEnvSchema,
  emailAddressSchema,
  envBoolean,
  envList,
  historyEnvSchema,
  redisEnvSchema,
} from "@macaque/shared";

const email = emailAddressSchema;

/** The notifier's environment: the common and Redis variables plus who sends and who always receives. */
export const notifierEnvSchema = commonEnvSchema
  .extend({
    /** The From address of every report; SES must have it (or its domain) verified. Required. */
    SENDER_EMAIL: email,
    /** Comma-separated addresses that receive every report, besides those a request names. Default none. */
    DEFAULT_RECIPIENTS: envList(email),
    /** Also send every report to the addresses enrolled with `macaque recipients add` (verified SES identities). Default true. */
    ENROLLED_RECIPIENTS: envBoolean(true),
  })
  .extend(redisEnvSchema.shape)
  .extend(historyEnvSchema.shape);
