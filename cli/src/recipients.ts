import {
  DeleteIdentityCommand,
  VerifyEmailIdentityCommand,
  type SESClient,
} from "@aws-sdk/client-ses";
import { SubscribeCommand, UnsubscribeCommand, type SNSClient } from "@aws-sdk/client-sns";
import { isEmailAddress } from "@macaque/shared";
import { listEnrolledRecipients } from "@macaque/shared/enrolled-recipients";
import {
  forgetEnrolment,
  readEnrolmentRecords,
  recordEnrolment,
  recordKey,
} from "./enrolment-record.ts";
import { InvalidInputError } from "./errors.ts";
import {
  emailSubscriptions,
  identityNames,
  identityStatus,
  type EmailSubscription,
} from "./recipient-state.ts";

/**
 * Report recipients, as the seed's last step puts it: an SNS `email`
 * subscription to the reports topic (summaries) plus SES enrolment (so a
 * sandboxed SES account may mail the full report to the address). Who counts
 * is shared's `listEnrolledRecipients`, the notifier's own definition.
 */

export interface RecipientServices {
  sns: SNSClient;
  ses: SESClient;
  reportsTopicArn: string;
  /** The notifier's SENDER_EMAIL when known: never enrolled, never removed. */
  senderEmail?: string | undefined;
}

export type SubscriptionState = "confirmed" | "pending confirmation" | "not subscribed";

export interface Recipient {
  address: string;
  subscription: SubscriptionState;
  /** Real ARNs only: a subscription still pending in real SNS has none to show. */
  subscriptionArns: string[];
  /** SES verification status (Success, Pending, Failed, ...), or `not enrolled`. */
  verification: string;
  /** Whether macaque created the SES identity, so `remove` would delete it. */
  identityByMacaque: boolean;
}

/** Lower-cased and checked: SNS and SES compare addresses as given. */
export function checkAddress(text: string): string {
  const address = text.trim().toLowerCase();
  if (!isEmailAddress(address)) {
    throw new InvalidInputError(`"${text}" is not an email address`);
  }
  return address;
}

export interface Addition {
  recipient: Recipient;
  /** The SES identity existed before and is not macaque's: left as it was. */
  identityKept: boolean;
}

export async function addRecipient(
  services: RecipientServices,
  address: string,
): Promise<Addition> {
  refuseSender(services, address, "adding");
  await services.sns.send(
    new SubscribeCommand({
      TopicArn: services.reportsTopicArn,
      Protocol: "email",
      Endpoint: address,
      ReturnSubscriptionArn: true,
    }),
  );
  const [status, records] = await Promise.all([
    identityStatus(services.ses, address),
    readEnrolmentRecords(services.sns, services.reportsTopicArn),
  ]);
  const ours = records.has(recordKey(address));
  if (status === undefined) {
    // Recorded first: an identity macaque made is never left without its record.
    await recordEnrolment(services.sns, services.reportsTopicArn, address);
  }
  if (status === undefined || (ours && status !== "Success")) {
    await services.ses.send(new VerifyEmailIdentityCommand({ EmailAddress: address }));
  }
  return {
    recipient: await describeRecipient(services, address),
    identityKept: status !== undefined && !ours,
  };
}

/** Exactly the addresses the notifier mails every report to, with their states. */
export async function listRecipients(services: RecipientServices): Promise<Recipient[]> {
  const [enrolled, subscriptions, records] = await Promise.all([
    listEnrolledRecipients(services),
    emailSubscriptions(services.sns, services.reportsTopicArn),
    readEnrolmentRecords(services.sns, services.reportsTopicArn),
  ]);
  return enrolled.map((address) =>
    recipientOf(address, subscriptions, "Success", records.has(recordKey(address))),
  );
}

export interface Removal {
  unsubscribed: number;
  /** Pending in real SNS: no ARN to unsubscribe; SNS drops it unless confirmed. */
  pendingLeft: number;
  /** What became of the SES identity. */
  identity: "deleted" | "kept, not macaque's" | "none";
}

export async function removeRecipient(
  services: RecipientServices,
  address: string,
): Promise<Removal> {
  refuseSender(services, address, "removing");
  const [subscriptions, names, records] = await Promise.all([
    emailSubscriptions(services.sns, services.reportsTopicArn),
    identityNames(services.ses),
    readEnrolmentRecords(services.sns, services.reportsTopicArn),
  ]);
  const mine = subscriptions.filter((s) => s.address === address);
  let unsubscribed = 0;
  for (const s of mine) {
    if (!s.arn) continue;
    await services.sns.send(new UnsubscribeCommand({ SubscriptionArn: s.arn }));
    unsubscribed++;
  }
  const removal = { unsubscribed, pendingLeft: mine.length - unsubscribed };
  // Deleted under the spelling SES holds it by, which may differ in case.
  const spellings = names.filter((n) => n.toLowerCase() === address);
  if (!records.has(recordKey(address))) {
    return { ...removal, identity: spellings.length > 0 ? "kept, not macaque's" : "none" };
  }
  for (const identity of spellings) {
    await services.ses.send(new DeleteIdentityCommand({ Identity: identity }));
  }
  await forgetEnrolment(services.sns, services.reportsTopicArn, address);
  return { ...removal, identity: spellings.length > 0 ? "deleted" : "none" };
}

/** The table `recipients list` prints. */
export function formatRecipients(recipients: readonly Recipient[], topicName: string): string[] {
  if (recipients.length === 0) {
    return [`no recipients: add one with macaque recipients add ADDRESS`];
  }
  const header = ["ADDRESS", `REPORTS TOPIC (${topicName})`, "SES VERIFICATION", "SES IDENTITY"];
  const rows = recipients.map((r) => [
    r.address,
    r.subscription,
    r.verification,
    r.identityByMacaque ? "enrolled by macaque" : "not macaque's (kept on remove)",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) =>
    row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join("  "),
  );
}

function refuseSender(services: RecipientServices, address: string, doing: string): void {
  if (services.senderEmail?.toLowerCase() !== address) return;
  throw new InvalidInputError(
    `not ${doing} ${address}: it is the report sender (SENDER_EMAIL)`,
    doing === "removing"
      ? ["deleting its SES identity would stop every report; the notifier never mails it anyway"]
      : ["the notifier never mails the sender"],
  );
}

async function describeRecipient(services: RecipientServices, address: string): Promise<Recipient> {
  const [subscriptions, status, records] = await Promise.all([
    emailSubscriptions(services.sns, services.reportsTopicArn),
    identityStatus(services.ses, address),
    readEnrolmentRecords(services.sns, services.reportsTopicArn),
  ]);
  return recipientOf(
    address,
    subscriptions,
    status ?? "not enrolled",
    records.has(recordKey(address)),
  );
}

function recipientOf(
  address: string,
  subscriptions: readonly EmailSubscription[],
  verification: string,
  identityByMacaque: boolean,
): Recipient {
  const subs = subscriptions.filter((s) => s.address === address && s.protocol === "email");
  const subscription: SubscriptionState = subs.some((s) => s.state === "confirmed")
    ? "confirmed"
    : subs.length > 0
      ? "pending confirmation"
      : "not subscribed";
  return {
    address,
    subscription,
    subscriptionArns: subs.flatMap((s) => (s.arn ? [s.arn] : [])),
    verification,
    identityByMacaque,
  };
}
