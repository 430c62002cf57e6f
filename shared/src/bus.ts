import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { Consumer } from "sqs-consumer";
import type { Logger } from "pino";
import { PermanentError } from "./errors.ts";
import { parseEvent, type AnyCloudEvent, type CloudEvent } from "./events.ts";
import type { Metrics } from "./metrics.ts";
import { experimentAttribute, typeAttribute, type EventType } from "./names.ts";

/** Publishes a CloudEvent to SNS with its type and experiment id as message attributes, for filter policies. */
export async function publishEvent(
  sns: SNSClient,
  topicArn: string,
  event: CloudEvent | AnyCloudEvent,
): Promise<string> {
  const out = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Message: JSON.stringify(event),
      MessageAttributes: {
        [typeAttribute]: { DataType: "String", StringValue: event.type },
        [experimentAttribute]: { DataType: "String", StringValue: event.subject },
      },
    }),
  );
  return out.MessageId ?? "";
}

/** Sends a JSON command to a queue. */
export async function sendJson(sqs: SQSClient, queueUrl: string, body: unknown): Promise<string> {
  const out = await sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }),
  );
  return out.MessageId ?? "";
}

/**
 * Reads a CloudEvent from an SQS body. Subscriptions use raw delivery, but an SNS
 * envelope is unwrapped too, so a subscription created without it still works.
 */
export function parseEventBody(body: string): AnyCloudEvent {
  let json: unknown = JSON.parse(body);
  if (isSnsEnvelope(json)) json = JSON.parse(json.Message);
  return parseEvent(json);
}

function isSnsEnvelope(x: unknown): x is { Type: "Notification"; Message: string } {
  return (
    typeof x === "object" &&
    x !== null &&
    (x as { Type?: unknown }).Type === "Notification" &&
    typeof (x as { Message?: unknown }).Message === "string"
  );
}

/** Narrows an event to the types a handler accepts; anything else is a routing bug. */
export function isEventOf<T extends EventType>(
  event: AnyCloudEvent,
  ...types: T[]
): event is Extract<AnyCloudEvent, { type: T }> {
  return (types as EventType[]).includes(event.type);
}

export interface MessageContext {
  logger: Logger;
  /** How many times SQS has delivered this message, this delivery included. */
  receiveCount: number;
  messageId: string;
}

export interface QueueConsumerOptions {
  /** Queue role, for logs and metrics. */
  name: string;
  sqs: SQSClient;
  queueUrl: string;
  logger: Logger;
  metrics: Metrics;
  /**
   * Resolve to delete the message. Throw a PermanentError to report and delete it
   * (retrying cannot help); throw anything else to have SQS redeliver it, with
   * backoff, until the redrive policy moves it to the dead-letter queue.
   */
  handle(message: Message, context: MessageContext): Promise<void>;
  /** Seconds a received message stays hidden; extended by heartbeats while the handler runs. Default 60. */
  visibilityTimeoutSeconds?: number;
  /** Long-poll length; also the longest a stop waits for an idle poll. Default 10. */
  waitTimeSeconds?: number;
  /** Default 5. */
  batchSize?: number;
  /** Longest wait for in-flight messages when stopping. Default 20000. */
  shutdownTimeoutMs?: number;
}

export interface QueueConsumer {
  start(): void;
  /** Stops receiving and waits for in-flight messages (bounded by shutdownTimeoutMs). */
  stop(): Promise<void>;
  readonly isRunning: boolean;
}

/** Redelivery backoff: 2, 4, 8 ... seconds, capped at a minute. */
export const retryDelaySeconds = (receiveCount: number): number =>
  Math.min(60, 2 ** Math.max(1, receiveCount));

export function createQueueConsumer(options: QueueConsumerOptions): QueueConsumer {
  const visibilityTimeout = options.visibilityTimeoutSeconds ?? 60;
  const consumer = Consumer.create({
    queueUrl: options.queueUrl,
    sqs: options.sqs,
    batchSize: options.batchSize ?? 5,
    waitTimeSeconds: options.waitTimeSeconds ?? 10,
    visibilityTimeout,
    heartbeatInterval: Math.max(1, Math.floor(visibilityTimeout / 3)),
    pollingCompleteWaitTimeMs: options.shutdownTimeoutMs ?? 20_000,
    messageSystemAttributeNames: ["ApproximateReceiveCount"],
    messageAttributeNames: ["All"],
    terminateVisibilityTimeout: (messages) => retryDelaySeconds(receiveCountOf(messages[0])),
    handleMessage: async (message) => {
      const receiveCount = receiveCountOf(message);
      const messageId = message.MessageId ?? "";
      const logger = options.logger.child({ queue: options.name, messageId });
      const stopTimer = options.metrics.handlerSeconds.startTimer({ queue: options.name });
      try {
        await options.handle(message, { logger, receiveCount, messageId });
        options.metrics.messagesHandled.inc({ queue: options.name, outcome: "done" });
        return message;
      } catch (err) {
        if (err instanceof PermanentError) {
          logger.warn({ event: "message.dropped", err }, `not retrying: ${err.message}`);
          options.metrics.messagesHandled.inc({ queue: options.name, outcome: "rejected" });
          return message;
        }
        logger.error(
          { event: "message.retry", err, receiveCount },
          "handler failed; SQS will redeliver",
        );
        options.metrics.messagesHandled.inc({ queue: options.name, outcome: "retried" });
        throw err;
      } finally {
        stopTimer();
      }
    },
  });
  // sqs-consumer reports handler failures here too; they are logged above.
  consumer.on("error", (err) => {
    options.logger.error(
      { event: "consumer.error", queue: options.name, err },
      "SQS receive failed",
    );
  });
  return {
    start: () => consumer.start(),
    stop: () =>
      new Promise<void>((resolve) => {
        if (!consumer.status.isRunning) return resolve();
        consumer.once("stopped", () => resolve());
        // Not aborted: an abandoned long poll can still be handed a message (fauxqs
        // does this), which then stays invisible for a whole visibility timeout.
        // Stopping waits for the poll to end instead: at most waitTimeSeconds.
        consumer.stop();
      }),
    get isRunning() {
      return consumer.status.isRunning;
    },
  };
}

function receiveCountOf(message: Message | undefined): number {
  return Number(message?.Attributes?.ApproximateReceiveCount ?? "1") || 1;
}

/** The consumer settings every service takes from its environment. */
export const consumerSettings = (config: {
  SQS_WAIT_TIME_SECONDS: number;
  SHUTDOWN_TIMEOUT_MS: number;
}): Pick<QueueConsumerOptions, "waitTimeSeconds" | "shutdownTimeoutMs"> => ({
  waitTimeSeconds: config.SQS_WAIT_TIME_SECONDS,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
});
