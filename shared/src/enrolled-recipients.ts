import { GetIdentityVerificationAttributesCommand, type SESClient } from "@aws-sdk/client-ses";
import { paginateListSubscriptionsByTopic, type SNSClient } from "@aws-sdk/client-sns";
import { chunk } from "./chunk.ts";

/**
 * Who receives every report besides the addresses a request names: the one
 * definition the notifier mails by and `macaque recipients list` shows.
 *
 * An enrolled recipient is an address subscribed to the reports topic with
 * protocol `email` (confirmed or still pending; `email-json` is for programs,
 * not people) that SES has also verified, minus the sender. Both are needed,
 * since in a shared account other teams' verified SES addresses are not ours.
 * Addresses are compared lower-cased, as `recipients add` stores them.
 *
 * Imported from `@macaque/shared/enrolled-recipients`, not the package index,
 * so that only the notifier and the CLI load the SES client.
 */
export interface EnrolledRecipientsSource {
  ses: SESClient;
  sns: SNSClient;
  reportsTopicArn: string;
  /** The From address of the reports; never a recipient. */
  senderEmail?: string | undefined;
}

/** SES answers at most this many identities per GetIdentityVerificationAttributes. */
const SES_LOOKUP_BATCH = 100;

/** The enrolled recipients, lower-cased and sorted. */
export async function listEnrolledRecipients(source: EnrolledRecipientsSource): Promise<string[]> {
  const subscribed = await listEmailSubscribers(source.sns, source.reportsTopicArn);
  if (source.senderEmail) subscribed.delete(source.senderEmail.toLowerCase());
  return (await keepVerified(source.ses, subscribed)).sort();
}

/**
 * Each `email` endpoint on the topic, by lower-cased address, with the
 * spellings to ask SES under: as subscribed, and lower-cased as
 * `recipients add` enrols it.
 */
async function listEmailSubscribers(
  sns: SNSClient,
  topicArn: string,
): Promise<Map<string, Set<string>>> {
  const spellings = new Map<string, Set<string>>();
  for await (const page of paginateListSubscriptionsByTopic(
    { client: sns },
    { TopicArn: topicArn },
  )) {
    for (const s of page.Subscriptions ?? []) {
      // A pending subscription counts (real SNS shows it as "PendingConfirmation");
      // one just unsubscribed in the console shows as "Deleted".
      if (s.Protocol !== "email" || !s.Endpoint || s.SubscriptionArn === "Deleted") continue;
      const address = s.Endpoint.toLowerCase();
      const known = spellings.get(address) ?? new Set([address]);
      spellings.set(address, known.add(s.Endpoint));
    }
  }
  return spellings;
}

/** The addresses SES has verified under any of their spellings. */
async function keepVerified(
  ses: SESClient,
  spellings: Map<string, Set<string>>,
): Promise<string[]> {
  const names = [...spellings.values()].flatMap((set) => [...set]);
  const verified = new Set<string>();
  for (const batch of chunk(names, SES_LOOKUP_BATCH)) {
    const out = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: batch }));
    for (const [identity, attributes] of Object.entries(out.VerificationAttributes ?? {})) {
      if (attributes.VerificationStatus === "Success") verified.add(identity.toLowerCase());
    }
  }
  return [...spellings.keys()].filter((address) => verified.has(address));
}
