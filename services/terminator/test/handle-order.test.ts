/**
 * The order handler in-process, against real parts (the fleet simulator and a
 * redis-server): the paths a process test cannot steer, such as a delivery
 * that fails half-way or meets another delivery's claim.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import type { Message } from "@aws-sdk/client-sqs";
import { Registry } from "prom-client";
import { createFleetSimControl, startFleetSim, type FleetSim } from "@macaque/fleet-sim";
import { startRedisServer, type RunningProcess } from "@macaque/sandbox";
import { createLogger, createRedis, type ExperimentContext, type Redis } from "@macaque/shared";
import { OrderInProgressError } from "../src/errors.ts";
import { createOrderHandler } from "../src/handle-order.ts";
import { createIdempotency, type Idempotency } from "../src/idempotency.ts";
import { createTerminatorMetrics } from "../src/metrics.ts";
import { createRecheck } from "../src/recheck.ts";
import type { ResultEvent } from "../src/result-event.ts";
import { createAsgTermination, createEc2Termination, type Termination } from "../src/terminate.ts";
import { sandboxClient, uniquePrefix } from "../../../test/support/aws.ts";
import { orderFor, plannedExperiment } from "./harness.ts";

let sim: FleetSim;
let redisServer: RunningProcess<string>;
let redis: Redis;
let autoScaling: AutoScalingClient;
let ec2: EC2Client;

beforeAll(async () => {
  [sim, redisServer] = await Promise.all([
    startFleetSim({ port: 0, timeScale: 0.01 }),
    startRedisServer(),
  ]);
  redis = createRedis(redisServer.ready, "terminator-test");
  autoScaling = sandboxClient(AutoScalingClient, sim.url);
  ec2 = sandboxClient(EC2Client, sim.url);
});

afterAll(async () => {
  autoScaling?.destroy();
  ec2?.destroy();
  await redis?.quit();
  await redisServer?.stop();
  await sim?.close();
});

const logger = createLogger({ service: "terminator-test", level: "silent" });
const now = () => new Date();

function handlerWith(options: { asg?: Termination; idempotency?: Idempotency } = {}) {
  const published: ResultEvent[] = [];
  const idempotency =
    options.idempotency ?? createIdempotency({ redis, keyPrefix: uniquePrefix("r") });
  const handle = createOrderHandler({
    recheck: createRecheck({ autoScaling, ec2 }),
    terminations: {
      ec2: createEc2Termination({ ec2, now }),
      asg: options.asg ?? createAsgTermination({ autoScaling, now }),
    },
    idempotency,
    publish: async (event) => void published.push(event),
    excludeTag: { key: "macaque:exclude", value: "true" },
    now,
    metrics: createTerminatorMetrics(new Registry()),
  });
  const deliver = (experiment: ExperimentContext, receiveCount = 1) =>
    handle({ Body: JSON.stringify(orderFor(experiment)) } as Message, {
      logger,
      receiveCount,
      messageId: "m",
    });
  return { deliver, published, idempotency };
}

const newGroup = async (label: string, desiredCapacity: number) =>
  createFleetSimControl(sim.url).createGroup({
    name: uniquePrefix(label),
    desiredCapacity,
    tags: { "macaque:enabled": "true" },
  });

describe("handling an order", () => {
  it("still reports a victim terminated by a delivery that failed half-way, without terminating it again", async () => {
    const group = await newGroup("halfway", 3);
    const experiment = plannedExperiment(group, "asg", 2);
    const [first, second] = experiment.victims.map((v) => v.instanceId);
    const real = createAsgTermination({ autoScaling, now });
    const calls: string[][] = [];
    let failNext = true;
    // The first delivery terminates one victim, then loses the network.
    const flaky: Termination = {
      mode: "asg",
      async terminate(request) {
        calls.push([...request.instanceIds]);
        if (!failNext) return real.terminate(request);
        failNext = false;
        await real.terminate({ ...request, instanceIds: request.instanceIds.slice(0, 1) });
        throw new Error("socket hang up");
      },
    };
    const { deliver, published } = handlerWith({ asg: flaky });

    await expect(deliver(experiment, 1)).rejects.toThrow("socket hang up");
    expect(published).toEqual([]);
    await deliver(experiment, 2);

    expect(calls).toEqual([[first, second], [second]]);
    expect(published).toHaveLength(1);
    expect(published[0]!.type).toBe("macaque.instances.terminated");
    expect(published[0]!.data.terminations.map((t) => [t.instanceId, t.outcome])).toEqual([
      [first, "terminated"],
      [second, "terminated"],
    ]);
  });

  it("retries a delivery that meets another's claim, and re-publishes once the other finished", async () => {
    const group = await newGroup("claimed", 2);
    const experiment = plannedExperiment(group, "ec2", 1);
    const idempotency = createIdempotency({ redis, keyPrefix: uniquePrefix("r") });
    const { deliver, published } = handlerWith({ idempotency });

    const other = await idempotency.claim(experiment.id);
    await expect(deliver(experiment)).rejects.toBeInstanceOf(OrderInProgressError);
    expect(published).toEqual([]);
    await other!.release();

    await deliver(experiment, 2);
    await deliver(experiment, 3);
    expect(published.map((e) => e.type)).toEqual([
      "macaque.instances.terminated",
      "macaque.instances.terminated",
    ]);
    expect(published[1]!.id).toBe(published[0]!.id);
  });

  it("refuses a dry run before looking at anything", async () => {
    const group = await newGroup("dry", 1);
    const experiment = { ...plannedExperiment(group, "ec2", 1), dryRun: true };
    const { deliver, published } = handlerWith();
    await expect(deliver(experiment)).rejects.toMatchObject({
      name: "PermanentError",
      message: `not terminating anything for experiment ${experiment.id}: it is a dry run`,
    });
    expect(published).toEqual([]);
  });
});
