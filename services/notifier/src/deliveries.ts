import { recordFields, redisKey, tryClaim, type Redis, type ReportKind } from "@macaque/shared";

/**
 * Once per experiment and report kind, even when SQS or SNS delivers an event
 * twice: a Redis hash `<prefix>:notifier:report:<experimentId>:<kind>` records
 * each step as it completes (every email with its SES MessageId, the summary
 * with its SNS MessageId, then the report.sent event). A redelivery skips what
 * is recorded, so a crash between two steps neither loses nor repeats one. A
 * short claim (SET NX PX) keeps two concurrent deliveries from both sending.
 */

export class ReportBusyError extends Error {
  override name = "ReportBusyError";
}

export class ClaimLostError extends Error {
  override name = "ClaimLostError";
}

export type EmailResult = { messageId: string } | { rejected: string };

export interface DeliverySteps {
  /** Sends email `index` (one per group of recipients). */
  sendEmail(index: number): Promise<EmailResult>;
  /** Publishes the summary to the reports topic; resolves with the SNS MessageId. */
  publishSummary(): Promise<string>;
  /** Announces the report on the events topic; resolves with the SNS MessageId. */
  publishReportSent(sent: Omit<DeliveryOutcome, "eventMessageId" | "performed">): Promise<string>;
}

export type Step = "email" | "email-rejected" | "summary" | "event";

export interface DeliveryOutcome {
  sesMessageIds: string[];
  /** Emails SES refused for good (unverified sender or recipient), with its reason. */
  rejectedEmails: string[];
  snsMessageId: string;
  eventMessageId: string;
  /** When the first step ran: the same for every redelivery. */
  sentAt: string;
  /** The steps this delivery carried out; the others were done before. */
  performed: Step[];
}

export interface DeliveriesOptions {
  redis: Redis;
  /** REDIS_KEY_PREFIX. */
  keyPrefix: string;
  /** How long a claim lasts; renewed before each step. Keep it above one step's worst case (SDK timeout x attempts). */
  claimTtlMs: number;
  /** How long a record outlives its last step. Default 14 days, SQS's longest retention. */
  retentionSeconds?: number;
  now?: () => Date;
}

export type Deliveries = ReturnType<typeof createDeliveries>;

export function createDeliveries(options: DeliveriesOptions) {
  const { redis, claimTtlMs } = options;
  const retention = options.retentionSeconds ?? 14 * 24 * 3600;
  const now = options.now ?? (() => new Date());

  const recordKey = (experimentId: string, kind: ReportKind): string =>
    redisKey(options.keyPrefix, "notifier", "report", experimentId, kind);

  async function deliver(
    report: { experimentId: string; kind: ReportKind },
    emailCount: number,
    steps: DeliverySteps,
  ): Promise<DeliveryOutcome> {
    const key = recordKey(report.experimentId, report.kind);
    const claim = await tryClaim(redis, { key: `${key}:claim`, ttlMs: claimTtlMs });
    if (!claim) {
      throw new ReportBusyError(`not sending yet: another delivery of ${key} is in progress`);
    }
    const record = (field: string, value: string) =>
      recordFields(redis, key, { [field]: value }, retention);
    const renewClaim = async () => {
      if (!(await claim.renew())) {
        throw new ClaimLostError(`not sending: the claim on ${key} expired`);
      }
    };
    try {
      const done: Record<string, string> = await redis.hgetall(key);
      const performed: Step[] = [];
      const sentAt = done.sentAt ?? now().toISOString();
      if (done.sentAt === undefined) await record("sentAt", sentAt);

      const emails: string[] = [];
      for (let i = 0; i < emailCount; i++) {
        let entry = done[`email:${i}`];
        if (entry === undefined) {
          await renewClaim();
          const result = await steps.sendEmail(i);
          entry =
            "messageId" in result ? `sent:${result.messageId}` : `rejected:${result.rejected}`;
          await record(`email:${i}`, entry);
          performed.push("messageId" in result ? "email" : "email-rejected");
        }
        emails.push(entry);
      }
      const sesMessageIds = emails.filter((e) => e.startsWith("sent:")).map((e) => e.slice(5));
      const rejectedEmails = emails.filter((e) => e.startsWith("rejected:")).map((e) => e.slice(9));

      let snsMessageId = done.summary;
      if (snsMessageId === undefined) {
        await renewClaim();
        snsMessageId = await steps.publishSummary();
        await record("summary", snsMessageId);
        performed.push("summary");
      }
      let eventMessageId = done.event;
      if (eventMessageId === undefined) {
        await renewClaim();
        eventMessageId = await steps.publishReportSent({
          sesMessageIds,
          rejectedEmails,
          snsMessageId,
          sentAt,
        });
        await record("event", eventMessageId);
        performed.push("event");
      }
      return { sesMessageIds, rejectedEmails, snsMessageId, eventMessageId, sentAt, performed };
    } finally {
      await claim.release().catch(() => undefined);
    }
  }

  return { deliver, recordKey };
}
