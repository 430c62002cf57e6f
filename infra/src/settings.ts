import { z } from "zod";
import {
  alarmRefSchema,
  controlPathSchema,
  defaultControlPath,
  defaultNamePrefix,
  defaultTags,
  emailDomainSchema,
  senderIdSchema,
} from "@macaque/shared";

/**
 * Everything a deployment can choose, read once from the CDK context
 * (`cdk.json`, or `-c key=value` on the command line). Values from the command
 * line arrive as strings, so numbers are coerced and lists may be comma-separated.
 */

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean));

const int = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(min, `must be ${min}-${max}`)
    .max(max, `must be ${min}-${max}`)
    .default(fallback);

const tag = (fallback: string) =>
  z
    .string()
    .regex(/^[^=]+=.*$/, "must be key=value, e.g. macaque:enabled=true")
    .default(fallback)
    .transform((s) => {
      const at = s.indexOf("=");
      return { key: s.slice(0, at), value: s.slice(at + 1), text: s };
    });

/** CloudWatch Logs accepts only these retention periods. */
const retentionDays = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

export const settingsSchema = z
  .object({
    /** Queue and topic names start with it: `chaos-requests`, `chaos-events`, ... */
    namePrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, "must be 1-40 letters, digits, - or _")
      .default(defaultNamePrefix),
    /** An existing VPC; without it the stack creates one (2 AZs). */
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]+$/, "must be a VPC id such as vpc-0abc123")
      .optional(),
    /** NAT gateways of a created VPC; 0 puts the tasks in public subnets with public IPs instead. */
    natGateways: int(0, 3, 1),
    /** A complete image reference (`registry/repo:tag`). */
    image: z.string().min(1).optional(),
    /** An ECR repository name in this account and region, with `imageTag`. */
    ecrRepository: z.string().min(1).optional(),
    imageTag: z.string().min(1).default("latest"),
    /** The From address of every report; SES must have it (or its domain) verified. */
    senderEmail: z.email("must be an email address such as chaos@example.com"),
    /** The SES identity that authorises the sender: the address itself or its domain. */
    sesIdentity: z.string().min(1).optional(),
    defaultRecipients: list.pipe(z.array(z.email("must be email addresses"))).default([]),
    optInTag: tag(`${defaultTags.optInKey}=${defaultTags.optInValue}`),
    excludeTag: tag(`${defaultTags.excludeKey}=${defaultTags.excludeValue}`),
    maxInstancesPerExperiment: int(1, 1000, 10),
    maxPercentOfGroup: int(1, 100, 50),
    minInServiceAfter: int(0, 1000, 1),
    /** The producer's STOP_ALARMS: CloudWatch alarms (names or ARNs) every experiment respects. */
    stopAlarms: list
      .pipe(z.array(alarmRefSchema).max(100, "lists more than 100 alarms"))
      .default([]),
    /**
     * The producer's ALLOWED_SENDER_IDS; when any is given, the stack adds the
     * producer's own role (selector fan-out) and the Scheduler's. Default none (off).
     */
    allowedSenderIds: list.pipe(z.array(senderIdSchema)).default([]),
    /** ALLOWED_EMAIL_DOMAINS of the producer and the notifier. Default none (off). */
    allowedEmailDomains: list.pipe(z.array(emailDomainSchema)).default([]),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
    logRetentionDays: z.coerce
      .number()
      .refine((d) => retentionDays.includes(d), {
        message: `must be one of ${retentionDays.join(", ")}`,
      })
      .default(30),
    /** Upper bound of each service's task count when its queue backs up. */
    maxTasks: int(1, 50, 4),
    cpuArchitecture: z.enum(["x86_64", "arm64"]).default("x86_64"),
    cacheNodeType: z
      .string()
      .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/)
      .default("cache.t4g.micro"),
    /**
     * Replicas of the cache; any makes it Multi-AZ with automatic failover, so a
     * node's loss keeps the monitor's pending checks and the idempotency records.
     * Default 1 (doubles the cache's cost; 0 for a throwaway stack).
     */
    cacheReplicas: int(0, 5, 1),
    /** Days of daily cache snapshots kept (0: none); a restore brings back pending checks. */
    cacheSnapshotDays: int(0, 35, 7),
    /** Alarm when a queue's oldest message has waited this long. */
    oldestMessageAlarmSeconds: int(60, 86_400, 600),
    /** CONTROL_PARAMETER_PATH: where the kill switch and the aborts live in Parameter Store. */
    controlParameterPath: controlPathSchema.default(defaultControlPath),
    /** Days an archived experiment is kept in the history bucket (its lifecycle rule). */
    historyRetentionDays: int(1, 3_650, 400),
  })
  .refine((s) => !(s.image && s.ecrRepository), {
    message: "give either image or ecrRepository, not both",
    path: ["image"],
  });

export type Settings = z.output<typeof settingsSchema>;

export class SettingsError extends Error {
  override name = "SettingsError";
}

/** Reads the settings from context values; a bad or missing one is named with its context key. */
export function parseSettings(context: Record<string, unknown>): Settings {
  const present = Object.fromEntries(
    Object.entries(context).filter(([, v]) => v !== undefined && v !== ""),
  );
  const result = settingsSchema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join(".");
    const missing = issue.code === "invalid_type" && present[key] === undefined;
    return `${key}: ${missing ? "is required (-c " + key + "=...)" : issue.message}`;
  });
  throw new SettingsError(`invalid CDK context: ${problems.join("; ")}`);
}

/** The context keys the app reads, so main passes only these to parseSettings. */
export const settingKeys = Object.keys(settingsSchema.shape) as (keyof Settings)[];
