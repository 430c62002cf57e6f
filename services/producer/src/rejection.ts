import type { z } from "zod";
import {
  fanOutSchema,
  isEmailAddress,
  jobMessageSchema,
  selectorSchema,
  type FanOut,
  type Selector,
  type EventData,
  type EventType,
  type Reason,
} from "@macaque/shared";

export type Rejection = EventData<typeof EventType.experimentRejected>;
export type RejectionStage = Rejection["stage"];

/** What a rejection report needs to reach the requester. */
export interface RequestFields {
  requestId?: string | undefined;
  asg?: string | undefined;
  requestedBy?: string | undefined;
  emails: string[];
  /** The selector request's selector, or the one a group's job was fanned out from. */
  selector?: Selector | undefined;
  parentRequestId?: string | undefined;
}

/** What a rejection says of a job's origin: a selector request, or one group's share of one. */
export const originFields = (job: {
  selector?: Selector | undefined;
  fanOut?: FanOut | undefined;
}): Pick<RequestFields, "selector" | "parentRequestId"> =>
  job.fanOut
    ? { selector: job.fanOut.selector, parentRequestId: job.fanOut.parentRequestId }
    : { selector: job.selector };

const RECEIVED_BODY_MAX = 4096;
/** Reasons a rejection lists; the rest are counted in one more. */
const REASONS_MAX = 20;
/** Characters of one reason's message or path. */
const REASON_TEXT_MAX = 1000;
const { asg, requestId, requestedBy } = jobMessageSchema.shape;

/**
 * Reads what it can from a message that failed validation, so the rejection
 * still names the request and reaches the addresses it asked to notify. Each
 * field passes the job message's own rule for it or is left out.
 */
export function salvageRequestFields(body: string): RequestFields {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { emails: [] };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { emails: [] };
  const raw = json as Record<string, unknown>;
  const pick = <T>(schema: z.ZodType<T>, value: unknown): T | undefined => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };
  const notify = raw.notify as { emails?: unknown } | undefined;
  const emails = Array.isArray(notify?.emails) ? notify.emails : [];
  return {
    requestId: pick(requestId, raw.requestId),
    asg: pick(asg, raw.asg),
    requestedBy: pick(requestedBy, raw.requestedBy),
    ...originFields({
      selector: pick(selectorSchema, raw.selector),
      fanOut: pick(fanOutSchema, raw.fanOut),
    }),
    emails: emails
      .filter((e): e is string => typeof e === "string" && isEmailAddress(e))
      .slice(0, 50),
  };
}

/** A schema violation whose only reason is bad JSON was never a job message at all. */
export function stageOf(reasons: readonly Reason[]): RejectionStage {
  return reasons.some((r) => r.code === "invalid-json") ? "parse" : "validation";
}

export function buildRejection(options: {
  experimentId: string;
  requestId: string;
  fields: RequestFields;
  stage: RejectionStage;
  reasons: Reason[];
  body: string;
  now: Date;
}): Rejection {
  const { fields } = options;
  return {
    experimentId: options.experimentId,
    requestId: options.requestId,
    ...(fields.asg !== undefined && { asg: fields.asg }),
    ...(fields.requestedBy !== undefined && { requestedBy: fields.requestedBy }),
    ...(fields.selector !== undefined && { selector: fields.selector }),
    ...(fields.parentRequestId !== undefined && { parentRequestId: fields.parentRequestId }),
    notify: { emails: fields.emails },
    stage: options.stage,
    reasons: boundReasons(options.reasons),
    rejectedAt: options.now.toISOString(),
    receivedBody: options.body.slice(0, RECEIVED_BODY_MAX),
  };
}

/**
 * Keeps a rejection far below SNS's 256 KB whatever the body held (a message with
 * 30,000 bad fields has 30,000 reasons): the first reasons, each clipped with a
 * note of what was cut, and one reason counting the rest.
 */
export function boundReasons(reasons: readonly Reason[]): Reason[] {
  const clipText = (text: string) =>
    text.length <= REASON_TEXT_MAX
      ? text
      : `${text.slice(0, REASON_TEXT_MAX)}... (${text.length - REASON_TEXT_MAX} more characters)`;
  const kept = reasons.length > REASONS_MAX ? reasons.slice(0, REASONS_MAX - 1) : reasons;
  const bounded = kept.map((r) => ({
    code: clipText(r.code),
    message: clipText(r.message),
    ...(r.path !== undefined && { path: clipText(r.path) }),
  }));
  const more = reasons.length - kept.length;
  return more > 0
    ? [...bounded, { code: "more-reasons", message: `and ${more} more reasons, not listed` }]
    : bounded;
}
