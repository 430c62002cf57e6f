import { z } from "zod";
import { emailDomainSchema } from "./email.ts";
import { ConfigError } from "./errors.ts";
import { defaultNamePrefix, defaultTags } from "./names.ts";

/**
 * Each service parses `process.env` once, in its main, into a frozen typed object.
 * Nothing below main reads the environment, so every module can be tested with a
 * plain object.
 */

const positiveInt = (fallback: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .positive("must be greater than 0")
    .default(fallback);

/** Environment variables every macaque process understands. */
export const commonEnvSchema = z.object({
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region such as us-east-1")
    .default("us-east-1"),
  /** The SDK reads these itself; they are checked here so a typo stops the service at once. */
  AWS_ENDPOINT_URL: z.url("must be a URL").optional(),
  AWS_ENDPOINT_URL_SQS: z.url("must be a URL").optional(),
  AWS_ENDPOINT_URL_SNS: z.url("must be a URL").optional(),
  AWS_ENDPOINT_URL_SES: z.url("must be a URL").optional(),
  AWS_ENDPOINT_URL_EC2: z.url("must be a URL").optional(),
  AWS_ENDPOINT_URL_AUTO_SCALING: z.url("must be a URL").optional(),
  AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: z.url("must be a URL").optional(),
  AWS_ENDPOINT_URL_CLOUDWATCH: z.url("must be a URL").optional(),
  AWS_ENDPOINT_URL_SSM: z.url("must be a URL").optional(),
  AWS_ENDPOINT_URL_S3: z.url("must be a URL").optional(),
  MACAQUE_NAME_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, "must be 1-40 letters, digits, - or _")
    .default(defaultNamePrefix),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
  /** Port of the /healthz, /readyz and /metrics server; 0 picks a free one. */
  HTTP_PORT: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be 0-65535")
    .max(65_535, "must be 0-65535")
    .default(8080),
  HTTP_HOST: z.string().min(1).default("0.0.0.0"),
  /**
   * SQS long-poll length. Shorter stops a service faster (a stop waits for the
   * current poll) at the price of more empty receives. At least 1: 0 would turn
   * polling into a tight loop of empty requests.
   */
  SQS_WAIT_TIME_SECONDS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be 1-20 (0 would poll in a tight loop)")
    .max(20, "must be 1-20")
    .default(10),
  /**
   * Longest one message's handler may run before the message is given back to SQS
   * for redelivery (its heartbeats stop); bounds how long a hung handler holds it.
   * At most 43200 (12 h, SQS's longest visibility timeout).
   */
  HANDLE_MESSAGE_TIMEOUT_SECONDS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be 1-43200")
    .max(43_200, "must be 1-43200")
    .default(300),
  /**
   * Messages of one queue handled at the same time (SQS hands out at most 10 per
   * receive, so this many / 10 receives poll side by side). Concurrent requests
   * share their describe calls, so a burst is planned in a few batches rather
   * than five messages at a time. 1-1000.
   */
  QUEUE_CONCURRENCY: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be 1-1000")
    .max(1000, "must be 1-1000")
    .default(100),
  /** How long a stopping service waits for in-flight messages. */
  SHUTDOWN_TIMEOUT_MS: positiveInt(20_000),
  AWS_MAX_ATTEMPTS: positiveInt(5),
  AWS_REQUEST_TIMEOUT_MS: positiveInt(10_000),
});

/**
 * The experiment archive's bucket (notifier: writes; recovery-monitor: reads the
 * group's history for regressions). S3's naming rules: 3-63 lowercase letters,
 * digits, dots and hyphens, starting and ending with a letter or digit.
 */
export const historyEnvSchema = z.object({
  HISTORY_BUCKET: z
    .string()
    .regex(
      /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      "must be an S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit",
    )
    .optional(),
});

