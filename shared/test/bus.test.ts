import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { SQSClient as SQS } from "@aws-sdk/client-sqs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PermanentError,
  PoisonMessageError,
  awsClientConfig,
  createLogger,
  createMetrics,
  createQueueConsumer,
  retryDelaySeconds,
  type DeadLetterNotice,
  type MessageContext,
} from "@macaque/shared";
import { sandboxCredentials, startFauxqs, type RunningProcess } from "@macaque/sandbox";
import { sqsAt, uniquePrefix } from "../../test/support/aws.ts";
import { deferred, waitFor, waitUntil } from "../../test/support/wait.ts";

let fauxqs: RunningProcess<string>;
let sqs: SQSClient;
const logger = createLogger({ service: "test", level: "silent" });

beforeAll(async () => {
  fauxqs = await startFauxqs();
  sqs = sqsAt(fauxqs.ready);
});
afterAll(async () => {
  sqs?.destroy();
  await fauxqs?.stop();
});

/** Runs a consumer until `until` resolves, recording each delivery. */
async function consume(
  handle: (body: string, context: MessageContext) => Promise<void>,
  options: {
    visibilityTimeoutSeconds?: number;
    deadLetterQueueUrl?: string;
    handleMessageTimeoutSeconds?: number;
    maxReceiveCount?: number;
    concurrency?: number;
  } = {},
) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniquePrefix("bus") }));
  const metrics = createMetrics("test");
  const deliveries: Array<{ body: string; receiveCount: number; at: number }> = [];
  const announced: DeadLetterNotice[] = [];
  const consumer = createQueueConsumer({
    ...(options.maxReceiveCount ? { maxReceiveCount: options.maxReceiveCount } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    announceDeadLetter: async (notice) => void announced.push(notice),
    name: "test",
    sqs,
    queueUrl: QueueUrl!,
    logger,
    metrics,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    ...(options.deadLetterQueueUrl ? { deadLetterQueueUrl: options.deadLetterQueueUrl } : {}),
    ...(options.handleMessageTimeoutSeconds
      ? { handleMessageTimeoutSeconds: options.handleMessageTimeoutSeconds }
      : {}),
    handle: async (message, context) => {
      deliveries.push({ body: message.Body!, receiveCount: context.receiveCount, at: Date.now() });
      await handle(message.Body!, context);
    },
  });
  consumer.start();
  const send = (body: string) =>
    sqs.send(new SendMessageCommand({ QueueUrl: QueueUrl!, MessageBody: body }));
  const outcomes = async () =>
    Object.fromEntries(
      (await metrics.messagesHandled.get()).values.map((v) => [v.labels.outcome, v.value]),
    );
  return { consumer, deliveries, send, outcomes, metrics, announced, queueUrl: QueueUrl! };
}

