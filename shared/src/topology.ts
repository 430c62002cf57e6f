import {
  CreateTopicCommand,
  SetSubscriptionAttributesCommand,
  paginateListSubscriptionsByTopic,
  paginateListTopics,
  SubscribeCommand,
  GetSubscriptionAttributesCommand,
  type SNSClient,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { TopologyError } from "./errors.ts";
import {
  QueueRole,
  TopicRole,
  deadLetterQueueName,
  queueName,
  subscriptions,
  topicName,
  typeAttribute,
} from "./names.ts";

export interface QueueRef {
  name: string;
  url: string;
  arn: string;
}
export interface Topology {
  queues: Record<QueueRole, QueueRef & { deadLetter: QueueRef }>;
  topics: Record<TopicRole, { name: string; arn: string }>;
}

export interface TopologyOptions {
  sqs: SQSClient;
  sns: SNSClient;
  /** Name prefix, e.g. `chaos` gives `chaos-requests`. */
  prefix: string;
  /** Receives before a message moves to its dead-letter queue. Default 12 (about 12 minutes of retrying, bus.ts). */
  maxReceiveCount?: number;
  /** Default 60 s; consumers extend it with heartbeats while they work. */
  visibilityTimeoutSeconds?: number;
}

/** Queue attributes every deployment shares: `ensureTopology()` and the CDK app alike. */
export const queueDefaults = {
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 12,
  deadLetterRetentionSeconds: 1_209_600,
} as const;

const queueRoles = Object.values(QueueRole);
const topicRoles = Object.values(TopicRole);

/**
 * Creates (or converges) every queue with its dead-letter queue and redrive
 * policy, both topics, and the filtered raw-delivery subscriptions. Idempotent:
 * `changes` lists what it had to create or correct, so a second run reports none.
 */
export async function ensureTopology(
  options: TopologyOptions,
): Promise<{ topology: Topology; changes: string[] }> {
  const { sqs, sns, prefix } = options;
  const changes: string[] = [];

  const topics = {} as Topology["topics"];
  for (const role of topicRoles) {
    const name = topicName(prefix, role);
    const existing = await findTopicArn(sns, name);
    const arn = existing ?? (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn;
    if (!arn) throw new TopologyError(`CreateTopic returned no ARN for ${name}`);
    if (!existing) changes.push(`created topic ${name}`);
    topics[role] = { name, arn };
  }

  const queues = {} as Topology["queues"];
  for (const role of queueRoles) {
    const deadLetter = await ensureQueue(sqs, deadLetterQueueName(prefix, role), changes, {
      MessageRetentionPeriod: String(queueDefaults.deadLetterRetentionSeconds),
    });
    const feedsFromTopic = subscriptions.some((s) => s.queue === role);
    const main = await ensureQueue(sqs, queueName(prefix, role), changes, {
      VisibilityTimeout: String(
        options.visibilityTimeoutSeconds ?? queueDefaults.visibilityTimeoutSeconds,
      ),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: deadLetter.arn,
        maxReceiveCount: options.maxReceiveCount ?? queueDefaults.maxReceiveCount,
      }),
      ...(feedsFromTopic
        ? { Policy: topicSendPolicy(`${prefix}-${role}`, topics.events.arn) }
        : {}),
    });
    queues[role] = { ...main, deadLetter };
  }

  for (const sub of subscriptions) {
    await ensureSubscription(sns, topics.events.arn, queues[sub.queue].arn, sub.types, changes);
  }
  return { topology: { queues, topics }, changes };
}

/** Looks the topology up without creating anything; a missing piece is a TopologyError. */
export async function resolveTopology(options: {
  sqs: SQSClient;
  sns: SNSClient;
  prefix: string;
}): Promise<Topology> {
  const { sqs, sns, prefix } = options;
  const topics = {} as Topology["topics"];
  for (const role of topicRoles) {
    const name = topicName(prefix, role);
    const arn = await findTopicArn(sns, name);
    if (!arn) throw new TopologyError(`topic ${name} does not exist; provision the topology first`);
    topics[role] = { name, arn };
  }
  const queues = {} as Topology["queues"];
  for (const role of queueRoles) {
    const main = await lookupQueue(sqs, queueName(prefix, role));
    const deadLetter = await lookupQueue(sqs, deadLetterQueueName(prefix, role));
    queues[role] = { ...main, deadLetter };
  }
  return { queues, topics };
}

