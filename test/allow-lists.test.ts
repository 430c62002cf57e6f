import { randomBytes } from "node:crypto";
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "@macaque/shared";
import { readInbox } from "@macaque/sandbox";
import { uniquePrefix } from "./support/aws.ts";
import { startTestService } from "./support/processes.ts";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";

/**
 * The optional allow-lists against the real stand-ins, services as processes.
 * fauxqs gives every message the SenderId 000000000000 whoever sent it (checked
 * below), so the sender list is tested as "that id admitted, any other refused":
 * two distinct principals cannot be told apart in the sandbox.
 */
const fauxqsSender = "000000000000";
let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline({
    timeScale: 0.01,
    services: {
      env: {
        ALLOWED_SENDER_IDS: fauxqsSender,
        ALLOWED_EMAIL_DOMAINS: "corp.example,example.com",
      },
    },
  });
}, 120_000);
afterAll(async () => p?.stop());

describe("the allow-lists", () => {
  it("see the SenderId fauxqs sets on every message", async () => {
    const { QueueUrl } = await p.sqs.send(
      new CreateQueueCommand({ QueueName: uniquePrefix("sender-id") }),
    );
    const queue = await p.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "{}" }));
    const received = await p.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MessageSystemAttributeNames: ["SenderId"],
        WaitTimeSeconds: 1,
      }),
    );
    const message = received.Messages?.find((m) => m.MessageId === queue.MessageId);
    expect(message?.Attributes?.SenderId).toBe(fauxqsSender);
  });

  it("refuse a job naming an address outside ALLOWED_EMAIL_DOMAINS, and e-mail nobody outside", async () => {
    const asg = await p.createGroup({ desiredCapacity: 2, maxSize: 4 });
    const outside = `eve-${randomBytes(3).toString("hex")}@elsewhere.example`;
    const id = await p.submit({
      asg,
      count: 1,
      notify: { emails: ["alice@corp.example", outside] },
    });
    const refused = await p.waitForEvent(id, EventType.experimentRejected);
    expect(refused.data.reasons).toEqual([
      expect.objectContaining({ code: "email-domain-not-allowed", path: "notify.emails.1" }),
    ]);
    const sent = await p.waitForEvent(id, EventType.reportSent);
    expect(sent.data.recipients).not.toContain(outside);
    await p.services.notifier.waitForLog("report.recipients-outside-allow-list", id);
    const inbox = await readInbox(p.stack.endpoints.inbox);
    expect(inbox.filter((e) => e.to.includes(outside))).toEqual([]);
    expect((await p.sim.timeline(asg)).recoveries).toHaveLength(0);
  });

  it("admit a sender on ALLOWED_SENDER_IDS and refuse any other, naming it", async () => {
    const asg = await p.createGroup({ desiredCapacity: 2, maxSize: 4 });
    const admitted = await p.submit({ asg, count: 1, dryRun: true });
    await p.waitForEvent(admitted, EventType.experimentPlanned);

    await p.services.producer.stop();
    const strict = await startTestService(p.stack, "producer", {
      env: { ALLOWED_SENDER_IDS: "111111111111,AROAEXAMPLEROLEID1234" },
    });
    try {
      const before = await p.sim.counters();
      await p.submit({ asg, count: 1, requestId: `stranger-${asg}` });
      const line = await strict.waitForLog("experiment.rejected");
      expect(line[0]).toMatchObject({ codes: ["sender-not-allowed"] });
      // Refused under its own message id: the requestId it claims is left undecided.
      const refused = await p.waitForEvent(
        String(line[0]!.experimentId),
        EventType.experimentRejected,
      );
      expect(refused.data.reasons[0]!.message).toBe(
        `not terminating: the message was sent by ${fauxqsSender}, which is not in ALLOWED_SENDER_IDS`,
      );
      expect(refused.data.requestId).not.toBe(`stranger-${asg}`);
      expect(refused.data.notify.emails).toEqual([]);
      const after = await p.sim.counters();
      expect(after.calls.TerminateInstances ?? 0).toBe(before.calls.TerminateInstances ?? 0);
    } finally {
      await strict.stop();
    }
  });
});
