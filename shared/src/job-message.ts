import { createHash } from "node:crypto";
import { z } from "zod";
import { emailAddressSchema } from "./email.ts";
import { scheduledRunSchema } from "./scheduled-run.ts";

/**
 * The job message, v1: the public API. Strict on purpose: an unknown field is far
 * more likely a typo ("dryrun") than a feature, and a typo in a chaos tool can
 * terminate the wrong amount of a fleet.
 */

const asgName = z
  .string()
  .min(1, { message: "must name an Auto Scaling group", abort: true })
  .max(255, "is longer than the 255 characters AWS allows for a group name")
  .regex(/^[^\p{Cc}\u2028\u2029]+$/u, "contains control characters or line breaks");

const email = emailAddressSchema;

const requestIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 letters, digits or . _ : -");

/** Most tags one selector names (AND): DescribeAutoScalingGroups takes a handful of filters. */
const selectorTagsMax = 10;

const tagText = (what: string, max: number) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is longer than the ${max} characters AWS allows`)
    .regex(/^[^\p{Cc}\u2028\u2029]+$/u, `${what} contains control characters or line breaks`);

/**
 * "Every group tagged so": the groups whose tags carry every key with exactly its
 * value (AWS's `tag:<key>` filters, ANDed). Each matching group gets an ordinary
 * job message of its own, so every guardrail applies per group.
 */
export const selectorSchema = z
  .strictObject({
    tags: z
      .record(tagText("a tag key", 128), tagText("a tag value", 256))
      .refine((tags) => Object.keys(tags).length > 0, "must name at least one tag")
      .refine(
        (tags) => Object.keys(tags).length <= selectorTagsMax,
        `names more than ${selectorTagsMax} tags`,
      )
      .describe("Tag key to value; a group matches when it carries all of them."),
  })
  .describe(
    'Targets every Auto Scaling group carrying these tags, e.g. {"tags": {"macaque:enabled": "true"}}. Give this or asg.',
  );
export type Selector = z.output<typeof selectorSchema>;

/** Where one group's job came from: the selector request it was fanned out from. */
export const fanOutSchema = z.strictObject({
  parentRequestId: requestIdSchema.describe("The selector request's requestId."),
  selector: selectorSchema,
});
export type FanOut = z.output<typeof fanOutSchema>;

/** `macaque:enabled=true, team=web`: a selector in one line, for logs and reports. */
export const formatSelector = (selector: Selector): string =>
  Object.entries(selector.tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");

/**
 * The requestId of one group's job fanned out from a selector request: derived
 * from the parent's and the group's name, so a redelivered parent sends the same
 * ids and each group's experiment is decided once. Readable when it fits.
 */
export function fanOutRequestId(parentRequestId: string, asg: string): string {
  const readable = `${parentRequestId}:${asg}`;
  if (/^[A-Za-z0-9._-]{1,64}$/.test(asg) && readable.length <= 128) return readable;
  const digest = createHash("sha256").update(`${parentRequestId}\n${asg}`).digest("hex");
  return `fan-out:${digest.slice(0, 40)}`;
}

/**
 * A CloudWatch alarm by name (1-255 characters, as CloudWatch allows) or by ARN
 * (`arn:aws:cloudwatch:<region>:<account>:alarm:<name>`). Anything that starts
 * with `arn:` must be an alarm ARN: a mistyped ARN taken as a name would name
 * no alarm at all.
 */
export const alarmRefSchema = z
  .string()
  .min(1, "must name an alarm")
  .max(1_600, "is longer than an alarm ARN can be")
  .regex(/^[^\p{Cc}]+$/u, "contains control characters")
  .refine(
    (ref) =>
      ref.startsWith("arn:")
        ? /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:[^\p{Cc}]{1,255}$/u.test(ref)
        : ref.length <= 255,
    {
      message:
        "must be an alarm name (at most 255 characters) or an alarm ARN such as arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-5xx",
    },
  );

/** The recovery settings a job message gets when it names none (the CLI's help quotes them). */
export const recoveryDefaults = {
  deadlineSeconds: 900,
  checkIntervalSeconds: 10,
  requireHealthy: true,
} as const;

export const recoveryOptionsSchema = z
  .strictObject({
    deadlineSeconds: z
      .number()
      .int("must be a whole number of seconds")
      .min(1, "must be at least 1 second")
      .max(86_400, "must be at most 86400 seconds (24 h)")
      .default(recoveryDefaults.deadlineSeconds)
      .describe(
        `Give up and report not-recovered after this long. Default ${recoveryDefaults.deadlineSeconds}.`,
      ),
    checkIntervalSeconds: z
      .number()
      .min(0.1, "must be at least 0.1 seconds")
      .max(3_600, "must be at most 3600 seconds")
      .default(recoveryDefaults.checkIntervalSeconds)
      .describe(
        `How often the group is checked; also the precision of the measured recovery time. Default ${recoveryDefaults.checkIntervalSeconds}.`,
      ),
    requireHealthy: z
      .boolean()
      .default(recoveryDefaults.requireHealthy)
      .describe(
        `Count replacements only once their health status is Healthy. Default ${recoveryDefaults.requireHealthy}.`,
      ),
    requireServing: z
      .boolean()
      .optional()
      .describe(
        "Recovered only once every replacement is healthy in each of the group's load-balancer target groups. Default true when the group has target groups.",
      ),
    targetSeconds: z
      .number()
      .positive("must be greater than 0")
      .max(86_400, "must be at most 86400 seconds")
      .optional()
      .describe(
        "Recovery target: recovered within it is PASS, otherwise FAIL. No verdict without it.",
      ),
  })
  .describe("How recovery is verified.");

export const jobMessageSchema = z
  .strictObject({
    version: z.literal(1, "must be 1 (the only version of the job message)").optional(),
    asg: asgName
      .optional()
      .describe("Name of the target Auto Scaling group. Give this or selector."),
    selector: selectorSchema.optional(),
    fanOut: fanOutSchema
      .optional()
      .describe(
        "Set by the producer on each group's job fanned out from a selector request: where it came from.",
      ),
    count: z
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(1_000, "must be at most 1000")
      .optional()
      .describe("How many instances to terminate. Give this or percent."),
    percent: z
      .number()
      .gt(0, "must be greater than 0")
      .max(100, "must be at most 100")
      .optional()
      .describe(
        "Share of the group's eligible instances to terminate, rounded up. Give this or count.",
      ),
    mode: z
      .enum(["ec2", "asg"], "must be ec2 or asg")
      .default("ec2")
      .describe(
        "ec2: EC2 TerminateInstances, a crash the group must detect. asg: TerminateInstanceInAutoScalingGroup without lowering desired capacity. Default ec2.",
      ),
    dryRun: z.boolean().default(false).describe("Plan and report without terminating."),
    availabilityZone: z
      .string()
      .regex(/^[a-z0-9-]{4,64}$/, "is not an availability zone name such as us-east-1a")
      .optional()
      .describe(
        "Choose victims only in this zone (with percent 100: lose a zone, within the limits).",
      ),
    recovery: recoveryOptionsSchema.default(recoveryDefaults),
    stopConditions: z
      .strictObject({
        alarms: z
          .array(alarmRefSchema.describe("A CloudWatch alarm name or ARN."))
          .max(50, "lists more than 50 alarms")
          .default([])
          .describe(
            "CloudWatch alarms the experiment must respect: refused while one is in ALARM, stopped when one goes into ALARM.",
          ),
      })
      .default({ alarms: [] })
      .describe("When to stop: CloudWatch alarms (the producer's STOP_ALARMS apply too)."),
    notify: z
      .strictObject({
        emails: z
          .array(email)
          .max(50, "lists more than 50 addresses")
          .default([])
          .describe("Extra recipients of the report."),
      })
      .default({ emails: [] }),
    requestId: requestIdSchema
      .optional()
      .describe("Idempotency key; defaults to the SQS message id."),
    requestedBy: z
      .string()
      .min(1)
      .max(256, "is longer than 256 characters")
      .regex(/^[^\p{Cc}\u2028\u2029]+$/u, "contains control characters or line breaks")
      .optional(),
    seed: z
      .union([z.string().min(1).max(128), z.number().int()], "must be a string or an integer")
      .transform(String)
      .optional()
      .describe("Makes the victim choice reproducible; every plan records the seed it used."),
    schedule: scheduledRunSchema.optional(),
  })
  .superRefine((job, ctx) => {
    if ((job.asg === undefined) === (job.selector === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [job.asg === undefined ? "asg" : "selector"],
        message:
          job.asg === undefined
            ? "give either asg (one group) or selector (every group with these tags)"
            : "give either asg or selector, not both",
      });
    }
    if (job.fanOut && job.selector) {
      ctx.addIssue({
        code: "custom",
        path: ["fanOut"],
        message: "belongs to one group's job (with asg), never to a selector request",
      });
    }
    if (job.count === undefined && job.percent === undefined) {
      ctx.addIssue({ code: "custom", path: ["count"], message: "give either count or percent" });
    }
    if (job.count !== undefined && job.percent !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["percent"],
        message: "give either count or percent, not both",
      });
    }
    if (job.schedule) {
      // A schedule's runs are named by their slot (one slot, one experiment), never by the sender.
      for (const field of ["requestId", "seed"] as const) {
        if (job[field] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [field],
            message: "is derived from schedule.name and schedule.slot: leave it out",
          });
        }
      }
    }
    const { deadlineSeconds, checkIntervalSeconds, targetSeconds } = job.recovery;
    if (checkIntervalSeconds >= deadlineSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["recovery", "checkIntervalSeconds"],
        message: `must be shorter than the deadline (${deadlineSeconds} s)`,
      });
    }
    if (targetSeconds !== undefined && targetSeconds > deadlineSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["recovery", "targetSeconds"],
        message: `cannot be longer than the deadline (${deadlineSeconds} s)`,
      });
    }
  });

/** A job message as written by a user (defaults not yet applied). */
export type JobMessageInput = z.input<typeof jobMessageSchema>;
type ParsedJob = Omit<z.output<typeof jobMessageSchema>, "asg" | "selector">;
/** A validated job message for one group, with every default applied. */
export type JobMessage = ParsedJob & { asg: string; selector?: undefined };
/** A validated job message for every group a selector matches (fan-out.ts in the producer). */
export type SelectorJobMessage = ParsedJob & { asg?: undefined; selector: Selector };
export type RecoveryOptions = JobMessage["recovery"];

export const isSelectorJob = (job: JobMessage | SelectorJobMessage): job is SelectorJobMessage =>
  job.selector !== undefined;

/** One reason a message was refused, in words a person understands. */
export const reasonSchema = z.object({
  /** Stable machine-readable code, e.g. `invalid-field`, `not-opted-in`. */
  code: z.string(),
  message: z.string(),
  /** Dotted path of the offending field, when there is one. */
  path: z.string().optional(),
});
export type Reason = z.infer<typeof reasonSchema>;

/** A message with thousands of unknown fields names the first few and counts the rest. */
const unknownKeysNamed = 20;

/** Turns zod issues into reasons that name the field: `recovery.deadlineSeconds: must be ...`. */
function describeIssues(error: z.ZodError): Reason[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      const named = issue.keys.slice(0, unknownKeysNamed);
      const keys = named.map((k) => JSON.stringify(`${path ? `${path}.` : ""}${k}`)).join(", ");
      const more = issue.keys.length - named.length;
      message = `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}${more > 0 ? ` and ${more} more` : ""}`;
      return { code: "unknown-field", message };
    }
    if (issue.code === "invalid_type" && issue.input === undefined) message = "is required";
    return path
      ? { code: "invalid-field", path, message: `${path}: ${message}` }
      : { code: "invalid-message", message };
  });
}

export type JobParseResult =
  { ok: true; job: JobMessage | SelectorJobMessage } | { ok: false; reasons: Reason[] };

/** Defaults the operator sets for job messages that leave a field out. */
export interface JobDefaults {
  /** The check interval when `recovery.checkIntervalSeconds` is absent; default 10. */
  checkIntervalSeconds?: number;
}

/** Parses a raw SQS body into a job message, or every reason it is not one. */
export function parseJobMessage(body: string, defaults: JobDefaults = {}): JobParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { ok: false, reasons: [{ code: "invalid-json", message: `not valid JSON: ${detail}` }] };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return {
      ok: false,
      reasons: [{ code: "invalid-message", message: "the job message must be a JSON object" }],
    };
  }
  const result = jobMessageSchema.safeParse(withDefaults(json, defaults), { reportInput: true });
  // Exactly one of asg and selector is set: the refinement above checks it.
  return result.success
    ? { ok: true, job: result.data as JobMessage | SelectorJobMessage }
    : { ok: false, reasons: describeIssues(result.error) };
}

/**
 * Fills in what the operator's defaults cover, before the schema applies its own.
 * Only absent fields are filled, and only in a recovery object that is an object:
 * whatever the sender wrote is left for the schema to judge.
 */
function withDefaults(json: object, defaults: JobDefaults): object {
  if (defaults.checkIntervalSeconds === undefined) return json;
  const { recovery } = json as { recovery?: unknown };
  if (recovery === undefined) {
    return { ...json, recovery: { checkIntervalSeconds: defaults.checkIntervalSeconds } };
  }
  if (typeof recovery !== "object" || recovery === null || Array.isArray(recovery)) return json;
  if ("checkIntervalSeconds" in recovery) return json;
  return {
    ...json,
    recovery: { ...recovery, checkIntervalSeconds: defaults.checkIntervalSeconds },
  };
}

/** JSON Schema of the job message as users write it (draft 2020-12). */
export function jobMessageJsonSchema(): Record<string, unknown> {
  return {
    $id: "urn:macaque:job-message:v1",
    title: "macaque job message v1",
    ...z.toJSONSchema(jobMessageSchema, { io: "input", unrepresentable: "any" }),
    // The refinement zod cannot express in JSON Schema: one group, or a selector.
    oneOf: [{ required: ["asg"] }, { required: ["selector"] }],
  };
}
