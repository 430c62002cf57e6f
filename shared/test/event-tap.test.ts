import {
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  type SNSClient,
} from "@aws-sdk/client-sns";
import { GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EventType,
  createEvent,
  ensureTopology,
  experimentAttribute,
  openEventTap,
  publishEvent,
  type Topology,
} from "@macaque/shared";
import { startFauxqs, type RunningProcess } from "@macaque/sandbox";
import { snsAt, sqsAt, uniquePrefix } from "../../test/support/aws.ts";

let fauxqs: RunningProcess<string>;
let sqs: SQSClient;
let sns: SNSClient;
let topology: Topology;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  sqs = sqsAt(fauxqs.ready);
  sns = snsAt(fauxqs.ready);
  ({ topology } = await ensureTopology({ sqs, sns, prefix: uniquePrefix("tap") }));
});
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await fauxqs?.stop();
});

const reportSent = (experimentId: string) =>
  createEvent(EventType.reportSent, {
    source: "urn:macaque:test",
    subject: experimentId,
    data: {
      experimentId,
      reportKind: "dry-run",
      recipients: [],
      subject: "s",
      sentAt: new Date().toISOString(),
    },
  });

describe("openEventTap", () => {
  it("follows one experiment through a filter policy and leaves nothing behind when closed", async () => {
    const queueName = uniquePrefix("watch");
    const tap = await openEventTap({
      sqs,
      sns,
      topicArn: topology.topics.events.arn,
      queueName,
      filterPolicy: { [experimentAttribute]: ["exp-mine"] },
    });
    await publishEvent(sns, topology.topics.events.arn, reportSent("exp-other"));
    await publishEvent(sns, topology.topics.events.arn, reportSent("exp-mine"));
    const event = await tap.waitFor((e) => e.subject === "exp-mine", 5_000);
    expect(event.type).toBe(EventType.reportSent);
    expect(tap.seen.map((e) => e.subject)).toEqual(["exp-mine"]);

    await tap.close();
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).rejects.toThrow();
    const subs = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topology.topics.events.arn }),
    );
    expect(subs.Subscriptions?.some((s) => s.Endpoint?.endsWith(`:${queueName}`))).toBe(false);
  });

  it("passes over a message that is not an event without losing the events beside it", async () => {
    const tap = await openEventTap({
      sqs,
      sns,
      topicArn: topology.topics.events.arn,
      queueName: uniquePrefix("watch"),
      filterPolicy: { [experimentAttribute]: ["exp-noisy"] },
    });
    await sns.send(
      new PublishCommand({
        TopicArn: topology.topics.events.arn,
        Message: "not an event",
        MessageAttributes: {
          [experimentAttribute]: { DataType: "String", StringValue: "exp-noisy" },
        },
      }),
    );
    await publishEvent(sns, topology.topics.events.arn, reportSent("exp-noisy"));
    const event = await tap.waitFor((e) => e.subject === "exp-noisy", 5_000);
    expect(event.type).toBe(EventType.reportSent);
    await tap.close();
  });

  it("gives up after the timeout naming what it saw", async () => {
    const tap = await openEventTap({
      sqs,
      sns,
      topicArn: topology.topics.events.arn,
      queueName: uniquePrefix("watch"),
      filterPolicy: { [experimentAttribute]: ["exp-quiet"] },
    });
    await expect(tap.waitFor(() => true, 1_200)).rejects.toThrow(
      /no matching event within 1200 ms/,
    );
    await tap.close();
  });
});
