/**
 * What ends up being retried, and where it ends. A body that is not an order is
 * poison: moved to the dead-letter queue on its first receive. A failing order is
 * retried; the stack's terminations queue redrives after 5 receives, 62 s with the
 * consumer's 2-4-8-16-32 s backoff, and this file lowers it to 2 receives on its
 * own stack so the redrive is seen in seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { startStack, type Stack } from "@macaque/sandbox";
import { EventType, poisonReasonAttribute, terminationOrderKind } from "@macaque/shared";
import { sqsAt, uniquePrefix } from "../../../test/support/aws.ts";
import { openTestTap, type TestTap } from "../../../test/support/event-tap.ts";
import { startTestService, type TestService } from "../../../test/support/processes.ts";
import { waitFor } from "../../../test/support/wait.ts";
import { fleetOf, orderFor, plannedExperiment, sendOrder } from "./harness.ts";

let stack: Stack;
let terminator: TestService;
let tap: TestTap;
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
  tap = await openTestTap(stack);
  fleet = fleetOf(stack.endpoints.fleetSim);
  // One attempt per AWS call: a throttled call reaches the handler at once.
  terminator = await startTestService(stack, "terminator", { env: { AWS_MAX_ATTEMPTS: "1" } });
}, 60_000);

afterAll(async () => {
  await terminator?.stop();
  await tap?.close();
  fleet?.close();
  sqs?.destroy();
  await stack?.stop();
});

describe("terminator redelivery", () => {
  it("moves a body that is not an order straight to the dead-letter queue, with the reasons", async () => {
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

    const dead = new Map<string, string | undefined>();
    await waitFor(
      "both bodies in the dead-letter queue",
      async () => {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: stack.topology.queues.terminations.deadLetter.url,
            MaxNumberOfMessages: 10,
            MessageAttributeNames: ["All"],
            WaitTimeSeconds: 1,
          }),
        );
        for (const m of out.Messages ?? []) {
          dead.set(m.Body ?? "", m.MessageAttributes?.[poisonReasonAttribute]?.StringValue);
        }
        return dead.has(notJson) && dead.has(notAnOrder) ? dead : undefined;
      },
      20_000,
    );
    expect(dead.get(notJson)).toMatch(/^not a termination order: body is not JSON/);
    expect(dead.get(notAnOrder)).toMatch(/^not a termination order: .*experiment: .*orderedAt: /);
    // Moved on their first receive, with one warning each: never retried, never deleted.
    // The lines may reach us after the bodies reached the queue.
    expect(
      await terminator.waitForLog("message.dead-lettered", undefined, { count: 2 }),
    ).toHaveLength(2);
    expect(terminator.logged("message.retry")).toEqual([]);
    expect(terminator.logged("message.dropped")).toEqual([]);
  }, 30_000);

  it("retries an order whose AWS calls are throttled, then carries it out once", async () => {
    const group = await fleet.createGroup("throttled", 2);
    await fleet.control.setFaults(group.name, { throttleRate: 1 });
    const experiment = plannedExperiment(group, "ec2", 1);
    const victim = experiment.victims[0]!.instanceId;
    const callsBefore = await fleet.calls("TerminateInstances");

    await sendOrder(stack, orderFor(experiment));
    await terminator.waitForLine(
      "the throttled delivery to be retried",
      (l) =>
        l.event === "message.retry" &&
        /Throttling|RequestLimitExceeded/.test(JSON.stringify(l.err)),
    );
    await fleet.control.setFaults(group.name, { throttleRate: 0 });
    await tap.waitForEvent(experiment.id, EventType.instancesTerminated);

    expect(tap.typesOf(experiment.id)).toEqual([EventType.instancesTerminated]);
    expect((await fleet.ec2States([victim]))[victim]).not.toBe("running");
    expect((await fleet.calls("TerminateInstances")) - callsBefore).toBe(1);
  }, 30_000);
});
