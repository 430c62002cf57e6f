import {
  GetIdentityVerificationAttributesCommand,
  paginateListIdentities,
  type SESClient,
} from "@aws-sdk/client-ses";
import {
  GetSubscriptionAttributesCommand,
  paginateListSubscriptionsByTopic,
  type SNSClient,
} from "@aws-sdk/client-sns";

/** What SNS and SES hold about report recipients, read for `macaque recipients`. */

export interface EmailSubscription {
  address: string;
  protocol: string;
  arn?: string;
  state: "confirmed" | "pending confirmation";
}

/** `email` and `email-json` subscriptions: `remove` takes both off the topic. */
export async function emailSubscriptions(
  sns: SNSClient,
  topicArn: string,
): Promise<EmailSubscription[]> {
  const found: EmailSubscription[] = [];
  for await (const page of paginateListSubscriptionsByTopic(
    { client: sns },
    { TopicArn: topicArn },
  )) {
    for (const s of page.Subscriptions ?? []) {
      const protocol = s.Protocol ?? "";
      if ((protocol !== "email" && protocol !== "email-json") || !s.Endpoint) continue;
      const address = s.Endpoint.toLowerCase();
      // Real SNS lists a pending subscription with the ARN "PendingConfirmation".
      if (!s.SubscriptionArn?.startsWith("arn:")) {
        if (s.SubscriptionArn !== "Deleted") {
          found.push({ address, protocol, state: "pending confirmation" });
        }
        continue;
      }
      const attrs = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }),
      );
      const pending = attrs.Attributes?.PendingConfirmation === "true";
      found.push({
        address,
        protocol,
        arn: s.SubscriptionArn,
        state: pending ? "pending confirmation" : "confirmed",
      });
    }
  }
  return found;
}

/** The identity's verification status, or undefined when SES has no such identity. */
export async function identityStatus(ses: SESClient, address: string): Promise<string | undefined> {
  const out = await ses.send(
    new GetIdentityVerificationAttributesCommand({ Identities: [address] }),
  );
  return out.VerificationAttributes?.[address]?.VerificationStatus;
}

/** The email identities as SES spells them. */
export async function identityNames(ses: SESClient): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListIdentities(
    { client: ses },
    { IdentityType: "EmailAddress" },
  )) {
    names.push(...(page.Identities ?? []));
  }
  return names;
}
