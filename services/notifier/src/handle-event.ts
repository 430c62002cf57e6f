import type { SESClient } from "@aws-sdk/client-ses";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { Message } from "@aws-sdk/client-sqs";
import {
  EventType,
  createEvent,
  eventSource,
  QueueRole,
  plural,
  readEvent,
  publishEvent,
  type AnyCloudEvent,
  type MessageContext,
  ServiceName,
} from "@macaque/shared";
import type { ArchiveItem } from "@macaque/shared/history";
import { buildArchiveItem } from "./archive-record.ts";
import { publishReportSummary, sendReportEmail } from "./channels.ts";
import type { ControlLog } from "./control-log.ts";
import type { Deliveries, DeliveryOutcome } from "./deliveries.ts";
import type { NotifierMetrics } from "./notifier-metrics.ts";
import { chunkRecipients, resolveRecipients } from "./recipients.ts";
import { buildReport, renderReport } from "./render-report.ts";
import type { RenderedReport } from "./report.ts";

export interface EventHandlerOptions {
  ses: SESClient;
  sns: SNSClient;
  deliveries: Deliveries;
  senderEmail: string;
  /** Who receives every report besides those a request names (configured and enrolled). */
  defaultRecipients: () => Promise<readonly string[]>;
  /** ALLOWED_EMAIL_DOMAINS: no report is e-mailed outside them (default none: any domain). */
  allowedEmailDomains?: readonly string[];
  reportsTopicArn: string;
  eventsTopicArn: string;
  counters: NotifierMetrics;
  /** Halts and resumes, kept so a recovery report can mention those while it was measured. */
  controlLog: ControlLog;
  /**
   * Writes the experiment's record to the history bucket (absent without
   * HISTORY_BUCKET); resolves with the record's key.
   */
  archive?: (item: ArchiveItem) => Promise<string>;
}

/** Reads an event from the notifications queue and sends the report it calls for, once. */
export function createEventHandler(options: EventHandlerOptions) {
  return async (message: Message, context: MessageContext): Promise<void> => {
    const event = readEvent(message, QueueRole.notifications);
    const logger = context.logger.child({ experimentId: event.subject, eventType: event.type });
    if (isControlEvent(event)) {
      await options.controlLog.record(event.data);
    }
    const controlChanges =
      event.type === EventType.recoveryCompleted
        ? await options.controlLog.between(event.data.timeline.terminatedAt, event.time)
        : [];
    const report = buildReport(event, controlChanges);
    if (!report) {
      logger.debug({ event: "report.skipped" }, "not reporting: the plan is not a dry run");
      return;
    }
    const rendered = renderReport(report);
    const recipients = resolveRecipients(
      notifyEmails(event),
      await options.defaultRecipients(),
      options.allowedEmailDomains,
    );
    if (recipients.dropped.length > 0) {
      logger.warn(
        { event: "report.recipients-dropped", dropped: recipients.dropped },
        "not emailing invalid addresses",
      );
    }
    if (recipients.outside.length > 0) {
      logger.warn(
        { event: "report.recipients-outside-allow-list", outside: recipients.outside },
        "not emailing addresses outside ALLOWED_EMAIL_DOMAINS",
      );
    }
    const chunks = chunkRecipients(recipients.addresses);

    const outcome = await options.deliveries.deliver(report, chunks.length, {
      sendEmail: (i) =>
        sendReportEmail(options.ses, {
          source: options.senderEmail,
          to: chunks[i] ?? [],
          report: rendered,
        }),
      publishSummary: () =>
        publishReportSummary(options.sns, { topicArn: options.reportsTopicArn, report: rendered }),
      publishReportSent: (sent) => publishReportSent(options, rendered, recipients.addresses, sent),
    });
    count(options, rendered, outcome);
    const newlyRejected = outcome.performed.includes("email-rejected")
      ? outcome.rejectedEmails
      : [];
    for (const reason of newlyRejected) {
      logger.error(
        { event: "report.email-rejected", reason },
        `SES refused the report email: ${reason}`,
      );
    }
    const delivery = describeDelivery(report.kind, recipients.addresses.length, outcome);
    logger.info(
      {
        event: delivery.event,
        kind: report.kind,
        subject: rendered.subject,
        recipients: recipients.addresses.length,
        sesMessageIds: outcome.sesMessageIds,
        snsMessageId: outcome.snsMessageId,
        performed: outcome.performed,
      },
      delivery.message,
    );
    // After the report: an S3 outage must not hold it up. A failed write throws,
    // SQS redelivers, the recorded deliveries skip the e-mail and summary, and
    // the write is tried again (then the DLQ keeps the event for a redrive).
    // Halts and resumes are not experiments: their reports are not archived.
    if (options.archive && !isControlEvent(event)) {
      const key = await options.archive(buildArchiveItem(event, rendered));
      options.counters.experimentsArchived.inc({ kind: report.kind });
      logger.info({ event: "experiment.archived", key }, `archived the experiment as ${key}`);
    }
  };
}

/**
 * What the log says a delivery did. "sent" only when SES took an email: a
 * report that went to nobody was published on the reports topic, no more.
 */
export function describeDelivery(
  kind: string,
  recipients: number,
  outcome: Pick<DeliveryOutcome, "performed" | "sesMessageIds">,
): { event: string; message: string } {
  if (outcome.performed.length === 0) {
    return { event: "report.duplicate", message: "already sent: nothing to do" };
  }
  if (outcome.sesMessageIds.length > 0) {
    return {
      event: "report.sent",
      message: `sent ${kind} report to ${plural(recipients, "recipient")}`,
    };
  }
  return {
    event: "report.published",
    message:
      recipients === 0
        ? `published ${kind} report; no recipients to e-mail`
        : `published ${kind} report; SES refused every e-mail`,
  };
}

function notifyEmails(event: AnyCloudEvent): readonly string[] {
  if (event.type === EventType.experimentRejected) return event.data.notify.emails;
  return "experiment" in event.data ? event.data.experiment.notify.emails : [];
}

function count(
  options: EventHandlerOptions,
  report: RenderedReport,
  outcome: DeliveryOutcome,
): void {
  for (const step of outcome.performed) {
    if (step === "email") options.counters.emailsSent.inc();
    if (step === "email-rejected") options.counters.emailsRejected.inc();
    if (step === "summary") options.counters.reportsPublished.inc({ kind: report.kind });
  }
}

/**
 * The event id is derived from the experiment and kind, so that if a crash
 * repeats this publish, consumers can tell the copies are one report.
 */
async function publishReportSent(
  options: EventHandlerOptions,
  report: RenderedReport,
  recipients: string[],
  sent: Omit<DeliveryOutcome, "eventMessageId" | "performed">,
): Promise<string> {
  const event = createEvent(EventType.reportSent, {
    source: eventSource(ServiceName.notifier),
    subject: report.experimentId,
    id: `report-sent:${report.kind}:${report.experimentId}`,
    now: new Date(sent.sentAt),
    data: {
      experimentId: report.experimentId,
      reportKind: report.kind,
      recipients,
      subject: report.subject,
      ...(sent.sesMessageIds[0] ? { sesMessageId: sent.sesMessageIds[0] } : {}),
      snsMessageId: sent.snsMessageId,
      sentAt: sent.sentAt,
    },
  });
  return publishEvent(options.sns, options.eventsTopicArn, event);
}

function isControlEvent<E extends { type: string }>(
  event: E,
): event is Extract<E, { type: typeof EventType.controlHalted | typeof EventType.controlResumed }> {
  return event.type === EventType.controlHalted || event.type === EventType.controlResumed;
}
