/**
 * A queue subscribed to a stack's reports topic, where the notifier publishes its
 * summaries (for email and SMS subscribers): the test reads them as a subscriber
 * would, Subject included.
 */
import type { Stack } from "@macaque/sandbox";
import { receiveAndDelete, snsAt, sqsAt, subscribeQueue, uniquePrefix } from "./aws.ts";
import { waitFor, type WaitOptions } from "./wait.ts";

export interface ReportSummary {
  /** The SNS Subject (the report email's subject). */
  subject?: string;
  message: string;
}

export interface ReportsInbox {
  /** Every summary received so far. */
  readonly seen: readonly ReportSummary[];
  /** Resolves with the first summary (seen or future) that matches. Default timeout 15 s. */
  waitForSummary(
    what: string,
    match: (summary: ReportSummary) => boolean,
    options?: WaitOptions,
  ): Promise<ReportSummary>;
  /** Destroys its clients (the queue goes with the stack). */
  close(): void;
}

export async function openReportsInbox(stack: Stack): Promise<ReportsInbox> {
  const sqs = sqsAt(stack.endpoints.sqs);
  const sns = snsAt(stack.endpoints.sns);
  // Without raw delivery, so the SNS envelope shows the Subject.
  const queueUrl = await subscribeQueue(
    { sqs, sns },
    stack.topology.topics.reports.arn,
    uniquePrefix("reports"),
    { raw: false },
  );
  const seen: ReportSummary[] = [];
  const receive = async () => {
    for (const m of await receiveAndDelete(sqs, queueUrl)) {
      const envelope = JSON.parse(m.Body ?? "{}") as { Subject?: string; Message?: string };
      seen.push({
        ...(envelope.Subject ? { subject: envelope.Subject } : {}),
        message: envelope.Message ?? "",
      });
    }
  };
  return {
    seen,
    // Each check is one long poll, so the wait needs no pause of its own.
    waitForSummary: (what, match, options = {}) =>
      waitFor(what, async () => seen.find(match) ?? (await receive(), seen.find(match)), {
        everyMs: 0,
        ...options,
      }),
    close: () => {
      sqs.destroy();
      sns.destroy();
    },
  };
}
