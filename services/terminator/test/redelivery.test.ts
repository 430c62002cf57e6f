import { terminationOrderKind } from "@macaque/shared";
/**
 * What ends up being retried, and where it ends. The stack's terminations queue
 * redrives after 5 receives, 62 s with the consumer's 2-4-8-16-32 s backoff; this
 * file lowers it to 2 receives on its own stack, so a poison message is seen
 * received twice (never deleted) and then lands in the dead-letter queue in ~6 s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { startStack, type Stack } from "@macaque/sandbox";
import { sqsAt, uniquePrefix, waitFor } from "../../../test/support/aws.ts";
import {
  fleetOf,
  orderFor,
  plannedExperiment,
  sendOrder,
  startTerminator,
  subscribeToEvents,
  type Terminator,
} from "./harness.ts";

let stack: Stack;
let terminator: Terminator;
let events: Awaited<ReturnType<typeof subscribeToEvents>>;
let fleet: ReturnType<typeof fleetOf>;
let sqs: ReturnType<typeof sqsAt>;

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("term-dlq"), timeScale: 0.01 });
  sqs = sqsAt(stack.endpoints.sqs);
  const { terminations } = stack.topology.queues;
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: terminations.url,
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: terminations.deadLetter.arn,
          maxReceiveCount: 2,
        }),
      },
    }),
  );
  events = await subscribeToEvents(stack);
  fleet = fleetOf(stack);
  // One attempt per AWS call: a throttled call reaches the handler at once.
  terminator = await startTerminator(stack, { AWS_MAX_ATTEMPTS: "1" });
}, 60_000);

afterAll(async () => {
  await terminator?.process.stop();
  await events?.close();
  fleet?.close();
  sqs?.destroy();
  await stack?.stop();
});

describe("terminator redelivery", () => {
  it("leaves a body that is not an order to SQS: received again, then in the dead-letter queue untouched", async () => {
    const notJson = `kill web please ${uniquePrefix("x")}`;
    const notAnOrder = JSON.stringify({
      kind: terminationOrderKind,
      id: uniquePrefix("x"),
    });
    for (const body of [notJson, notAnOrder]) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.topology.queues.terminations.url,
          MessageBody: body,
        }),
      );
    }

    const invalid = await waitFor("a second receive of both bad bodies", async () => {
      const seen = terminator.logs.filter((l) => l.event === "order.invalid");
      return seen.filter((l) => l.receiveCount === 2).length >= 2 ? seen : undefined;
    });
    const reasons = invalid.flatMap((l) => l.reasons as string[]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^body is not JSON/),
        expect.stringMatching(/^experiment: /),
        expect.stringMatching(/^orderedAt: /),
      ]),
    );
    expect(invalid[0]!.msg).toMatch(
      /^not a termination order, leaving it to the dead-letter queue: /,
    );

    const dead: string[] = [];
    await waitFor(
      "both bodies in the dead-letter queue",
      async () => {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: stack.topology.queues.terminations.deadLetter.url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        dead.push(...(out.Messages ?? []).map((m) => m.Body ?? ""));
        return dead.includes(notJson) && dead.includes(notAnOrder) ? dead : undefined;
      },
      20_000,
    );
    expect(terminator.logs.some((l) => l.event === "message.dropped")).toBe(false);
  }, 30_000);

  it("retries an order whose AWS calls are throttled, then carries it out once", async () => {
    const group = await fleet.createGroup("throttled", 2);
    await fleet.control.setFaults(group.name, { throttleRate: 1 });
    const experiment = plannedExperiment(group, "ec2", 1);
    const victim = experiment.victims[0]!.instanceId;
    const callsBefore = await fleet.calls("TerminateInstances");

    await sendOrder(stack, orderFor(experiment));
    await terminator.waitForLog(
      "the throttled delivery to be retried",
      (l) =>
        l.event === "message.retry" &&
        /Throttling|RequestLimitExceeded/.test(JSON.stringify(l.err)),
    );
    await fleet.control.setFaults(group.name, { throttleRate: 0 });
    const [event] = await events.waitForEvents(experiment.id);

    expect(event!.type).toBe("macaque.instances.terminated");
    expect((await fleet.ec2States([victim]))[victim]).not.toBe("running");
    expect((await fleet.calls("TerminateInstances")) - callsBefore).toBe(1);
  }, 30_000);
});
