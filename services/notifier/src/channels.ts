import {
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SendEmailCommand,
  type SESClient,
} from "@aws-sdk/client-ses";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { reportKindAttribute } from "@macaque/shared";
import type { EmailResult } from "./deliveries.ts";
import type { RenderedReport } from "./report.ts";

/** The two ways a report leaves: an SES email and a summary on the reports topic. */

/**
 * SES v1 SendEmail with a text and an HTML part. A refusal that retrying cannot
 * fix (an unverified sender or recipient) comes back as `rejected`, so the
 * summary is still published; throttling and network faults are thrown.
 */
export async function sendReportEmail(
  ses: SESClient,
  options: { source: string; to: string[]; report: RenderedReport },
): Promise<EmailResult> {
  const { report } = options;
  try {
    const out = await ses.send(
      new SendEmailCommand({
        Source: options.source,
        Destination: { ToAddresses: options.to },
        Message: {
          Subject: { Data: report.subject, Charset: "UTF-8" },
          Body: {
            Text: { Data: report.text, Charset: "UTF-8" },
            Html: { Data: report.html, Charset: "UTF-8" },
          },
        },
      }),
    );
    return { messageId: out.MessageId ?? "" };
  } catch (err) {
    if (err instanceof MessageRejected || err instanceof MailFromDomainNotVerifiedException) {
      return { rejected: `${err.name}: ${err.message}` };
    }
    throw err;
  }
}

/**
 * The short version for the reports topic's subscribers (email, SMS). The
 * `kind` attribute lets a subscription filter, e.g. SMS for failures only.
 */
export async function publishReportSummary(
  sns: SNSClient,
  options: { topicArn: string; report: RenderedReport },
): Promise<string> {
  const out = await sns.send(
    new PublishCommand({
      TopicArn: options.topicArn,
      Subject: options.report.subject,
      Message: options.report.summary,
      MessageAttributes: {
        [reportKindAttribute]: { DataType: "String", StringValue: options.report.kind },
      },
    }),
  );
  return out.MessageId ?? "";
}
