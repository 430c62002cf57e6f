import {
  DeleteIdentityCommand,
  GetIdentityVerificationAttributesCommand,
  ListIdentitiesCommand,
  VerifyEmailIdentityCommand,
  type SESClient,
} from "@aws-sdk/client-ses";
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SubscribeCommand,
  UnsubscribeCommand,
  type SNSClient,
} from "@aws-sdk/client-sns";
import { z } from "zod";
import { InvalidInputError } from "./errors.ts";

/**
 * Report recipients, as the seed's last step puts it: an SNS `email`
 * subscription to the reports topic (summaries) plus SES enrolment (so a
 * sandboxed SES account may mail the full report to the address).
 */

export interface RecipientServices {
  sns: SNSClient;
  ses: SESClient;
  reportsTopicArn: string;
}

export type SubscriptionState = "confirmed" | "pending confirmation" | "not subscribed";

export interface Recipient {
  address: string;
  subscription: SubscriptionState;
  /** Real ARNs only: a subscription still pending in real SNS has none to show. */
  subscriptionArns: string[];
  /** SES verification status (Success, Pending, Failed, ...), or `not enrolled`. */
  verification: string;
}

const emailProtocols = new Set(["email", "email-json"]);
/** SES answers at most this many identities per GetIdentityVerificationAttributes. */
const SES_LOOKUP_BATCH = 100;

/** Lower-cased and checked: SNS and SES compare addresses as given. */
export function checkAddress(text: string): string {
  const address = text.trim().toLowerCase();
  if (!z.email().safeParse(address).success) {
    throw new InvalidInputError(`"${text}" is not an email address`);
  }
  return address;
}

export async function addRecipient(
  services: RecipientServices,
  address: string,
): Promise<Recipient> {
  await services.sns.send(
    new SubscribeCommand({
      TopicArn: services.reportsTopicArn,
      Protocol: "email",
      Endpoint: address,
      ReturnSubscriptionArn: true,
    }),
  );
  await services.ses.send(new VerifyEmailIdentityCommand({ EmailAddress: address }));
  const found = (await listRecipients(services)).find((r) => r.address === address);
  return (
    found ?? {
      address,
      subscription: "not subscribed",
      subscriptionArns: [],
      verification: "not enrolled",
    }
  );
}

/** Every address subscribed to the reports topic or enrolled with SES, with both states. */
export async function listRecipients(services: RecipientServices): Promise<Recipient[]> {
  const [subscriptions, identities] = await Promise.all([
    emailSubscriptions(services.sns, services.reportsTopicArn),
    emailIdentities(services.ses),
  ]);
  const addresses = [
    ...new Set([...subscriptions.map((s) => s.address), ...identities.statuses.keys()]),
  ].sort();
  return addresses.map((address) => {
    const subs = subscriptions.filter((s) => s.address === address);
    const subscription: SubscriptionState = subs.some((s) => s.state === "confirmed")
      ? "confirmed"
      : subs.length > 0
        ? "pending confirmation"
        : "not subscribed";
    return {
      address,
      subscription,
      subscriptionArns: subs.flatMap((s) => (s.arn ? [s.arn] : [])),
      verification: identities.statuses.get(address) ?? "not enrolled",
    };
  });
}

export interface Removal {
  unsubscribed: number;
  /** Pending in real SNS: no ARN to unsubscribe; SNS drops it unless confirmed. */
  pendingLeft: number;
  wasEnrolled: boolean;
}

export async function removeRecipient(
  services: RecipientServices,
  address: string,
): Promise<Removal> {
  const [subscriptions, identities] = await Promise.all([
    emailSubscriptions(services.sns, services.reportsTopicArn),
    emailIdentities(services.ses),
  ]);
  const mine = subscriptions.filter((s) => s.address === address);
  let unsubscribed = 0;
  for (const s of mine) {
    if (!s.arn) continue;
    await services.sns.send(new UnsubscribeCommand({ SubscriptionArn: s.arn }));
    unsubscribed++;
  }
  // Deleted under the spelling SES holds it by, which may differ in case.
  const spellings = identities.names.filter((n) => n.toLowerCase() === address);
  for (const identity of spellings) {
    await services.ses.send(new DeleteIdentityCommand({ Identity: identity }));
  }
  return {
    unsubscribed,
    pendingLeft: mine.length - unsubscribed,
    wasEnrolled: spellings.length > 0,
  };
}

/** The table `recipients list` prints. */
export function formatRecipients(recipients: readonly Recipient[], topicName: string): string[] {
  if (recipients.length === 0) {
    return [`no recipients: add one with macaque recipients add ADDRESS`];
  }
  const header = ["ADDRESS", `REPORTS TOPIC (${topicName})`, "SES VERIFICATION"];
  const rows = recipients.map((r) => [r.address, r.subscription, r.verification]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) =>
    row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join("  "),
  );
}

interface EmailSubscription {
  address: string;
  arn?: string;
  state: "confirmed" | "pending confirmation";
}

async function emailSubscriptions(sns: SNSClient, topicArn: string): Promise<EmailSubscription[]> {
  const found: EmailSubscription[] = [];
  let token: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
    );
    for (const s of page.Subscriptions ?? []) {
      if (!emailProtocols.has(s.Protocol ?? "") || !s.Endpoint) continue;
      const address = s.Endpoint.toLowerCase();
      // Real SNS lists a pending subscription with the ARN "PendingConfirmation".
      if (!s.SubscriptionArn?.startsWith("arn:")) {
        found.push({ address, state: "pending confirmation" });
        continue;
      }
      const attrs = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }),
      );
      const pending = attrs.Attributes?.PendingConfirmation === "true";
      found.push({
        address,
        arn: s.SubscriptionArn,
        state: pending ? "pending confirmation" : "confirmed",
      });
    }
    token = page.NextToken;
  } while (token);
  return found;
}

interface EmailIdentities {
  /** Verification status by lower-cased address. */
  statuses: Map<string, string>;
  /** The identities as SES spells them. */
  names: string[];
}

async function emailIdentities(ses: SESClient): Promise<EmailIdentities> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await ses.send(
      new ListIdentitiesCommand({ IdentityType: "EmailAddress", NextToken: token }),
    );
    names.push(...(page.Identities ?? []));
    token = page.NextToken;
  } while (token);
  const statuses = new Map<string, string>();
  for (let i = 0; i < names.length; i += SES_LOOKUP_BATCH) {
    const batch = names.slice(i, i + SES_LOOKUP_BATCH);
    const out = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: batch }));
    for (const name of batch) {
      const status = out.VerificationAttributes?.[name]?.VerificationStatus ?? "NotStarted";
      statuses.set(name.toLowerCase(), status);
    }
  }
  return { statuses, names };
}