async function lookupQueue(sqs: SQSClient, name: string): Promise<QueueRef> {
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (err) {
    const code = (err as { name?: string }).name ?? "";
    if (!/NonExistentQueue|QueueDoesNotExist/.test(code)) throw err;
  }
  if (!url) throw new TopologyError(`queue ${name} does not exist; provision the topology first`);
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  return { name, url, arn: attrs.Attributes?.QueueArn ?? "" };
}

async function ensureQueue(
  sqs: SQSClient,
  name: string,
  changes: string[],
  wanted: Record<string, string>,
): Promise<QueueRef> {
  // CreateQueue without attributes returns the existing queue instead of failing
  // on differing attributes; the attributes are then converged one by one.
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = created.QueueUrl;
  if (!url) throw new TopologyError(`CreateQueue returned no URL for ${name}`);
  const current = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
  );
  const have: Record<string, string> = current.Attributes ?? {};
  const differing = Object.fromEntries(
    Object.entries(wanted).filter(([key, value]) => !sameAttribute(have[key], value)),
  );
  if (Object.keys(differing).length > 0) {
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: differing }));
    changes.push(`set ${Object.keys(differing).join(", ")} on queue ${name}`);
  }
  return { name, url, arn: have.QueueArn ?? "" };
}

/** JSON attributes (policies) compare by meaning, not by spelling. */
function sameAttribute(have: string | undefined, want: string): boolean {
  if (have === want) return true;
  if (have === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(have)) === JSON.stringify(JSON.parse(want));
  } catch {
    return false;
  }
}

async function ensureSubscription(
  sns: SNSClient,
  topicArn: string,
  queueArn: string,
  types: readonly string[],
  changes: string[],
): Promise<void> {
  const filterPolicy = JSON.stringify({ [typeAttribute]: [...types] });
  const existing = await findSubscription(sns, topicArn, queueArn);
  if (!existing) {
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: queueArn,
        ReturnSubscriptionArn: true,
        Attributes: { RawMessageDelivery: "true", FilterPolicy: filterPolicy },
      }),
    );
    changes.push(`subscribed ${queueArn} to ${topicArn} for ${types.join(", ")}`);
    return;
  }
  const attrs =
    (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: existing })))
      .Attributes ?? {};
  const wanted = { RawMessageDelivery: "true", FilterPolicy: filterPolicy };
  for (const [name, value] of Object.entries(wanted)) {
    if (sameAttribute(attrs[name], value)) continue;
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: existing,
        AttributeName: name,
        AttributeValue: value,
      }),
    );
    changes.push(`set ${name} on subscription ${existing}`);
  }
}

async function findSubscription(
  sns: SNSClient,
  topicArn: string,
  queueArn: string,
): Promise<string | undefined> {
  for await (const page of paginateListSubscriptionsByTopic(
    { client: sns },
    { TopicArn: topicArn },
  )) {
    const match = page.Subscriptions?.find((s) => s.Protocol === "sqs" && s.Endpoint === queueArn);
    if (match?.SubscriptionArn) return match.SubscriptionArn;
  }
  return undefined;
}

async function findTopicArn(sns: SNSClient, name: string): Promise<string | undefined> {
  for await (const page of paginateListTopics({ client: sns }, {})) {
    const match = page.Topics?.find((t) => t.TopicArn?.split(":").pop() === name);
    if (match?.TopicArn) return match.TopicArn;
  }
  return undefined;
}

/** Lets the events topic (and only it) deliver to a queue: required on real AWS and LocalStack. */
function topicSendPolicy(sid: string, topicArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: `${sid}-from-events`,
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: "*",
        Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
      },
    ],
  });
}
