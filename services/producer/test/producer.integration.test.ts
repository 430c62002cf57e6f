import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SNSClient } from "@aws-sdk/client-sns";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EventType,
  createEvent,
  createRedis,
  eventSource,
  experimentIdFor,
  publishEvent,
  terminationOrderSchema,
  type ExperimentContext,
  type Redis,
  type TerminationOrder,
  ServiceName,
} from "@macaque/shared";
import { startStack, type Stack } from "@macaque/sandbox";
import { createFleetSimControl, type FleetSimControl } from "@macaque/fleet-sim";
import { receiveAndDelete, snsAt, sqsAt, uniquePrefix } from "../../../test/support/aws.ts";
import { openTestTap, type TestTap } from "../../../test/support/event-tap.ts";
import { startTestService, type TestService } from "../../../test/support/processes.ts";
import { waitFor, waitUntil } from "../../../test/support/wait.ts";

/**
 * The producer as its own process against the sandbox, no terminator: its orders
 * are read off the terminations queue by the test. Every test makes its own
 * groups and request ids, so any one of them runs alone (`-t`).
 */

let stack: Stack;
let producer: TestService;
let sqs: SQSClient;
let sns: SNSClient;
let redis: Redis;
let fleet: FleetSimControl;
let tap: TestTap;
let orders: OrderReader;
const redisPrefix = uniquePrefix("r");
const optIn = { "macaque:enabled": "true" };
const leaseOf = (asg: string) => redis.get(`${redisPrefix}:producer:lease:${asg}`);
const lastEndedOf = (asg: string) => redis.get(`${redisPrefix}:producer:last-ended:${asg}`);
const unique = (label: string) => `${label}-${randomBytes(3).toString("hex")}`;

