import { SubscribeCommand, UnsubscribeCommand, type SNSClient } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { parseEventBody } from "./bus.ts";
import type { AnyCloudEvent } from "./events.ts";
import { resourceTag } from "./names.ts";

export interface EventTap {
  queueUrl: string;
  /** Every event received so far, in arrival order. */
  readonly seen: readonly AnyCloudEvent[];
  /** Resolves with the first event (seen or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor<E extends AnyCloudEvent>(
    predicate: (event: AnyCloudEvent) => event is E,
    timeoutMs: number,
  ): Promise<E>;
  waitFor(predicate: (event: AnyCloudEvent) => boolean, timeoutMs: number): Promise<AnyCloudEvent>;
  /** Receives whatever is waiting (one long poll of up to `waitSeconds`). */
  poll(waitSeconds?: number): Promise<AnyCloudEvent[]>;
  /** Unsubscribes and deletes the queue. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Subscribes a fresh queue to the events topic (raw delivery, optional filter
 * policy on message attributes) to watch events go by: the demo, the CLI and the
 * end-to-end tests all follow experiments this way.
 */
export async function openEventTap(options: {
  sqs: SQSClient;
  sns: SNSClient;
  topicArn: string;
  /** Queue name; make it unique and recognisable, e.g. `chaos-watch-<id>`. */
  queueName: string;
  filterPolicy?: Record<string, string[]>;
  tags?: Record<string, string>;
}): Promise<EventTap> {
  const { sqs, sns, topicArn } = options;
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: options.queueName,
      tags: { [resourceTag.ephemeral]: "true", ...options.tags },
      Attributes: { MessageRetentionPeriod: "3600" },
    }),
  );
  const queueUrl = QueueUrl!;
  let subscriptionArn: string | undefined;
  try {
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    const queueArn = attrs.Attributes?.QueueArn ?? "";
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: { Policy: allowTopic(queueArn, topicArn) },
      }),
    );
    const sub = await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: queueArn,
        ReturnSubscriptionArn: true,
        Attributes: {
          RawMessageDelivery: "true",
          ...(options.filterPolicy ? { FilterPolicy: JSON.stringify(options.filterPolicy) } : {}),
        },
      }),
    );
    subscriptionArn = sub.SubscriptionArn;
  } catch (err) {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    throw err;
  }

  const seen: AnyCloudEvent[] = [];
  let closed = false;
  const poll = async (waitSeconds = 1): Promise<AnyCloudEvent[]> => {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return [];
    // Parsed one by one: something on the topic that is not a macaque event is
    // passed over without losing the events delivered with it.
    const events = messages.flatMap((m) => {
      try {
        return [parseEventBody(m.Body ?? "")];
      } catch {
        return [];
      }
    });
    seen.push(...events);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    return events;
  };
  const waitFor = async (predicate: (event: AnyCloudEvent) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let checked = 0;
    for (;;) {
      for (; checked < seen.length; checked++) {
        if (predicate(seen[checked]!)) return seen[checked]!;
      }
      const left = deadline - Date.now();
      if (left <= 0 || closed) {
        throw new Error(
          `no matching event within ${timeoutMs} ms (saw ${seen.map((e) => e.type).join(", ") || "none"})`,
        );
      }
      await poll(Math.min(1, Math.max(0, Math.floor(left / 1000))));
    }
  };
  return {
    queueUrl,
    seen,
    waitFor: waitFor as EventTap["waitFor"],
    poll,
    close: async () => {
      if (closed) return;
      closed = true;
      // Both, even if one fails: a half-removed tap still leaks.
      const removed = await Promise.allSettled([
        subscriptionArn
          ? sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }))
          : Promise.resolve(),
        sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })),
      ]);
      const failed = removed.find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}

function allowTopic(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
      },
    ],
  });
}
