import type { SESClient } from "@aws-sdk/client-ses";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { Logger } from "@macaque/shared";
import { listEnrolledRecipients } from "@macaque/shared/enrolled-recipients";

/**
 * Everyone enrolled with `macaque recipients add` receives every report; who
 * that is, is shared's `listEnrolledRecipients`, the same list
 * `macaque recipients list` shows.
 *
 * Read through a short cache, since a report is rare and SES's identity calls
 * are rate-limited. If SNS or SES cannot be asked, the last answer stands (or
 * nobody extra): a report is never held up by the enrolment list.
 */
export function createEnrolledRecipients(options: {
  ses: SESClient;
  sns: SNSClient;
  reportsTopicArn: string;
  senderEmail: string;
  logger: Logger;
  /** How long an answer is reused. Default 60 000 ms. */
  ttlMs?: number;
  now?: () => number;
}): () => Promise<string[]> {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; addresses: string[] } | undefined;
  return async () => {
    if (cached && now() - cached.at < ttlMs) return cached.addresses;
    try {
      cached = { at: now(), addresses: await listEnrolledRecipients(options) };
    } catch (err) {
      options.logger.warn(
        { event: "recipients.enrolled-unavailable", err },
        "could not read the enrolled recipients from SNS or SES; using the last known list",
      );
    }
    return cached?.addresses ?? [];
  };
}