/** A steady group of four with a name of its own, opted in unless `tags` say otherwise. */
async function createGroup(label: string, tags: Record<string, string> = optIn) {
  const name = unique(label);
  await fleet.createGroup({ name, desiredCapacity: 4, tags });
  return name;
}

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
      for (const m of await receiveAndDelete(sqs, queueUrl)) {
        seen.push(terminationOrderSchema.parse(JSON.parse(m.Body ?? "")));
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

/** Sends a valid request and waits for its plan. */
async function plan(asg: string, job: Record<string, unknown> = {}) {
  const requestId = unique("req");
  await request({ asg, count: 1, requestId, ...job });
  const id = experimentIdFor(requestId);
  return { id, requestId, planned: await tap.waitForEvent(id, EventType.experimentPlanned) };
}

/** Publishes the experiment's recovery outcome, as the recovery-monitor would. */
async function completeRecovery(experiment: ExperimentContext) {
  const completed = createEvent(EventType.recoveryCompleted, {
    source: eventSource(ServiceName.recoveryMonitor),
    subject: experiment.id,
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
}

const counter = (name: string, ...labels: string[]) => producer.metric(name, ...labels);

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
  tap = await openTestTap(stack);
  orders = readOrders(stack.topology.queues.terminations.url);
  producer = await startTestService(stack, "producer", {
    env: { REDIS_KEY_PREFIX: redisPrefix },
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
  it("plans a valid request and orders its victims terminated", async () => {
    const asg = await createGroup("web");
    const requestId = unique("valid");
    await request({ asg, count: 2, requestId, requestedBy: "test" });
    const id = experimentIdFor(requestId);
    const planned = await tap.waitForEvent(id, EventType.experimentPlanned);
    const { experiment } = planned.data;
    expect(experiment).toMatchObject({ asg, dryRun: false, desiredCapacity: 4 });
    expect(experiment.victims).toHaveLength(2);
    expect(experiment.seed).toMatch(/^[0-9a-f]{32}$/);
    expect(planned.data.candidates.slice(0, 2)).toEqual(
      experiment.victims.map((v) => v.instanceId),
    );

    const group = await fleet.group(asg);
    const inService = group.instances.filter((i) => i.lifecycleState === "InService");
    expect([...experiment.instanceIdsAtPlan].sort()).toEqual(
      group.instances.map((i) => i.instanceId).sort(),
    );
    for (const v of experiment.victims) {
      expect(inService.map((i) => i.instanceId)).toContain(v.instanceId);
    }
    const [order] = await ordersFor(id, 1);
    expect(order!.experiment).toEqual(experiment);
    expect(await leaseOf(asg)).toBe(id);
  });

  it("re-sends the same plan for a redelivered request instead of choosing again", async () => {
    const asg = await createGroup("web");
    const job = { asg, count: 2, requestId: unique("again"), requestedBy: "test" };
    const id = experimentIdFor(job.requestId);
    await request(job);
    await tap.waitForEvent(id, EventType.experimentPlanned);
    await request(job);
    const [first, replay] = await tap.waitForEvents(id, EventType.experimentPlanned, 2);
    expect(replay).toEqual(first);
    const [order, again] = await ordersFor(id, 2);
    expect(again).toEqual(order);
  });

  it("refuses a second experiment on a group while the lease is held, naming the first", async () => {
    const asg = await createGroup("web");
    const first = await plan(asg);
    const second = unique("second");
    await request({ asg, count: 1, requestId: second });
    const rejected = await tap.waitForEvent(experimentIdFor(second), EventType.experimentRejected);
    expect(rejected.data.stage).toBe("guardrail");
    expect(rejected.data.reasons).toEqual([
      expect.objectContaining({ code: "group-busy", message: expect.stringContaining(first.id) }),
    ]);
  });

  it("plans a dry run without ordering a termination or taking the lease", async () => {
    const asg = await createGroup("batch");
    const requestId = unique("dry");
    await request({ asg, percent: 50, dryRun: true, seed: 7, requestId });
    const id = experimentIdFor(requestId);
    const planned = await tap.waitForEvent(id, EventType.experimentPlanned);
    expect(planned.data.experiment).toMatchObject({ dryRun: true, seed: "7" });
    expect(planned.data.experiment.victims).toHaveLength(2);
    // The order would be sent before the request is deleted: once the queue is idle it is too late.
    await requestsDrained();
    expect((await orders.poll()).some((o) => o.experiment.id === id)).toBe(false);
    expect(await leaseOf(asg)).toBeNull();
  });

  it("rejects malformed JSON at the parse stage with the received body", async () => {
    const messageId = await request('{"asg": "web", count: 1');
    const rejected = await tap.waitForEvent(
      experimentIdFor(messageId),
      EventType.experimentRejected,
    );
    expect(rejected.data).toMatchObject({
      stage: "parse",
      requestId: messageId,
      receivedBody: '{"asg": "web", count: 1',
      notify: { emails: [] },
    });
    expect(rejected.data.reasons.map((r) => r.code)).toEqual(["invalid-json"]);
  });

  it("rejects a schema violation with every reason and still notifies the requester", async () => {
    const requestId = unique("bad");
    await request({
      asg: "web",
      count: 0,
      dryrun: true,
      requestId,
      notify: { emails: ["owner@example.com"] },
    });
    const rejected = await tap.waitForEvent(
      experimentIdFor(requestId),
      EventType.experimentRejected,
    );
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
    const closed = { asg: await createGroup("payments", {}), requestId: unique("closed") };
    const ghost = { asg: unique("ghost"), requestId: unique("ghost") };
    await request({ ...closed, count: 1 });
    await request({ ...ghost, count: 1 });
    const refused = await tap.waitForEvent(
      experimentIdFor(closed.requestId),
      EventType.experimentRejected,
    );
    expect(refused.data.reasons.map((r) => r.code)).toEqual(["not-opted-in"]);
    expect(refused.data.reasons[0]!.message).toContain("macaque:enabled=true");
    const unknown = await tap.waitForEvent(
      experimentIdFor(ghost.requestId),
      EventType.experimentRejected,
    );
    expect(unknown.data.reasons).toEqual([
      { code: "unknown-group", message: `no Auto Scaling group named ${ghost.asg} in us-east-1` },
    ]);
  });

  it("gives a request sent again after its rejection the same rejection, even once the group would allow it", async () => {
    const asg = unique("later");
    const requestId = unique("refused");
    const id = experimentIdFor(requestId);
    await request({ asg, count: 1, requestId });
    const first = await tap.waitForEvent(id, EventType.experimentRejected);
    expect(first.data.reasons.map((r) => r.code)).toEqual(["unknown-group"]);
    await fleet.createGroup({ name: asg, desiredCapacity: 4, tags: optIn });
    await request({ asg, count: 1, requestId });
    const [, again] = await tap.waitForEvents(id, EventType.experimentRejected, 2);
    expect(again).toEqual(first);
    await producer.waitForLog("rejection.replayed", id);
    await requestsDrained();
    await tap.drain();
    expect(tap.typesOf(id)).toEqual([EventType.experimentRejected, EventType.experimentRejected]);
    expect((await orders.poll()).filter((o) => o.experiment.id === id)).toEqual([]);
    expect(await leaseOf(asg)).toBeNull();
  });

  it("plans on a 2,000-instance group with every event under SNS's 256 KB", async () => {
    const asg = unique("fleet");
    await fleet.createGroup({ name: asg, desiredCapacity: 2_000, maxSize: 4_000, tags: optIn });
    await waitUntil(
      "2,000 instances InService and Healthy",
      async () =>
        (await fleet.group(asg)).instances.filter(
          (i) => i.lifecycleState === "InService" && i.healthStatus === "Healthy",
        ).length === 2_000,
      30_000,
    );
    const { id, planned } = await plan(asg, { count: 10 });
    expect(Buffer.byteLength(JSON.stringify(planned))).toBeLessThan(256 * 1024);
    expect(planned.data.group.instanceCount).toBe(2_000);
    expect(planned.data.experiment.instanceIdsAtPlan).toHaveLength(2_000);
    const [order] = await ordersFor(id, 1);
    expect(Buffer.byteLength(JSON.stringify(order))).toBeLessThan(256 * 1024);
    expect(order!.experiment.victims).toHaveLength(10);
  }, 60_000);

  it("frees the group when the experiment's recovery completes, so the next request is planned", async () => {
    const asg = await createGroup("web");
    const released = () => counter("macaque_producer_leases_released_total");
    const releasedBefore = await released();
    const first = await plan(asg);
    const { experiment } = first.planned.data;
    await completeRecovery(experiment);
    await waitUntil("the lease to be released", async () => (await leaseOf(asg)) === null);
    const next = await plan(asg);
    expect(next.planned.data.experiment.victims).toHaveLength(1);
    expect(await leaseOf(asg)).toBe(next.id);
    await waitUntil("the release to be counted", async () => (await released()) > releasedBefore);
    expect(await released()).toBe(releasedBefore + 1);
  });

  it("reports ready and counts plans and rejections by reason", async () => {
    expect((await fetch(`${producer.url}/readyz`)).status).toBe(200);
    const planned = () => counter("macaque_producer_experiments_planned_total", 'dry_run="false"');
    const busy = () =>
      counter("macaque_producer_rejections_total", 'stage="guardrail"', 'code="group-busy"');
    const [plannedBefore, busyBefore] = [await planned(), await busy()];
    const asg = await createGroup("web");
    await plan(asg);
    const second = unique("busy");
    await request({ asg, count: 1, requestId: second });
    await tap.waitForEvent(experimentIdFor(second), EventType.experimentRejected);
    // Counted as the handler returns, which may be just after the event went out.
    await waitUntil(
      "the plan and the refusal to be counted",
      async () => (await planned()) > plannedBefore && (await busy()) > busyBefore,
    );
    expect(await planned()).toBe(plannedBefore + 1);
    expect(await busy()).toBe(busyBefore + 1);
  });

  it("refuses a request right after the group's last experiment ended as too-soon, ordering nothing", async () => {
    const asg = await createGroup("web", { ...optIn, "macaque:min-minutes-between": "60" });
    const first = await plan(asg);
    await completeRecovery(first.planned.data.experiment);
    await waitUntil("the lease to be released", async () => (await leaseOf(asg)) === null);
    const endedAt = new Date((await lastEndedOf(asg))!);
    expect(endedAt.getTime()).toBeGreaterThanOrEqual(
      Date.parse(first.planned.data.experiment.plannedAt),
    );
    const terminateCalls = async () => {
      const { calls } = await fleet.counters();
      return (calls.TerminateInstanceInAutoScalingGroup ?? 0) + (calls.TerminateInstances ?? 0);
    };
    const callsBefore = await terminateCalls();

    const second = unique("soon");
    await request({ asg, count: 1, requestId: second });
    const id = experimentIdFor(second);
    const rejected = await tap.waitForEvent(id, EventType.experimentRejected);
    const allowedAt = new Date(endedAt.getTime() + 60 * 60_000);
    expect(rejected.data.reasons).toEqual([
      {
        code: "too-soon",
        message: `group ${asg}'s last experiment ended at ${endedAt.toISOString()}; the next is allowed from ${allowedAt.toISOString()}, 60 min later (tag macaque:min-minutes-between=60)`,
      },
    ]);
    await requestsDrained();
    expect((await orders.poll()).some((o) => o.experiment.id === id)).toBe(false);
    expect(await terminateCalls()).toBe(callsBefore);
    expect(await leaseOf(asg)).toBeNull();
  });

  it("refuses a count of 2 on a group tagged macaque:max-instances=1, naming the tag", async () => {
    const asg = await createGroup("web", { ...optIn, "macaque:max-instances": "1" });
    const requestId = unique("two");
    await request({ asg, count: 2, requestId });
    const rejected = await tap.waitForEvent(
      experimentIdFor(requestId),
      EventType.experimentRejected,
    );
    expect(rejected.data.reasons).toEqual([
      {
        code: "above-max-instances",
        message:
          "asks for 2 instances; at most 1 per experiment are allowed (tag macaque:max-instances=1)",
      },
    ]);
    expect(await leaseOf(asg)).toBeNull();
  });

  it("reports a tag that would loosen a limit and keeps the operator's limit", async () => {
    const asg = await createGroup("web", { ...optIn, "macaque:max-percent": "100" });
    const requestId = unique("loose");
    await request({ asg, count: 3, requestId });
    const rejected = await tap.waitForEvent(
      experimentIdFor(requestId),
      EventType.experimentRejected,
    );
    expect(rejected.data.reasons).toEqual([
      expect.objectContaining({ code: "above-max-percent" }),
      {
        code: "limit-tag-ignored",
        message:
          "tag macaque:max-percent=100 is ignored: it would raise the limit above MAX_PERCENT_OF_GROUP 50; a tag can only lower it; MAX_PERCENT_OF_GROUP 50 applies",
      },
    ]);
    const done = await plan(asg, { count: 2 });
    expect(done.planned.data.experiment.victims).toHaveLength(2);
    await producer.waitForLog("limit-tag.ignored", done.id);
  });
});
