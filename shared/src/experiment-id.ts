import { createHash } from "node:crypto";

/**
 * The experiment id is derived from the request id (the job's `requestId`, else
 * the SQS message id), so a redelivered or resent request maps to the same
 * experiment and every service can dedupe on it. A client that sets requestId
 * knows the experiment id before the producer has seen the message.
 */
export const experimentIdFor = (requestId: string): string =>
  `exp-${createHash("sha256").update(requestId).digest("hex").slice(0, 16)}`;