describe("createQueueConsumer", () => {
  it("announces a message that failed on its last receive before the redrive moves it, and counts it", async () => {
    const run = await consume(
      async () => {
        throw new Error("SES is down");
      },
      { maxReceiveCount: 2 },
    );
    await run.send('{"hello":"dead letter"}');
    const notice = await waitFor("the announcement", async () => run.announced[0]);
    await run.consumer.stop();
    expect(run.deliveries.map((d) => d.receiveCount)).toEqual([1, 2]);
    expect(notice).toMatchObject({
      queue: "test",
      why: "retries-exhausted",
      receiveCount: 2,
      error: "SES is down",
      bodyExcerpt: '{"hello":"dead letter"}',
    });
    const counted = (await run.metrics.messagesDeadLettered.get()).values;
    expect(counted).toEqual([
      expect.objectContaining({ labels: { queue: "test", why: "retries-exhausted" }, value: 1 }),
    ]);
  });

  it("handles up to `concurrency` messages at once, more than one receive holds", async () => {
    const release = deferred();
    let running = 0;
    const run = await consume(
      async () => {
        running++;
        await release.promise;
      },
      { concurrency: 25 },
    );
    await Promise.all(Array.from({ length: 25 }, (_, i) => run.send(`m${i}`)));
    // All 25 handlers run at the same time: 10, 10 and 5 from three receives side by side.
    await waitUntil("25 handlers running at once", () => running === 25);
    release.resolve();
    await waitUntil("25 messages done", async () => (await run.outcomes()).done === 25);
    await run.consumer.stop();
    expect(run.consumer.isRunning).toBe(false);
  });

  it("deletes a message once the handler resolves", async () => {
    const done = deferred();
    const run = await consume(async () => done.resolve());
    await run.send("ok");
    await done.promise;
    await run.consumer.stop();
    expect(run.deliveries.map((d) => d.body)).toEqual(["ok"]);
    expect(await run.outcomes()).toEqual({ done: 1 });
  });

  it("reports and deletes a message whose handler throws a PermanentError", async () => {
    const done = deferred();
    const run = await consume(async () => {
      done.resolve();
      throw new PermanentError("bad input");
    });
    await run.send("bad");
    await done.promise;
    await run.consumer.stop();
    expect(await run.outcomes()).toEqual({ rejected: 1 });
  });

  it("moves a poison message to the dead-letter queue at once, with the reason", async () => {
    const { QueueUrl: dlq } = await sqs.send(
      new CreateQueueCommand({ QueueName: uniquePrefix("poison-dlq") }),
    );
    const run = await consume(
      async () => {
        throw new PoisonMessageError("not a macaque event");
      },
      { deadLetterQueueUrl: dlq! },
    );
    await run.send("garbage");
    const moved = await waitFor("the poison message in the dead-letter queue", async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq!,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ["All"],
        }),
      );
      return out.Messages?.[0];
    });
    await run.consumer.stop();
    expect(moved.Body).toBe("garbage");
    expect(moved.MessageAttributes?.poisonReason?.StringValue).toBe("not a macaque event");
    expect(run.deliveries).toHaveLength(1);
    expect(await run.outcomes()).toEqual({ poison: 1 });
    expect(run.announced).toMatchObject([
      { why: "poison", error: "not a macaque event", bodyExcerpt: "garbage", receiveCount: 1 },
    ]);
    expect(run.announced[0]?.deadLetterQueue).toBe(dlq!.split("/").pop());
  });

  it("gives a message whose handler hangs back to SQS after handleMessageTimeoutSeconds", async () => {
    const release = deferred();
    const second = deferred();
    const run = await consume(
      async (_body, context) => {
        if (context.receiveCount === 1) return release.promise;
        second.resolve();
      },
      { handleMessageTimeoutSeconds: 1, visibilityTimeoutSeconds: 30 },
    );
    await run.send("hangs");
    await second.promise;
    release.resolve();
    await run.consumer.stop();
    expect(run.deliveries.map((d) => d.receiveCount)).toEqual([1, 2]);
    expect(await run.outcomes()).toMatchObject({ "timed-out": 1 });
  });

  it("has SQS redeliver a message whose handler fails, after a backoff", async () => {
    const second = deferred();
    const run = await consume(async (_body, context) => {
      if (context.receiveCount === 1) throw new Error("Redis is down");
      second.resolve();
    });
    await run.send("retry me");
    await second.promise;
    await run.consumer.stop();
    expect(run.deliveries.map((d) => d.receiveCount)).toEqual([1, 2]);
    const gapMs = run.deliveries[1]!.at - run.deliveries[0]!.at;
    expect(gapMs).toBeGreaterThanOrEqual(retryDelaySeconds(1) * 1000 - 200);
    expect(await run.outcomes()).toEqual({ retried: 1, done: 1 });
  });

  it("keeps a long-running message invisible with heartbeats", async () => {
    // Visibility 2 s, work 4 s: without heartbeats another receiver would get the
    // message while the first is still working on it.
    const done = deferred();
    let seenByOther = -1;
    const run = await consume(
      async () => {
        await new Promise((r) => setTimeout(r, 3_500));
        const other = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: run.queueUrl, WaitTimeSeconds: 0 }),
        );
        seenByOther = other.Messages?.length ?? 0;
        done.resolve();
      },
      { visibilityTimeoutSeconds: 2 },
    );
    await run.send("slow");
    await done.promise;
    await run.consumer.stop();
    expect(seenByOther).toBe(0);
    expect(run.deliveries).toHaveLength(1);
  });

  it("stops an idle consumer within one long poll and hands the next message to its successor", async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: uniquePrefix("idle") }),
    );
    const received: string[] = [];
    // A client that says when a receive goes out, so the stop lands inside a long poll.
    const polling = deferred();
    const watched = sqsAt(fauxqs.ready);
    watched.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "ReceiveMessageCommand") polling.resolve();
        return next(args);
      },
      { step: "finalizeRequest", name: "signalReceive" },
    );
    const start = (name: string) => {
      const consumer = createQueueConsumer({
        name,
        sqs: watched,
        queueUrl: QueueUrl!,
        logger,
        metrics: createMetrics("test"),
        waitTimeSeconds: 2,
        handle: async (message) => void received.push(`${name}:${message.Body}`),
      });
      consumer.start();
      return consumer;
    };
    const first = start("first");
    await polling.promise;
    const stopping = Date.now();
    await first.stop();
    expect(Date.now() - stopping).toBeLessThan(6_000);
    expect(first.isRunning).toBe(false);

    // Nothing the stopped consumer was polling for may be stranded in flight.
    const second = start("second");
    await sqs.send(new SendMessageCommand({ QueueUrl: QueueUrl!, MessageBody: "after" }));
    await waitUntil("the successor to receive the message", () => received.length > 0);
    await second.stop();
    watched.destroy();
    expect(received).toEqual(["second:after"]);
  });

  it("waits for in-flight work when stopped", async () => {
    const started = deferred();
    const release = deferred();
    const order: string[] = [];
    const run = await consume(async () => {
      started.resolve();
      await release.promise;
      order.push("handler finished");
    });
    await run.send("in flight");
    await started.promise;
    const stopping = run.consumer.stop().then(() => void order.push("stopped"));
    // A stop that did not wait would have resolved by the next turn of the event loop.
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    release.resolve();
    await stopping;
    expect(order).toEqual(["handler finished", "stopped"]);
    expect(await run.outcomes()).toEqual({ done: 1 });
  });
});

describe("AWS clients", () => {
  let silent: Server;
  beforeAll(async () => {
    // Accepts connections and never answers, like a stand-in missing an action.
    silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  });
  afterAll(() => {
    silent.closeAllConnections();
    silent.close();
  });

  it("give up on an endpoint that never answers instead of hanging", async () => {
    const client = new SQS({
      ...awsClientConfig({ region: "us-east-1", requestTimeoutMs: 300, maxAttempts: 2 }),
      endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      credentials: sandboxCredentials,
    });
    const started = Date.now();
    await expect(client.send(new CreateQueueCommand({ QueueName: "never" }))).rejects.toThrow(
      /timeout|timed out/i,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    client.destroy();
  });
});
