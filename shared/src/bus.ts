import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { Consumer } from "sqs-consumer";
import type { Logger } from "pino";
import { PermanentError, PoisonMessageError } from "./errors.ts";
import { parseEvent, type AnyCloudEvent, type CloudEvent, type EventData } from "./events.ts";
import type { Metrics } from "./metrics.ts";
import { queueDefaults } from "./topology.ts";
import type { EventType } from "./names.ts";
import {
  experimentAttribute,
  poisonReasonAttribute,
  subscribedTypes,
  typeAttribute,
  type EventQueueRole,
} from "./names.ts";

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

/** An event one of the event-fed queues carries. */
export type QueueEvent<R extends EventQueueRole> = Extract<
  AnyCloudEvent,
  { type: (typeof subscribedTypes)[R][number] }
>;

/**
 * The event a message on `queue` carries. A body that is not a macaque event, or
 * an event of a type the queue is not subscribed to, is a PoisonMessageError: the
 * same policy for every consumer (straight to the dead-letter queue, one warning).
 */
export function readEvent<R extends EventQueueRole>(message: Message, queue: R): QueueEvent<R> {
  let event: AnyCloudEvent;
  try {
    event = parseEventBody(message.Body ?? "");
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new PoisonMessageError(`not a macaque event: ${detail.slice(0, 300)}`, { cause: err });
  }
  const accepted: readonly EventType[] = subscribedTypes[queue];
  if (!accepted.includes(event.type)) {
    throw new PoisonMessageError(
      `the ${queue} queue takes ${accepted.join(", ")} events, not ${event.type} (check its subscription filter)`,
    );
  }
  return event as QueueEvent<R>;
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
   * (retrying cannot help); a PoisonMessageError to move it to `deadLetterQueueUrl`
   * at once (the queue cannot use it); anything else to have SQS redeliver it, with
   * backoff, until the redrive policy moves it to the dead-letter queue.
   */
  handle(message: Message, context: MessageContext): Promise<void>;
  /**
   * Where a PoisonMessageError sends its message (the queue's own dead-letter queue).
   * Without it a poison message is retried like any failure and reaches the
   * dead-letter queue through the redrive policy.
   */
  deadLetterQueueUrl?: string;
  /** Seconds a received message stays hidden; extended by heartbeats while the handler runs. Default 60. */
  visibilityTimeoutSeconds?: number;
  /** Long-poll length; also the longest a stop waits for an idle poll. Default 10. */
  waitTimeSeconds?: number;
  /** Default 5. */
  batchSize?: number;
  /** Longest wait for in-flight messages when stopping. Default 20000. */
  shutdownTimeoutMs?: number;
  /**
   * The queue's redrive limit: a message that fails on this receive goes to the
   * dead-letter queue next, so it is announced now. Default queueDefaults'.
   */
  maxReceiveCount?: number;
  /** Announces a message given up on (connectService publishes it as an event). Its failure is logged, never thrown. */
  announceDeadLetter?(notice: DeadLetterNotice): Promise<void>;
  /**
   * Longest a handler may run. After it the message's heartbeats stop and it is
   * redelivered after the usual backoff, so a hung handler cannot hold a message
   * forever; the handler itself is not interrupted (its side effects are guarded by
   * the services' idempotency claims). Default 300.
   */
  handleMessageTimeoutSeconds?: number;
}

export interface QueueConsumer {
  start(): void;
  /** Stops receiving and waits for in-flight messages (bounded by shutdownTimeoutMs). */
  stop(): Promise<void>;
  readonly isRunning: boolean;
  /** Messages whose handler is still running: after stop(), the work it gave up on. */
  readonly inFlight?: number;
}

/**
 * Redelivery backoff: 2, 4, 8 ... seconds, capped at two minutes. With the
 * redrive limit of 12 receives (queueDefaults) a message is retried for about 12
 * minutes before it goes to the dead-letter queue: a Redis, SES or SNS outage of
 * several minutes delays work, it does not lose it.
 */
export const retryDelaySeconds = (receiveCount: number): number =>
  Math.min(120, 2 ** Math.max(1, receiveCount));

/** What `macaque.message.dead-lettered` says about a message given up on. */
export type DeadLetterNotice = EventData<typeof EventType.messageDeadLettered> & {
  /** The experiment the message is about, when its attributes say. */
  experimentId?: string;
};

const bodyExcerptMax = 2_000;

