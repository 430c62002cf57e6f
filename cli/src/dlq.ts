import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { QueueRole, formatInstant, poisonReasonAttribute, type Topology } from "@macaque/shared";
import { InvalidInputError } from "./errors.ts";

/**
 * `macaque dlq list` and `macaque dlq redrive`: what every dead-letter queue
 * holds, and putting it back on its queue once the fault that sent it there is
 * fixed. Redriving copies each message to its source queue and only then deletes
 * it from the dead-letter queue, so a failure midway duplicates a message (every
 * service is idempotent) and never loses one. SQS's own StartMessageMoveTask
 * would do the same in AWS, but no local stand-in speaks it.
 */

export interface DeadLetter {
  messageId: string;
  sentAt?: string;
  /** Receives in all, the ones that failed on the source queue included. */
  receiveCount: number;
  /** Why a service moved it as unusable, when it did (then redriving brings it straight back). */
  poisonReason?: string;
  body: string;
}

export interface DeadLetterQueue {
  queue: QueueRole;
  name: string;
  /** SQS's ApproximateNumberOfMessages. */
  depth: number;
  /** Up to `max` of them, oldest first as SQS hands them out. */
  messages: DeadLetter[];
}

const roles = Object.values(QueueRole);

export function parseQueueRole(text: string | undefined): QueueRole[] {
  if (text === undefined) return roles;
  if ((roles as string[]).includes(text)) return [text as QueueRole];
  throw new InvalidInputError(`--queue: "${text}" is not one of ${roles.join(", ")}`);
}

/** Reads each dead-letter queue without taking anything off it. */
export async function listDeadLetters(
  sqs: SQSClient,
  topology: Topology,
  options: { queues: QueueRole[]; max: number },
): Promise<DeadLetterQueue[]> {
  const out: DeadLetterQueue[] = [];
  for (const queue of options.queues) {
    const { url, name } = topology.queues[queue].deadLetter;
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages"],
      }),
    );
    const depth = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0);
    const taken = depth > 0 ? await take(sqs, url, options.max, 10) : [];
    // Given back at once: listing is a look, not a receive that hides them for a while.
    await release(sqs, url, taken);
    out.push({ queue, name, depth, messages: taken.map(deadLetterOf) });
  }
  return out;
}

export interface RedriveResult {
  queue: QueueRole;
  moved: string[];
  /** Poison messages left where they are (their queue cannot use them). */
  keptPoison: string[];
}

/** Moves messages from each dead-letter queue back to its source queue. */
export async function redriveDeadLetters(
  sqs: SQSClient,
  topology: Topology,
  options: { queues: QueueRole[]; ids?: string[]; includePoison: boolean },
): Promise<RedriveResult[]> {
  const results: RedriveResult[] = [];
  for (const queue of options.queues) {
    const source = topology.queues[queue];
    const result: RedriveResult = { queue, moved: [], keptPoison: [] };
    const skipped: Message[] = [];
    for (;;) {
      const batch = await take(sqs, source.deadLetter.url, 10, 30);
      if (batch.length === 0) break;
      for (const message of batch) {
        const id = message.MessageId ?? "";
        const poison = message.MessageAttributes?.[poisonReasonAttribute] !== undefined;
        if ((options.ids && !options.ids.includes(id)) || (poison && !options.includePoison)) {
          if (poison && !options.includePoison) result.keptPoison.push(id);
          skipped.push(message);
          continue;
        }
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: source.url,
            MessageBody: message.Body ?? "",
            ...withoutPoisonReason(message.MessageAttributes),
          }),
        );
        await sqs.send(
          new DeleteMessageCommand({
            QueueUrl: source.deadLetter.url,
            ReceiptHandle: message.ReceiptHandle,
          }),
        );
        result.moved.push(id);
      }
    }
    await release(sqs, source.deadLetter.url, skipped);
    results.push(result);
  }
  return results;
}

export function formatDeadLetters(queues: DeadLetterQueue[]): string {
  const lines: string[] = [];
  const width = Math.max(...queues.map((q) => q.queue.length));
  for (const q of queues) {
    lines.push(`${q.queue.padEnd(width)}  ${q.name}  ${q.depth}`);
    for (const m of q.messages) {
      const when = m.sentAt ? `sent ${formatInstant(m.sentAt)}, ` : "";
      const poison = m.poisonReason ? `, poison: ${m.poisonReason}` : "";
      lines.push(`  ${m.messageId}  ${when}received ${m.receiveCount}x${poison}`);
      lines.push(`    ${JSON.stringify(m.body.slice(0, 200))}`);
    }
  }
  const total = queues.reduce((n, q) => n + q.depth, 0);
  lines.push(
    total === 0
      ? "every dead-letter queue is empty"
      : `${total} message(s) given up on; fix the cause, then: macaque dlq redrive`,
  );
  return `${lines.join("\n")}\n`;
}

export function formatRedrive(results: RedriveResult[]): string {
  const lines = results.map((r) => {
    const kept = r.keptPoison.length
      ? `; kept ${r.keptPoison.length} poison message(s) (--include-poison moves them too)`
      : "";
    return `${r.queue}: moved ${r.moved.length} back to its queue${kept}`;
  });
  return `${lines.join("\n")}\n`;
}

/** Receives up to `max` messages, hidden for `hideSeconds` (each receive counts). */
async function take(sqs: SQSClient, url: string, max: number, hideSeconds: number) {
  const taken: Message[] = [];
  while (taken.length < max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, max - taken.length),
        VisibilityTimeout: hideSeconds,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
      }),
    );
    if (!out.Messages?.length) break;
    taken.push(...out.Messages);
  }
  return taken;
}

async function release(sqs: SQSClient, url: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: messages.slice(i, i + 10).map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

function deadLetterOf(m: Message): DeadLetter {
  const sent = m.Attributes?.SentTimestamp;
  const poisonReason = m.MessageAttributes?.[poisonReasonAttribute]?.StringValue;
  return {
    messageId: m.MessageId ?? "",
    ...(sent && { sentAt: new Date(Number(sent)).toISOString() }),
    receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
    ...(poisonReason && { poisonReason }),
    body: m.Body ?? "",
  };
}

function withoutPoisonReason(attributes: Record<string, MessageAttributeValue> | undefined): {
  MessageAttributes?: Record<string, MessageAttributeValue>;
} {
  if (!attributes) return {};
  const rest = Object.fromEntries(
    Object.entries(attributes).filter(([name]) => name !== poisonReasonAttribute),
  );
  return Object.keys(rest).length ? { MessageAttributes: rest } : {};
}
