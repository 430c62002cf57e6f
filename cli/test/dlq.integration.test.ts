import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@macaque/sandbox";
import { poisonReasonAttribute } from "@macaque/shared";
import { sandboxClient, uniquePrefix } from "../../test/support/aws.ts";
import { waitFor } from "../../test/support/wait.ts";
import type { DeadLetterQueue, RedriveResult } from "../src/dlq.ts";
import { runCli } from "./support.ts";

/**
 * `macaque dlq list` and `redrive` as a separate process against the sandbox's
 * queues: what a service gave up on is listed without being taken, and goes back
 * to its own queue (poison messages only when asked).
 */
let stack: Stack;
let sqs: SQSClient;

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("dlq"), timeScale: 0.01 });
  sqs = sandboxClient(SQSClient, stack.endpoints.sqs, { useQueueUrlAsEndpoint: false });
});
afterAll(async () => {
  sqs?.destroy();
  await stack?.stop();
});

async function cli(args: string[]) {
  const run = runCli(args, stack.env);
  const code = await run.exited;
  expect(run.stderr()).toBe("");
  expect(code).toBe(0);
  return run.stdout();
}

const deadLetter = (role: "terminations" | "notifications", body: string, poison?: string) =>
  sqs.send(
    new SendMessageCommand({
      QueueUrl: stack.topology.queues[role].deadLetter.url,
      MessageBody: body,
      ...(poison && {
        MessageAttributes: { [poisonReasonAttribute]: { DataType: "String", StringValue: poison } },
      }),
    }),
  );

describe("macaque dlq", () => {
  it("lists each dead-letter queue without taking its messages, then redrives them to their queue", async () => {
    const order = await deadLetter("terminations", '{"kind":"termination-order"}');
    const poison = await deadLetter("notifications", "garbage", "not a macaque event");

    const listed = JSON.parse(await cli(["dlq", "list", "--json"])) as DeadLetterQueue[];
    const byQueue = Object.fromEntries(listed.map((q) => [q.queue, q]));
    expect(byQueue.terminations?.depth).toBe(1);
    expect(byQueue.terminations?.messages).toMatchObject([
      { messageId: order.MessageId, body: '{"kind":"termination-order"}' },
    ]);
    expect(byQueue.notifications?.messages).toMatchObject([
      { messageId: poison.MessageId, poisonReason: "not a macaque event" },
    ]);
    expect(byQueue.requests?.depth).toBe(0);
    // Listing gave them back: a second look sees the same.
    const text = await cli(["dlq", "list"]);
    expect(text).toContain(order.MessageId);
    expect(text).toContain("2 message(s) given up on; fix the cause, then: macaque dlq redrive");

    const results = JSON.parse(await cli(["dlq", "redrive", "--json"])) as RedriveResult[];
    const moved = Object.fromEntries(results.map((r) => [r.queue, r]));
    expect(moved.terminations?.moved).toEqual([order.MessageId]);
    expect(moved.notifications).toMatchObject({ moved: [], keptPoison: [poison.MessageId] });
    const back = await waitFor("the order back on the terminations queue", async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.topology.queues.terminations.url,
          WaitTimeSeconds: 1,
        }),
      );
      return out.Messages?.[0];
    });
    expect(back.Body).toBe('{"kind":"termination-order"}');

    const poisonMoved = JSON.parse(
      await cli(["dlq", "redrive", "--queue", "notifications", "--include-poison", "--json"]),
    ) as RedriveResult[];
    expect(poisonMoved).toEqual([
      { queue: "notifications", moved: [poison.MessageId], keptPoison: [] },
    ]);
    expect(await cli(["dlq", "list"])).toContain("every dead-letter queue is empty");
  });

  it("names the queues it knows when given another", async () => {
    const run = runCli(["dlq", "list", "--queue", "nope"], stack.env);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('--queue: "nope" is not one of requests, terminations');
  });
});
