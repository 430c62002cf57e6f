import type { Message } from "@aws-sdk/client-sqs";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import {
  EventType,
  experimentIdFor,
  type AnyCloudEvent,
  type GroupState,
  type TerminationOrder,
} from "@macaque/shared";
import type { WriteOnceLog } from "@macaque/shared/history";
import { memoryLog } from "../../../test/support/memory-log.ts";
import { createDecisionStore } from "../src/decision-store.ts";
import { createExperimentEndStore } from "../src/experiment-ends.ts";
import { createRequestHandler } from "../src/handle-request.ts";
import { createLeaseStore } from "../src/lease.ts";
import { createProducerMetrics } from "../src/producer-metrics.ts";
import { deferred } from "../../../test/support/wait.ts";
import { uniquePrefix } from "../../../test/support/aws.ts";
import { useTestRedis } from "../../../test/support/redis.ts";
import { instance, policy, steadyGroup } from "./fixtures.ts";

/**
 * Two producer replicas deciding copies of one request at the same moment, on a
 * Redis of the file's own: whatever order their steps interleave in, the request
 * gets one decision, so never both a plan and a rejection, nor two plans.
 */
const testRedis = useTestRedis("decisions-test");

interface Replica {
  events: AnyCloudEvent[];
  orders: TerminationOrder[];
  handle(body: string): Promise<void>;
}

function replica(
  prefix: string,
  describeGroup: () => Promise<GroupState | undefined>,
  log?: WriteOnceLog,
): Replica {
  const { redis } = testRedis;
  const events: AnyCloudEvent[] = [];
  const orders: TerminationOrder[] = [];
  const handler = createRequestHandler({
    describeGroup,
    leases: createLeaseStore(redis, prefix),
    ends: createExperimentEndStore(redis, prefix),
    decisions: createDecisionStore(redis, prefix, log),
    publish: async (event) => void events.push(event as AnyCloudEvent),
    sendOrder: async (order) => void orders.push(order),
    policy: { ...policy, minMinutesBetweenExperiments: 0 },
    region: "us-east-1",
    now: () => new Date(),
    newSeed: () => "seed",
    metrics: createProducerMetrics(new Registry()),
    checkStopConditions: async () => ({ alarms: [], reasons: [] }),
    controls: {
      readHalt: async () => undefined,
      noteInFlight: async () => undefined,
      forgetInFlight: async () => undefined,
    },
    selectGroups: async () => [],
    sendRequest: async () => undefined,
    maxGroupsPerSelector: 50,
  });
  const logger = pino({ level: "silent" });
  return {
    events,
    orders,
    handle: (body) =>
      handler({ Body: body, MessageId: "m-1" } as Message, {
        logger,
        receiveCount: 1,
        messageId: "m-1",
      }),
  };
}

/** The group after the first replica's victims began terminating: no longer steady. */
const unsteady = steadyGroup(4, {
  instances: [
    instance(0, { lifecycleState: "Terminating" }),
    instance(1),
    instance(2),
    instance(3),
  ],
});

describe("two replicas deciding one request", () => {
  it("replay the first's plan when the second finds the group unsteady because of it", async () => {
    const prefix = uniquePrefix("d");
    const body = JSON.stringify({ asg: "web", count: 1, requestId: "req-race" });
    const firstDone = deferred<void>();
    const a = replica(prefix, async () => steadyGroup(4));
    // B has already looked for a decision when A decides; it describes the group after.
    const b = replica(prefix, async () => {
      await firstDone.promise;
      return unsteady;
    });
    const second = b.handle(body);
    await a.handle(body);
    firstDone.resolve();
    await second;

    const id = experimentIdFor("req-race");
    expect(a.events.map((e) => e.type)).toEqual([EventType.experimentPlanned]);
    expect(b.events).toEqual(a.events);
    // The order is sent twice, the same order: the terminator's idempotency makes it one.
    expect(b.orders).toEqual(a.orders);
    expect(a.orders.map((o) => o.experiment.id)).toEqual([id]);
  });

  it("replay the first's rejection when the second would plan, and give the lease back", async () => {
    const prefix = uniquePrefix("d");
    const body = JSON.stringify({ asg: "web", count: 1, requestId: "req-race-2" });
    const firstDone = deferred<void>();
    const a = replica(prefix, async () => unsteady);
    const b = replica(prefix, async () => {
      await firstDone.promise;
      return steadyGroup(4);
    });
    const second = b.handle(body);
    await a.handle(body);
    firstDone.resolve();
    await second;

    expect(a.events.map((e) => e.type)).toEqual([EventType.experimentRejected]);
    expect(b.events).toEqual(a.events);
    expect([...a.orders, ...b.orders]).toEqual([]);
    expect(await testRedis.redis.get(`${prefix}:producer:lease:web`)).toBeNull();
  });

  it("give a malformed request sent again the same rejection, event id and time included", async () => {
    const prefix = uniquePrefix("d");
    const body = '{"asg":"web","count":0,"requestId":"req-bad"}';
    const a = replica(prefix, async () => steadyGroup(4));
    await a.handle(body);
    await a.handle(body);
    expect(a.events).toHaveLength(2);
    expect(a.events[1]).toEqual(a.events[0]);
    expect(a.events[0]?.id).toBe(`${experimentIdFor("req-bad")}:rejected`);
  });
});

describe("decisions with a durable log", () => {
  const steady = async () => steadyGroup(4);

  it("replay the logged plan after Redis lost it, rather than drawing new victims", async () => {
    const prefix = uniquePrefix("d");
    const log = memoryLog();
    const body = JSON.stringify({ asg: "web", count: 1, requestId: "req-lost" });
    const a = replica(prefix, steady, log);
    await a.handle(body);
    const id = experimentIdFor("req-lost");
    expect(log.objects.has(id)).toBe(true);
    const keys = await testRedis.redis.keys(`${prefix}:*`);
    await testRedis.redis.del(...keys);

    // Unsteady now (its victim is terminating): a fresh decision would be a rejection.
    const b = replica(prefix, async () => unsteady, log);
    await b.handle(body);
    expect(b.events).toEqual(a.events);
    expect(b.orders).toEqual(a.orders);
    expect(await testRedis.redis.get(`${prefix}:producer:decision:${id}`)).toBe(
      log.objects.get(id),
    );
  });

  it("let the logged decision win over one made in the window a Redis loss left", async () => {
    const prefix = uniquePrefix("d");
    const log = memoryLog();
    const body = JSON.stringify({ asg: "web", count: 1, requestId: "req-window" });
    const id = experimentIdFor("req-window");
    const a = replica(prefix, async () => unsteady, log);
    await a.handle(body);
    // The log holds A's rejection; Redis forgot it, and B read Redis before the log had it.
    await testRedis.redis.del(`${prefix}:producer:decision:${id}`);
    const reads = log.read;
    log.read = async () => undefined;
    const b = replica(prefix, async () => steadyGroup(4), log);
    await b.handle(body);
    log.read = reads;
    expect(b.events).toEqual(a.events);
    expect(b.orders).toEqual([]);
    expect(await testRedis.redis.get(`${prefix}:producer:lease:web`)).toBeNull();
  });

  it("log plans and guardrail refusals, not the rejections of invalid bodies", async () => {
    const prefix = uniquePrefix("d");
    const log = memoryLog();
    const a = replica(prefix, async () => unsteady, log);
    await a.handle('{"asg":"web","count":0,"requestId":"req-invalid"}');
    await a.handle('{"asg":"web","count":1,"requestId":"req-unsteady"}');
    expect([...log.objects.keys()]).toEqual([experimentIdFor("req-unsteady")]);
  });
});
