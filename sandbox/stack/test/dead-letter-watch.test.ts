import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, watchDeadLetters, type Stack } from "@macaque/sandbox";
import { sqsAt, uniquePrefix, waitFor } from "../../../test/support/aws.ts";

/** The sandbox's stand-in for the dead-letter alarms, against its own fauxqs. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("dlw"), timeScale: 0.01 });
});
afterAll(async () => {
  await stack?.stop();
});

describe("watchDeadLetters", () => {
  it("prints a line when a dead-letter queue holds more than at its last look, and not again for the same", async () => {
    const lines: string[] = [];
    const watch = watchDeadLetters(stack, (line) => lines.push(line), 100);
    const sqs = sqsAt(stack.endpoints.sqs);
    try {
      const dlq = stack.topology.queues.notifications.deadLetter;
      await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: "given up" }));
      const line = await waitFor("the dead-letter line", async () => lines[0]);
      expect(line).toBe(
        `macaque sandbox: 1 message(s) in ${dlq.name}: a service gave up on them (npx macaque dlq list)`,
      );
      await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: "another" }));
      await waitFor("the second line", async () => lines[1]);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`2 message(s) in ${dlq.name}`);
    } finally {
      watch.stop();
      sqs.destroy();
    }
  });
});