export const redisEnvSchema = z.object({
  REDIS_URL: z
    .url("must be a redis:// or rediss:// URL")
    .refine((u) => /^rediss?:\/\//.test(u), "must be a redis:// or rediss:// URL"),
  /** Prefix of every Redis key macaque writes; each service adds its own name after it. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, "must be 1-64 letters, digits, :, - or _")
    .default("macaque"),
});

/** A comma-separated list, e.g. `a@x.org,b@y.org`; empty means none. */
export const envList = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

export const envBoolean = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"], { error: "must be true or false" })
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

export const envPositiveInt = positiveInt;

/** One of a few words, e.g. `events|poll|naive`. */
export const envEnum = <const T extends readonly [string, ...string[]]>(
  values: T,
  fallback: T[number],
) => z.enum(values, { error: `must be one of ${values.join(", ")}` }).default(fallback as never);

/**
 * Most Auto Scaling and EC2 calls per second of one service process (the
 * producer's, the terminator's), shared by all its concurrent messages: both
 * APIs' budgets are account-wide, shared with every other tool in the account,
 * so a burst of experiments waits its turn here instead of throttling them all.
 */
export const awsCallBudgetEnvSchema = z.object({
  /** DescribeAutoScalingGroups, DescribeAutoScalingInstances, Terminate... Default 20. */
  AUTO_SCALING_CALLS_PER_SECOND: positiveInt(20),
  /** DescribeInstances, TerminateInstances. Default 20 (EC2's describe refill rate). */
  EC2_CALLS_PER_SECOND: positiveInt(20),
});

/**
 * The recipient allow-list (producer: refuses a job naming an address outside it;
 * notifier: never e-mails outside it). Comma-separated domains; default none, which
 * allows every address.
 */
/**
 * An SQS SenderId as ALLOWED_SENDER_IDS lists it: an account id, an IAM user id
 * (`AIDA...`) or a role id (`AROA...`), optionally with a session (`:name`).
 */
export const senderIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9]{12,128}(:[\w+=,.@-]{1,64})?$/,
    "must be SQS SenderIds: an account id, an IAM user id (AIDA...) or a role id (AROA...)",
  );

export const emailAllowListEnvSchema = z.object({
  ALLOWED_EMAIL_DOMAINS: envList(emailDomainSchema),
});

/** A tag to match, e.g. the opt-in tag `macaque:enabled=true`. */
export interface Tag {
  key: string;
  value: string;
}

/** A `key=value` tag setting; the key ends at the first `=`, so a value may contain one. */
const envTag = (fallback: Tag) =>
  z
    .string()
    .regex(/^[^=]+=.*$/, "must be key=value, e.g. macaque:enabled=true")
    .default(`${fallback.key}=${fallback.value}`)
    .transform((text): Tag => {
      const at = text.indexOf("=");
      return { key: text.slice(0, at), value: text.slice(at + 1) };
    });

/**
 * The guardrails an operator sets (the producer enforces them, the terminator
 * re-checks the exclusion tag, the CLI shows them). A request can only ask for
 * less, never more.
 */
export const guardrailEnvSchema = z.object({
  /** Tag a group must carry to be a target at all. */
  OPT_IN_TAG: envTag({ key: defaultTags.optInKey, value: defaultTags.optInValue }),
  /** Instances carrying this tag are never chosen nor terminated. */
  EXCLUDE_TAG: envTag({ key: defaultTags.excludeKey, value: defaultTags.excludeValue }),
  /** Most victims one experiment may have. */
  MAX_INSTANCES_PER_EXPERIMENT: positiveInt(10),
  /** Victims may be at most floor(desired capacity * this / 100). */
  MAX_PERCENT_OF_GROUP: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be 1-100")
    .max(100, "must be 1-100")
    .default(50),
  /** InService and Healthy instances that must remain after the termination. */
  MIN_IN_SERVICE_AFTER: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be 0 or more")
    .default(1),
});

/**
 * DEFAULT_CHECK_INTERVAL_SECONDS: the check interval of a job message that names
 * none, within the job message's own bounds (the producer defaults it to the job
 * message's 10 s). A sandbox whose fleet heals in seconds sets it lower, so that
 * a first run shows progress and measures finer than ± 10 s.
 */
export const envCheckIntervalSeconds = z.coerce
  .number({ error: "must be a number of seconds" })
  .min(0.1, "must be 0.1-3600 seconds")
  .max(3_600, "must be 0.1-3600 seconds");

/** Parses an environment, or throws a ConfigError naming every bad variable. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): Readonly<z.output<S>> {
  // Empty strings count as unset: compose files and shells often export VAR= .
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const result = schema.safeParse(cleaned, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.map(String).join(".") || "(environment)";
      const missing = issue.code === "invalid_type" && issue.input === undefined;
      return `${name}: ${missing ? "is required but not set" : issue.message}`;
    });
    throw new ConfigError(problems);
  }
  return Object.freeze(result.data);
}

/**
 * For a main: parse the environment or stop the process with exit code 78
 * (EX_CONFIG) and a message naming each bad variable.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  service: string,
): Readonly<z.output<S>> {
  try {
    return parseEnv(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${service}: ${err.message}\n`);
    process.exit(78);
  }
}

export const haltReadEnvSchema = z.object({
  /**
   * How long one read of the kill switch (and, in the terminator, of the aborts)
   * serves the requests and orders that follow it; 0: each reads its own. The
   * terminator reads the switch again right before each terminate call, whatever
   * this says, so a halt is never late for a terminate call. Default 1000.
   */
  HALT_READ_WINDOW_MS: z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(0, "must be 0-60000 ms")
    .max(60_000, "must be 0-60000 ms")
    .default(1000),
});
