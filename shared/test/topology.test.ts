import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SNSClient } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EventType,
  QueueRole,
  createEvent,
  ensureTopology,
  parseEventBody,
  publishEvent,
  resolveTopology,
  subscriptions,
  TopologyError,
  type Topology,
} from "@macaque/shared";
import { startFauxqs, type RunningProcess } from "@macaque/sandbox";
import { snsAt, sqsAt, uniquePrefix } from "../../test/support/aws.ts";

let fauxqs: RunningProcess<string>;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  sqs = sqsAt(fauxqs.ready);
  sns = snsAt(fauxqs.ready);
});
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await fauxqs?.stop();
});

async function receiveAll(queueUrl: string, waitSeconds = 0) {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
      MessageAttributeNames: ["All"],
    }),
  );
  return out.Messages ?? [];
}

describe("ensureTopology", () => {
  it("creates every queue with a dead-letter queue, both topics and the subscriptions; a second run changes nothing", async () => {
    const prefix = uniquePrefix("topo");
    const first = await ensureTopology({ sqs, sns, prefix, maxReceiveCount: 3 });
    expect(first.changes.length).toBeGreaterThan(0);
    const { topology } = first;
    expect(topology.topics.events.name).toBe(`${prefix}-events`);
    for (const role of Object.values(QueueRole)) {
      const queue = topology.queues[role];
      expect(queue.name).toBe(`${prefix}-${role}`);
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ["RedrivePolicy"] }),
      );
      expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? "{}")).toEqual({
        deadLetterTargetArn: queue.deadLetter.arn,
        maxReceiveCount: 3,
      });
    }
    const second = await ensureTopology({ sqs, sns, prefix, maxReceiveCount: 3 });
    expect(second.changes).toEqual([]);
    expect(second.topology).toEqual(topology);
    expect(await resolveTopology({ sqs, sns, prefix })).toEqual(topology);
  });

  it("corrects a drifted attribute on the next run", async () => {
    const prefix = uniquePrefix("drift");
    await ensureTopology({ sqs, sns, prefix, maxReceiveCount: 3 });
    const { changes } = await ensureTopology({ sqs, sns, prefix, maxReceiveCount: 4 });
    expect(changes).toHaveLength(Object.values(QueueRole).length);
    expect(changes.every((c) => c.startsWith("set RedrivePolicy"))).toBe(true);
  });

  it("resolveTopology names what is missing instead of creating it", async () => {
    await expect(resolveTopology({ sqs, sns, prefix: uniquePrefix("none") })).rejects.toThrow(
      TopologyError,
    );
  });
});

describe("events through the topology", () => {
  let topology: Topology;
  beforeAll(async () => {
    ({ topology } = await ensureTopology({ sqs, sns, prefix: uniquePrefix("route") }));
  });

  it.each(Object.values(EventType))(
    "an event of type %s reaches exactly the queues whose filter accepts it, raw",
    async (type) => {
      const subject = `exp-${Math.random().toString(36).slice(2)}`;
      const event = {
        ...createEvent(EventType.reportSent, {
          source: "urn:macaque:test",
          subject,
          data: {
            experimentId: subject,
            reportKind: "dry-run",
            recipients: [],
            subject: "s",
            sentAt: new Date().toISOString(),
          },
        }),
        type,
      } as never;
      await publishEvent(sns, topology.topics.events.arn, event);
      for (const { queue, types } of subscriptions) {
        const messages = await receiveAll(topology.queues[queue].url, 0);
        const mine = messages.filter((m) => m.Body?.includes(subject));
        if (types.includes(type)) {
          expect(mine, `${queue} should receive ${type}`).toHaveLength(1);
          // Raw delivery: the body is the CloudEvent itself, not an SNS envelope.
          expect(JSON.parse(mine[0]!.Body!)).toMatchObject({ type, subject, specversion: "1.0" });
        } else {
          expect(mine, `${queue} should not receive ${type}`).toHaveLength(0);
        }
      }
    },
  );

  it("moves a message that keeps failing to the dead-letter queue after maxReceiveCount", async () => {
    const prefix = uniquePrefix("dlq");
    const { topology: t } = await ensureTopology({
      sqs,
      sns,
      prefix,
      maxReceiveCount: 2,
      visibilityTimeoutSeconds: 1,
    });
    const queue = t.queues.requests;
    const { SendMessageCommand, ChangeMessageVisibilityCommand } =
      await import("@aws-sdk/client-sqs");
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "poison" }));
    for (let i = 0; i < 2; i++) {
      const [m] = await receiveAll(queue.url, 5);
      expect(m?.Body).toBe("poison");
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue.url,
          ReceiptHandle: m!.ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      );
    }
    expect(await receiveAll(queue.url, 1)).toHaveLength(0);
    const dead = await receiveAll(queue.deadLetter.url, 5);
    expect(dead.map((m) => m.Body)).toEqual(["poison"]);
  });
});

describe("parseEventBody", () => {
  it("unwraps an SNS envelope when raw delivery is off", () => {
    const event = createEvent(EventType.reportSent, {
      source: "urn:macaque:test",
      subject: "e1",
      data: {
        experimentId: "e1",
        reportKind: "dry-run",
        recipients: [],
        subject: "s",
        sentAt: new Date().toISOString(),
      },
    });
    const envelope = { Type: "Notification", MessageId: "m", Message: JSON.stringify(event) };
    expect(parseEventBody(JSON.stringify(envelope))).toEqual(event);
    expect(parseEventBody(JSON.stringify(event))).toEqual(event);
  });

  it("names the bad field of an invalid event", () => {
    expect(() =>
      parseEventBody(JSON.stringify({ specversion: "1.0", type: EventType.reportSent })),
    ).toThrow(/id/);
  });
});
