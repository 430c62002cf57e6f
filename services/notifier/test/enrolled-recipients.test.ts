import { SESClient } from "@aws-sdk/client-ses";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@macaque/shared";
import { startFauxqs } from "@macaque/sandbox";
import {
  clientAt,
  startRecipientStandIns,
  startSesFrontAlone as startFront,
  type RecipientStandIns,
} from "../../../test/support/recipients.ts";
import { createEnrolledRecipients } from "../src/enrolled-recipients.ts";

const logger = createLogger({ service: "test", level: "silent" });
let standIns: RecipientStandIns;
beforeAll(async () => {
  standIns = await startRecipientStandIns();
});
afterAll(() => standIns?.close());

const createReportsTopic = () => standIns.createReportsTopic();
const verify = (address: string, client?: SESClient) => standIns.verify(address, client);
const subscribe = (topicArn: string, address: string) => standIns.subscribe(topicArn, address);
const enrol = (topicArn: string, address: string) => standIns.enrol(topicArn, address);

/** The notifier's enrolled recipients for a reports topic, with the test's clients and sender. */
const enrolledFor = (
  reportsTopicArn: string,
  overrides: Partial<Parameters<typeof createEnrolledRecipients>[0]> = {},
) =>
  createEnrolledRecipients({
    ses: standIns.ses,
    sns: standIns.sns,
    reportsTopicArn,
    senderEmail: "macaque@example.com",
    logger,
    ...overrides,
  });

describe("the notifier's enrolled recipients", () => {
  it("is read through a cache", async () => {
    let clock = 0;
    const reportsTopicArn = await createReportsTopic();
    await enrol(reportsTopicArn, "early@example.com");
    const enrolled = enrolledFor(reportsTopicArn, { ttlMs: 1_000, now: () => clock });
    expect(await enrolled()).toEqual(["early@example.com"]);

    await enrol(reportsTopicArn, "late@example.com");
    clock += 999;
    expect(await enrolled()).toEqual(["early@example.com"]);
    clock += 1;
    expect((await enrolled()).sort()).toEqual(["early@example.com", "late@example.com"]);
  });

  it("keeps the last known list, and logs why, when SES cannot be asked", async () => {
    let clock = 0;
    const reportsTopicArn = await createReportsTopic();
    const ownFront = await startFront();
    const ownSes = clientAt(SESClient, ownFront.url);
    const logs = captureLogs();
    const enrolled = enrolledFor(reportsTopicArn, {
      ses: ownSes,
      logger: logs.logger,
      ttlMs: 1_000,
      now: () => clock,
    });
    await subscribe(reportsTopicArn, "kept@example.com");
    await verify("kept@example.com", ownSes);
    expect(await enrolled()).toEqual(["kept@example.com"]);

    await ownFront.close();
    clock += 1_000;
    expect(await enrolled()).toEqual(["kept@example.com"]);
    expect(logs.events()).toEqual(["recipients.enrolled-unavailable"]);
    ownSes.destroy();
  });

  it("keeps the last known list, and logs why, when SNS cannot be asked", async () => {
    let clock = 0;
    const ownFauxqs = await startFauxqs();
    const ownSns = clientAt(SNSClient, ownFauxqs.ready);
    const topic = await ownSns.send(new CreateTopicCommand({ Name: `t-reports-${randomUUID()}` }));
    const logs = captureLogs();
    const enrolled = enrolledFor(topic.TopicArn!, {
      sns: ownSns,
      logger: logs.logger,
      ttlMs: 1_000,
      now: () => clock,
    });
    await ownSns.send(
      new SubscribeCommand({
        TopicArn: topic.TopicArn!,
        Protocol: "email",
        Endpoint: "still@example.com",
      }),
    );
    await verify("still@example.com");
    expect(await enrolled()).toEqual(["still@example.com"]);

    await ownFauxqs.stop();
    clock += 1_000;
    expect(await enrolled()).toEqual(["still@example.com"]);
    expect(logs.events()).toEqual(["recipients.enrolled-unavailable"]);
    ownSns.destroy();
  });

  it("is nobody when SNS and SES have never answered", async () => {
    const unreachable = clientAt(SNSClient, "http://127.0.0.1:9");
    const enrolled = enrolledFor("arn:aws:sns:us-east-1:000000000000:absent", { sns: unreachable });
    expect(await enrolled()).toEqual([]);
    unreachable.destroy();
  });
});

/** A logger whose records the test can read back, by event name. */
function captureLogs() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger({ service: "test", level: "warn", destination }),
    events: () => lines.map((line) => (JSON.parse(line) as { event: string }).event),
  };
}
