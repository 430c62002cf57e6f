import { createHash } from "node:crypto";
import {
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type SNSClient,
} from "@aws-sdk/client-sns";
import { resourceTag } from "@macaque/shared";

/**
 * Which SES identities macaque created, so that `recipients remove` deletes
 * only those: an identity verified before `recipients add`, by an operator or
 * another application in the same account, is not macaque's to delete.
 *
 * SES (v1) identities carry no tags, so the record is a tag on the reports
 * topic, where the subscriptions live too: `macaque:ses-identity:<hash>` with
 * the address as its value, visible in the console and to
 * `aws sns list-tags-for-resource`. The key is a hash because tag keys allow
 * 128 characters and addresses 254. SNS allows 50 tags per topic.
 */
const recordKeyPrefix = resourceTag.sesIdentityPrefix;

export const recordKey = (address: string): string =>
  `${recordKeyPrefix}${createHash("sha256").update(address).digest("hex").slice(0, 16)}`;

/** Tag values allow letters, digits, spaces and `_.:/=+-@`; anything else is shown as `_`. */
const tagValueOf = (address: string): string => address.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, "_");

/** The record keys on the topic. */
export async function readEnrolmentRecords(sns: SNSClient, topicArn: string): Promise<Set<string>> {
  const out = await sns.send(new ListTagsForResourceCommand({ ResourceArn: topicArn }));
  return new Set(
    (out.Tags ?? []).flatMap((t) => (t.Key?.startsWith(recordKeyPrefix) ? [t.Key] : [])),
  );
}

export async function recordEnrolment(
  sns: SNSClient,
  topicArn: string,
  address: string,
): Promise<void> {
  await sns.send(
    new TagResourceCommand({
      ResourceArn: topicArn,
      Tags: [{ Key: recordKey(address), Value: tagValueOf(address) }],
    }),
  );
}

export async function forgetEnrolment(
  sns: SNSClient,
  topicArn: string,
  address: string,
): Promise<void> {
  await sns.send(
    new UntagResourceCommand({ ResourceArn: topicArn, TagKeys: [recordKey(address)] }),
  );
}
