import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SNSClient } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EventType,
  createEvent,
  createRedis,
  eventSource,
  experimentIdFor,
  openEventTap,
  publishEvent,
  terminationOrderSchema,
  type AnyCloudEvent,
  type EventTap,
  type Redis,
  type TerminationOrder,
  ServiceName,
} from "@macaque/shared";
import {
  readyUrl,
  sourceFile,
  startProcess,
  startStack,
  type RunningProcess,
  type Stack,
} from "@macaque/sandbox";
import { createFleetSimControl, type FleetSimControl } from "@macaque/fleet-sim";
import { snsAt, sqsAt, uniquePrefix, waitFor } from "../../../test/support/aws.ts";

type EventOf<T extends EventType> = Extract<AnyCloudEvent, { type: T }>;

let stack: Stack;
let producer: RunningProcess<string>;
let sqs: SQSClient;
let sns: SNSClient;
let redis: Redis;
let fleet: FleetSimControl;
let tap: EventTap;
let orders: OrderReader;
const redisPrefix = uniquePrefix("r");
const logs: string[] = [];
const optIn = { "macaque:enabled": "true" };
const leaseOf = (asg: string) => redis.get(`${redisPrefix}:producer:lease:${asg}`);

/** Reads termination orders off the terminator's queue (no terminator runs here). */
interface OrderReader {
  seen: TerminationOrder[];
  /** Every order received so far, after one more receive. */
  poll(): Promise<TerminationOrder[]>;
}

function readOrders(queueUrl: string): OrderReader {
  const seen: TerminationOrder[] = [];
  return {
    seen,
    async poll() {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      for (const m of out.Messages ?? []) {
        seen.push(terminationOrderSchema.parse(JSON.parse(m.Body ?? "")));
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
        );
      }
      return seen;
    },
  };
}

const ordersFor = (id: string, n: number) =>
  waitFor(`${n} termination order(s) for ${id}`, async () => {
    const found = (await orders.poll()).filter((o) => o.experiment.id === id);
    return found.length >= n ? found : undefined;
  });

