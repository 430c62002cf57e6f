import { GetIdentityVerificationAttributesCommand, type SESClient } from "@aws-sdk/client-ses";
import { ListSubscriptionsByTopicCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { Logger } from "@macaque/shared";

/** SES answers at most this many identities per GetIdentityVerificationAttributes. */
const SES_LOOKUP_BATCH = 100;

/**
 * Everyone enrolled with `macaque recipients add` receives every report: the
 * addresses subscribed to the reports topic with protocol `email` (confirmed or
 * still pending) that SES has also verified, minus the sender. Both are needed,
 * since in a shared account other teams' verified SES addresses are not ours.
 * Addresses are compared lower-cased, as `recipients add` stores them.
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
  const sender = options.senderEmail.toLowerCase();
  let cached: { at: number; addresses: string[] } | undefined;
  return async () => {
    if (cached && now() - cached.at < ttlMs) return cached.addresses;
    try {
      const subscribed = await listEmailSubscribers(options.sns, options.reportsTopicArn);
      subscribed.delete(sender);
      cached = { at: now(), addresses: await keepVerified(options.ses, subscribed) };
    } catch (err) {
      options.logger.warn(
        { event: "recipients.enrolled-unavailable", err },
        "could not read the enrolled recipients from SNS or SES; using the last known list",
      );
    }
    return cached?.addresses ?? [];
  };
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
  let token: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
    );
    for (const s of page.Subscriptions ?? []) {
      // A pending subscription counts (real SNS shows it as "PendingConfirmation");
      // one just unsubscribed in the console shows as "Deleted".
      if (s.Protocol !== "email" || !s.Endpoint || s.SubscriptionArn === "Deleted") continue;
      const address = s.Endpoint.toLowerCase();
      const known = spellings.get(address) ?? new Set([address]);
      spellings.set(address, known.add(s.Endpoint));
    }
    token = page.NextToken;
  } while (token);
  return spellings;
}

/** The addresses SES has verified under any of their spellings. */
async function keepVerified(
  ses: SESClient,
  spellings: Map<string, Set<string>>,
): Promise<string[]> {
  const names = [...spellings.values()].flatMap((set) => [...set]);
  const verified = new Set<string>();
  for (let i = 0; i < names.length; i += SES_LOOKUP_BATCH) {
    const batch = names.slice(i, i + SES_LOOKUP_BATCH);
    const out = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: batch }));
    for (const [identity, attributes] of Object.entries(out.VerificationAttributes ?? {})) {
      if (attributes.VerificationStatus === "Success") verified.add(identity.toLowerCase());
    }
  }
  return [...spellings.keys()].filter((address) => verified.has(address));
}
