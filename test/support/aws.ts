import { SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import { randomBytes } from "node:crypto";
import { awsClientConfig } from "@macaque/shared";
import { createEc2Query } from "@macaque/shared/ec2-query";
import { sandboxCredentials } from "@macaque/sandbox";

/** A name prefix no other test run uses. */
export const uniquePrefix = (label: string): string =>
  `t-${label}-${randomBytes(4).toString("hex")}`;

/** Real SDK clients pointed at a sandbox endpoint. */
export function sandboxClient<C>(
  Client: new (
    config: ReturnType<typeof awsClientConfig> & {
      endpoint: string;
      credentials: typeof sandboxCredentials;
    },
  ) => C,
  endpoint: string,
  extra: Record<string, unknown> = {},
): C {
  return new Client({
    ...awsClientConfig({ region: "us-east-1" }),
    endpoint,
    credentials: sandboxCredentials,
    ...extra,
  });
}

export const sqsAt = (endpoint: string) =>
  sandboxClient(SQSClient, endpoint, { useQueueUrlAsEndpoint: false });
export const snsAt = (endpoint: string) => sandboxClient(SNSClient, endpoint);
/** macaque's own EC2 client (shared/src/ec2-query.ts) on a sandbox endpoint. */
export const ec2QueryAt = (endpoint: string) =>
  createEc2Query({
    region: "us-east-1",
    endpoint,
    credentials: async () => sandboxCredentials,
  });

/** Kept here for the tests that import it from this file; it lives in wait.ts. */
export { waitFor } from "./wait.ts";

/**
 * A new queue subscribed to a topic, for a test to read what the topic carries.
 * `raw: false` keeps the SNS envelope (to see a publish's Subject, say).
 */
export async function subscribeQueue(
  clients: { sqs: SQSClient; sns: SNSClient },
  topicArn: string,
  queueName: string,
  options: { raw?: boolean } = {},
): Promise<string> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const attrs = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: attrs.Attributes!.QueueArn!,
      Attributes: { RawMessageDelivery: String(options.raw ?? true) },
    }),
  );
  return QueueUrl!;
}

/** One long poll (at most a second) for up to 10 messages, deleted once received. */
export async function receiveAndDelete(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  const messages = out.Messages ?? [];
  if (messages.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return messages;
}