export function createQueueConsumer(options: QueueConsumerOptions): QueueConsumer {
  const visibilityTimeout = options.visibilityTimeoutSeconds ?? 60;
  const maxReceiveCount = options.maxReceiveCount ?? queueDefaults.maxReceiveCount;
  let inFlight = 0;
  const deadLettered = async (
    message: Message,
    why: DeadLetterNotice["why"],
    err: unknown,
    logger: Logger,
  ) => {
    options.metrics.messagesDeadLettered.inc({ queue: options.name, why });
    const experimentId = message.MessageAttributes?.[experimentAttribute]?.StringValue;
    const notice: DeadLetterNotice = {
      queue: options.name,
      deadLetterQueue: options.deadLetterQueueUrl?.split("/").pop() ?? "",
      messageId: message.MessageId ?? "",
      receiveCount: receiveCountOf(message),
      why,
      error: (err instanceof Error ? err.message : String(err)).slice(0, 1_000),
      bodyExcerpt: (message.Body ?? "").slice(0, bodyExcerptMax),
      at: new Date().toISOString(),
      ...(experimentId && { experimentId }),
    };
    try {
      await options.announceDeadLetter?.(notice);
    } catch (announceErr) {
      logger.error(
        { event: "dead-letter.announce-failed", err: announceErr },
        "could not announce the dead-lettered message (the metric counts it)",
      );
    }
  };
  const handleMessageTimeoutSeconds = options.handleMessageTimeoutSeconds ?? 300;
  const consumer = Consumer.create({
    queueUrl: options.queueUrl,
    sqs: options.sqs,
    batchSize: options.batchSize ?? 5,
    waitTimeSeconds: options.waitTimeSeconds ?? 10,
    visibilityTimeout,
    heartbeatInterval: Math.max(1, Math.floor(visibilityTimeout / 3)),
    pollingCompleteWaitTimeMs: options.shutdownTimeoutMs ?? 20_000,
    handleMessageTimeout: handleMessageTimeoutSeconds * 1000,
    // SenderId: the producer's ALLOWED_SENDER_IDS (allow-lists.ts) judges who sent a job.
    messageSystemAttributeNames: ["ApproximateReceiveCount", "SenderId"],
    messageAttributeNames: ["All"],
    terminateVisibilityTimeout: (messages) => retryDelaySeconds(receiveCountOf(messages[0])),
    handleMessage: async (message) => {
      inFlight++;
      const receiveCount = receiveCountOf(message);
      const messageId = message.MessageId ?? "";
      const logger = options.logger.child({ queue: options.name, messageId });
      const stopTimer = options.metrics.handlerSeconds.startTimer({ queue: options.name });
      try {
        await options.handle(message, { logger, receiveCount, messageId });
        options.metrics.messagesHandled.inc({ queue: options.name, outcome: "done" });
        return message;
      } catch (err) {
        if (err instanceof PoisonMessageError && options.deadLetterQueueUrl) {
          await sendToDeadLetterQueue(options.sqs, options.deadLetterQueueUrl, message, err);
          logger.warn(
            { event: "message.dead-lettered", err },
            `moved to the dead-letter queue without retrying: ${err.message}`,
          );
          options.metrics.messagesHandled.inc({ queue: options.name, outcome: "poison" });
          await deadLettered(message, "poison", err, logger);
          return message;
        }
        if (err instanceof PermanentError) {
          logger.warn({ event: "message.dropped", err }, `not retrying: ${err.message}`);
          options.metrics.messagesHandled.inc({ queue: options.name, outcome: "rejected" });
          return message;
        }
        const last = receiveCount >= maxReceiveCount;
        logger.error(
          { event: last ? "message.dead-lettered" : "message.retry", err, receiveCount },
          last
            ? `handler failed on the last of ${maxReceiveCount} receives; SQS moves it to the dead-letter queue`
            : `handler failed (receive ${receiveCount} of ${maxReceiveCount}); SQS will redeliver in ${retryDelaySeconds(receiveCount)} s`,
        );
        options.metrics.messagesHandled.inc({ queue: options.name, outcome: "retried" });
        if (last) await deadLettered(message, "retries-exhausted", err, logger);
        throw err;
      } finally {
        inFlight--;
        stopTimer();
      }
    },
  });
  // Handler failures are logged above (sqs-consumer emits them as processing_error).
  // "error" carries SQS failures: without a message, a receive; with one, a delete
  // or a visibility change (a heartbeat or the redelivery backoff).
  consumer.on("error", (err, message) => {
    const messageIds = (Array.isArray(message) ? message : message ? [message] : []).map(
      (m) => m.MessageId,
    );
    if (messageIds.length === 0) {
      options.logger.error(
        { event: "consumer.receive-failed", queue: options.name, err },
        "SQS receive failed",
      );
      return;
    }
    options.logger.error(
      { event: "consumer.ack-failed", queue: options.name, messageIds, err },
      "SQS delete or visibility change failed; the message may be delivered again",
    );
  });
  consumer.on("timeout_error", (err, message) => {
    options.logger.error(
      { event: "message.timed-out", queue: options.name, messageId: message.MessageId, err },
      `handler still running after ${handleMessageTimeoutSeconds} s; SQS will redeliver`,
    );
    options.metrics.messagesHandled.inc({ queue: options.name, outcome: "timed-out" });
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
    get inFlight() {
      return inFlight;
    },
  };
}

/** Copies a poison message, attributes and all, to the dead-letter queue with the reason. */
async function sendToDeadLetterQueue(
  sqs: SQSClient,
  queueUrl: string,
  message: Message,
  err: PoisonMessageError,
): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: message.Body || "(empty)",
      MessageAttributes: {
        ...message.MessageAttributes,
        [poisonReasonAttribute]: { DataType: "String", StringValue: err.message.slice(0, 1000) },
      },
    }),
  );
}

function receiveCountOf(message: Message | undefined): number {
  return Number(message?.Attributes?.ApproximateReceiveCount ?? "1") || 1;
}

/** The consumer settings every service takes from its environment. */
export const consumerSettings = (config: {
  SQS_WAIT_TIME_SECONDS: number;
  SHUTDOWN_TIMEOUT_MS: number;
  HANDLE_MESSAGE_TIMEOUT_SECONDS: number;
}): Pick<
  QueueConsumerOptions,
  "waitTimeSeconds" | "shutdownTimeoutMs" | "handleMessageTimeoutSeconds"
> => ({
  waitTimeSeconds: config.SQS_WAIT_TIME_SECONDS,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  handleMessageTimeoutSeconds: config.HANDLE_MESSAGE_TIMEOUT_SECONDS,
});
