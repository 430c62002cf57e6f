import {
  commonEnvSchema,
  emailAddressSchema,
  emailAllowListEnvSchema,
  envBoolean,
  envList,
  historyEnvSchema,
  isEmailDomainAllowed,
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
  .extend(emailAllowListEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(historyEnvSchema.shape)
  .superRefine((env, ctx) => {
    // A default recipient the allow-list would silently never mail is a typo to fix now.
    const outside = env.DEFAULT_RECIPIENTS.filter(
      (address) => !isEmailDomainAllowed(address, env.ALLOWED_EMAIL_DOMAINS),
    );
    if (outside.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["DEFAULT_RECIPIENTS"],
        message: `${outside.join(", ")} outside ALLOWED_EMAIL_DOMAINS (${env.ALLOWED_EMAIL_DOMAINS.join(", ")}): would never be e-mailed`,
      });
    }
  });
