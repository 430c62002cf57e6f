import type { z } from "zod";
import {
  isEmailAddress,
  jobMessageSchema,
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
}

const RECEIVED_BODY_MAX = 4096;
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
    notify: { emails: fields.emails },
    stage: options.stage,
    reasons: options.reasons,
    rejectedAt: options.now.toISOString(),
    receivedBody: options.body.slice(0, RECEIVED_BODY_MAX),
  };
}