async function request(body: unknown): Promise<string> {
  const out = await sqs.send(
    new SendMessageCommand({
      QueueUrl: stack.topology.queues.requests.url,
      MessageBody: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  return out.MessageId!;
}

const nextEvent = <T extends EventType>(
  type: T,
  experimentId: string,
  except: readonly AnyCloudEvent[] = [],
) =>
  tap.waitFor(
    (e): e is EventOf<T> => e.type === type && e.subject === experimentId && !except.includes(e),
    20_000,
  );

/** Every request sent so far has been handled and deleted. */
const requestsDrained = () =>
  waitFor("the requests queue to drain", async () => {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.topology.queues.requests.url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    const a = out.Attributes ?? {};
    const idle =
      a.ApproximateNumberOfMessages === "0" && a.ApproximateNumberOfMessagesNotVisible === "0";
    return idle ? true : undefined;
  });

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("prod"), timeScale: 0.01 });
  sqs = sqsAt(stack.endpoints.sqs);
  sns = snsAt(stack.endpoints.sns);
  redis = createRedis(stack.endpoints.redis, "producer-test");
  fleet = createFleetSimControl(stack.endpoints.fleetSim);
  await fleet.createGroup({ name: "web", desiredCapacity: 4, tags: optIn });
  await fleet.createGroup({ name: "batch", desiredCapacity: 4, tags: optIn });
  await fleet.createGroup({ name: "payments", desiredCapacity: 4 });
  tap = await openEventTap({
    sqs,
    sns,
    topicArn: stack.topology.topics.events.arn,
    queueName: `${stack.prefix}-tap`,
  });
  orders = readOrders(stack.topology.queues.terminations.url);
  producer = await startProcess({
    name: "producer",
    command: process.execPath,
    args: ["--conditions=source", sourceFile("services/producer/src/main.ts")],
    env: {
      ...process.env,
      ...stack.env,
      HTTP_PORT: "0",
      HTTP_HOST: "127.0.0.1",
      REDIS_KEY_PREFIX: redisPrefix,
    },
    readyWhen: readyUrl,
    onLine: (line) => logs.push(line),
  }).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${logs.slice(-20).join("\n")}`);
  });
});

afterAll(async () => {
  await producer?.stop();
  await tap?.close();
  await redis?.quit();
  sqs?.destroy();
  sns?.destroy();
  await stack?.stop();
});

describe("producer", () => {
  const firstId = experimentIdFor("valid-1");
  let first: EventOf<typeof EventType.experimentPlanned>;

  it("plans a valid request and orders its victims terminated", async () => {
    await request({ asg: "web", count: 2, requestId: "valid-1", requestedBy: "test" });
    first = await nextEvent(EventType.experimentPlanned, firstId);
    const { experiment } = first.data;
    expect(experiment).toMatchObject({ asg: "web", dryRun: false, desiredCapacity: 4 });
    expect(experiment.victims).toHaveLength(2);
    expect(experiment.seed).toMatch(/^[0-9a-f]{32}$/);
    expect(first.data.candidates.slice(0, 2)).toEqual(experiment.victims.map((v) => v.instanceId));

    const group = await fleet.group("web");
    const inService = group.instances.filter((i) => i.lifecycleState === "InService");
    expect([...experiment.instanceIdsAtPlan].sort()).toEqual(
      group.instances.map((i) => i.instanceId).sort(),
    );
    for (const v of experiment.victims) {
      expect(inService.map((i) => i.instanceId)).toContain(v.instanceId);
    }
    const [order] = await ordersFor(firstId, 1);
    expect(order!.experiment).toEqual(experiment);
    expect(await leaseOf("web")).toBe(firstId);
  });

  it("re-sends the same plan for a redelivered request instead of choosing again", async () => {
    await request({ asg: "web", count: 2, requestId: "valid-1", requestedBy: "test" });
    const replay = await nextEvent(EventType.experimentPlanned, firstId, [first]);
    expect(replay).toEqual(first);
    const [order, again] = await ordersFor(firstId, 2);
    expect(again).toEqual(order);
  });

  it("refuses a second experiment on a group while the lease is held, naming the first", async () => {
    await request({ asg: "web", count: 1, requestId: "second-1" });
    const rejected = await nextEvent(EventType.experimentRejected, experimentIdFor("second-1"));
    expect(rejected.data.stage).toBe("guardrail");
    expect(rejected.data.reasons).toEqual([
      expect.objectContaining({ code: "group-busy", message: expect.stringContaining(firstId) }),
    ]);
  });

  it("plans a dry run without ordering a termination or taking the lease", async () => {
    await request({ asg: "batch", percent: 50, dryRun: true, seed: 7, requestId: "dry-1" });
    const id = experimentIdFor("dry-1");
    const planned = await nextEvent(EventType.experimentPlanned, id);
    expect(planned.data.experiment).toMatchObject({ dryRun: true, seed: "7" });
    expect(planned.data.experiment.victims).toHaveLength(2);
    // The order would be sent before the request is deleted: once the queue is idle it is too late.
    await requestsDrained();
    expect((await orders.poll()).some((o) => o.experiment.id === id)).toBe(false);
    expect(await leaseOf("batch")).toBeNull();
  });

  it("rejects malformed JSON at the parse stage with the received body", async () => {
    const messageId = await request('{"asg": "web", count: 1');
    const rejected = await nextEvent(EventType.experimentRejected, experimentIdFor(messageId));
    expect(rejected.data).toMatchObject({
      stage: "parse",
      requestId: messageId,
      receivedBody: '{"asg": "web", count: 1',
      notify: { emails: [] },
    });
    expect(rejected.data.reasons.map((r) => r.code)).toEqual(["invalid-json"]);
  });

  it("rejects a schema violation with every reason and still notifies the requester", async () => {
    await request({
      asg: "web",
      count: 0,
      dryrun: true,
      requestId: "bad-1",
      notify: { emails: ["owner@example.com"] },
    });
    const rejected = await nextEvent(EventType.experimentRejected, experimentIdFor("bad-1"));
    expect(rejected.data).toMatchObject({
      stage: "validation",
      asg: "web",
      notify: { emails: ["owner@example.com"] },
    });
    expect(rejected.data.reasons.map((r) => r.code).sort()).toEqual([
      "invalid-field",
      "unknown-field",
    ]);
  });

  it("rejects a group that has not opted in, and one that does not exist", async () => {
    await request({ asg: "payments", count: 1, requestId: "closed-1" });
    await request({ asg: "ghost", count: 1, requestId: "ghost-1" });
    const closed = await nextEvent(EventType.experimentRejected, experimentIdFor("closed-1"));
    expect(closed.data.reasons.map((r) => r.code)).toEqual(["not-opted-in"]);
    expect(closed.data.reasons[0]!.message).toContain("macaque:enabled=true");
    const ghost = await nextEvent(EventType.experimentRejected, experimentIdFor("ghost-1"));
    expect(ghost.data.reasons).toEqual([
      { code: "unknown-group", message: "no Auto Scaling group named ghost in us-east-1" },
    ]);
  });

  it("frees the group when the experiment's recovery completes, so the next request is planned", async () => {
    const { experiment } = first.data;
    const completed = createEvent(EventType.recoveryCompleted, {
      source: eventSource(ServiceName.recoveryMonitor),
      subject: firstId,
      data: {
        experiment,
        outcome: "recovered",
        verdict: "none",
        timeToRecoverSeconds: 1,
        timeline: { terminatedAt: experiment.plannedAt },
        lastObserved: null,
        checkIntervalSeconds: 10,
        checks: 1,
        terminated: experiment.victims.map((v) => v.instanceId),
      },
    });
    await publishEvent(sns, stack.topology.topics.events.arn, completed);
    await waitFor("the lease to be released", async () =>
      (await leaseOf("web")) === null ? true : undefined,
    );
    await request({ asg: "web", count: 1, requestId: "third-1" });
    const planned = await nextEvent(EventType.experimentPlanned, experimentIdFor("third-1"));
    expect(planned.data.experiment.victims).toHaveLength(1);
    expect(await leaseOf("web")).toBe(experimentIdFor("third-1"));
  });

  it("reports ready and counts plans and rejections by reason", async () => {
    expect((await fetch(`${producer.ready}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${producer.ready}/metrics`)).text();
    expect(metrics).toMatch(/macaque_producer_experiments_planned_total\{dry_run="false"[^}]*\} 2/);
    expect(metrics).toMatch(
      /macaque_producer_rejections_total\{stage="guardrail",code="group-busy"[^}]*\} 1/,
    );
    expect(metrics).toMatch(/macaque_producer_leases_released_total\{[^}]*\} 1/);
  });
});
