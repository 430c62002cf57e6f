/**
 * The order handler in-process, against real parts (the fleet simulator and a
 * redis-server): the paths a process test cannot steer, such as a delivery
 * that fails half-way or meets another delivery's claim.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AutoScalingClient,
  TerminateInstanceInAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { Ec2Query } from "@macaque/shared/ec2-query";
import type { Message } from "@aws-sdk/client-sqs";
import { Registry, type Counter } from "prom-client";
import { startFleetSim, type FleetSim } from "@macaque/fleet-sim";
import { startRedisServer, type RunningProcess } from "@macaque/sandbox";
import {
  createLogger,
  createRedis,
  type ExperimentContext,
  type Redis,
  type TerminationOrder,
} from "@macaque/shared";
import { readAlarms } from "@macaque/shared/read-alarms";
import { SSMClient } from "@aws-sdk/client-ssm";
import { ControlUnreadableError, createControlStore } from "@macaque/shared/control-store";
import { OrderInProgressError } from "../src/errors.ts";
import { createOrderControls, type OrderControls } from "../src/order-controls.ts";
import { createOrderHandler } from "../src/handle-order.ts";
import { createIdempotency, type Idempotency } from "../src/idempotency.ts";
import { createTerminatorMetrics } from "../src/metrics.ts";
import { createRecheck } from "../src/recheck.ts";
import { buildResultEvent, type ResultEvent } from "../src/result-event.ts";
import { createStopConditionGate } from "../src/stop-conditions.ts";
import {
  createAsgTermination,
  createEc2Termination,
  type Mode,
  type Termination,
} from "../src/terminate.ts";
import { ec2QueryAt, sandboxClient, uniquePrefix } from "../../../test/support/aws.ts";
import { fleetOf, orderFor, plannedExperiment } from "./harness.ts";

let sim: FleetSim;
let redisServer: RunningProcess<string>;
let redis: Redis;
let autoScaling: AutoScalingClient;
let fleet: ReturnType<typeof fleetOf>;
let ec2: Ec2Query;
let cloudwatch: CloudWatchClient;
let ssm: SSMClient;

beforeAll(async () => {
  [sim, redisServer] = await Promise.all([
    startFleetSim({ port: 0, timeScale: 0.01 }),
    startRedisServer(),
  ]);
  redis = createRedis(redisServer.ready, "terminator-test");
  autoScaling = sandboxClient(AutoScalingClient, sim.url);
  fleet = fleetOf(sim.url);
  ec2 = ec2QueryAt(sim.url);
  // Two attempts: an unreadable alarm fails after one retry rather than the default back-off.
  cloudwatch = sandboxClient(CloudWatchClient, sim.url, { maxAttempts: 2 });
  ssm = sandboxClient(SSMClient, sim.url);
});

afterAll(async () => {
  autoScaling?.destroy();
  cloudwatch?.destroy();
  ssm?.destroy();
  fleet?.close();
  await redis?.quit();
  await redisServer?.stop();
  await sim?.close();
});

const logger = createLogger({ service: "terminator-test", level: "silent" });
const now = () => new Date();

/** The operator's controls on the simulator's Parameter Store, under a path of the test's own. */
const controlStoreOf = (path = `/${uniquePrefix("ctl")}`) => createControlStore({ ssm, path });

function handlerWith(
  options: {
    ec2?: Termination;
    asg?: Termination;
    idempotency?: Idempotency;
    controls?: OrderControls;
  } = {},
) {
  const published: ResultEvent[] = [];
  const idempotency =
    options.idempotency ?? createIdempotency({ redis, keyPrefix: uniquePrefix("r") });
  const metrics = createTerminatorMetrics(new Registry());
  const handle = createOrderHandler({
    recheck: createRecheck({ autoScaling, ec2 }),
    terminations: {
      ec2: options.ec2 ?? createEc2Termination({ ec2, now }),
      asg: options.asg ?? createAsgTermination({ autoScaling, now }),
    },
    idempotency,
    publish: async (event) => void published.push(event),
    excludeTag: { key: "macaque:exclude", value: "true" },
    now,
    metrics,
    stopConditions: createStopConditionGate((names) => readAlarms(cloudwatch, names)),
    controls: options.controls ?? createOrderControls(controlStoreOf()),
  });
  const deliverOrder = (order: TerminationOrder, receiveCount = 1) =>
    handle({ Body: JSON.stringify(order) } as Message, { logger, receiveCount, messageId: "m" });
  const deliver = (experiment: ExperimentContext, receiveCount = 1) =>
    deliverOrder(orderFor(experiment), receiveCount);
  return { deliver, deliverOrder, published, idempotency, metrics };
}

const realTermination = (mode: Mode) =>
  mode === "ec2" ? createEc2Termination({ ec2, now }) : createAsgTermination({ autoScaling, now });

/** AWS acts on the first call, but its answer never arrives (a timeout after the fact). */
function loseFirstAnswer(mode: Mode) {
  const real = realTermination(mode);
  const calls: string[][] = [];
  let lose = true;
  const termination: Termination = {
    mode,
    async terminate(request) {
      calls.push([...request.instanceIds]);
      if (!lose) return real.terminate(request);
      lose = false;
      await real.terminate({ ...request, onTerminated: async () => undefined });
      throw new Error("socket hang up");
    },
  };
  return { termination, calls };
}

/** The real termination, with the ids of each call it was asked to make. */
function countingTermination(mode: Mode) {
  const real = realTermination(mode);
  const calls: string[][] = [];
  const termination: Termination = {
    mode,
    terminate(request) {
      calls.push([...request.instanceIds]);
      return real.terminate(request);
    },
  };
  return { termination, calls };
}

const counterValue = async (counter: Counter) =>
  (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);

describe("handling an order", () => {
  it("still reports a victim terminated by a delivery that failed half-way, without terminating it again", async () => {
    const group = await fleet.createGroup("halfway", 3);
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
    const group = await fleet.createGroup("claimed", 2);
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

  it("refuses an order past its window, terminating nothing, and keeps the refusal", async () => {
    const group = await fleet.createGroup("stale", 2);
    const plannedAt = new Date(Date.now() - 3 * 3600_000 - 5_000).toISOString();
    const experiment = { ...plannedExperiment(group, "ec2", 1), plannedAt };
    const victim = experiment.victims[0]!.instanceId;
    const order = { ...orderFor(experiment), orderedAt: plannedAt };
    const { deliverOrder, published } = handlerWith();

    await deliverOrder(order, 1);
    await deliverOrder(order, 2);

    expect(published.map((e) => e.type)).toEqual([
      "macaque.termination.failed",
      "macaque.termination.failed",
    ]);
    expect(published[1]!.id).toBe(published[0]!.id);
    const refusal = published[0]!;
    if (refusal.type !== "macaque.termination.failed") throw new Error("not a refusal");
    const why = `the order is 3 h old (planned at ${plannedAt}), past the 2 min in which an order is carried out; its safety checks and the group's lease no longer hold`;
    expect(refusal.data.reason).toBe(`not terminating: ${why}`);
    expect(refusal.data.terminations).toEqual([
      expect.objectContaining({
        instanceId: victim,
        outcome: "skipped",
        reason: `not terminating ${victim}: ${why}`,
      }),
    ]);
    expect(await fleet.ec2States([victim])).toEqual({ [victim]: "running" });
  });

  it.each(["ec2", "asg"] as const)(
    "%s: reports a victim whose terminate call's answer was lost as terminated at the call, without calling again",
    async (mode) => {
      const group = await fleet.createGroup(`lost-${mode}`, 2);
      const experiment = plannedExperiment(group, mode, 1);
      const victim = experiment.victims[0]!.instanceId;
      const lost = loseFirstAnswer(mode);
      const { deliver, published } = handlerWith({ [mode]: lost.termination });

      const calledBefore = Date.now();
      await expect(deliver(experiment, 1)).rejects.toThrow("socket hang up");
      const calledBy = Date.now();
      await deliver(experiment, 2);

      expect(lost.calls).toEqual([[victim], []]);
      expect(published.map((e) => e.type)).toEqual(["macaque.instances.terminated"]);
      const [outcome] = published[0]!.data.terminations;
      expect(outcome).toMatchObject({ instanceId: victim, outcome: "terminated" });
      expect(Date.parse(outcome!.at)).toBeGreaterThanOrEqual(calledBefore);
      expect(Date.parse(outcome!.at)).toBeLessThanOrEqual(calledBy);
    },
  );

  it("asg: reports a victim terminated when the SDK's retry of a lost answer is refused as already terminating", async () => {
    const group = await fleet.createGroup("retried", 2);
    const experiment = plannedExperiment(group, "asg", 1);
    const victim = experiment.victims[0]!.instanceId;
    const real = realTermination("asg");
    // The first try acts and its answer is lost; the retry then meets a Terminating instance.
    const retried: Termination = {
      mode: "asg",
      async terminate(request) {
        await request.onAttempt(request.instanceIds);
        for (const id of request.instanceIds) {
          await autoScaling.send(
            new TerminateInstanceInAutoScalingGroupCommand({
              InstanceId: id,
              ShouldDecrementDesiredCapacity: false,
            }),
          );
        }
        return real.terminate(request);
      },
    };
    const { deliver, published } = handlerWith({ asg: retried });

    await deliver(experiment);

    expect(published.map((e) => e.type)).toEqual(["macaque.instances.terminated"]);
    expect(published[0]!.data.terminations).toEqual([
      expect.objectContaining({ instanceId: victim, outcome: "terminated" }),
    ]);
  });

  it("re-publishes the result another delivery kept between this one's look and its claim", async () => {
    const group = await fleet.createGroup("between", 2);
    const experiment = plannedExperiment(group, "ec2", 1);
    const idempotency = createIdempotency({ redis, keyPrefix: uniquePrefix("r") });
    const first = handlerWith({ idempotency });
    await first.deliver(experiment);

    // The look before the claim finds nothing: the other delivery had not kept its result yet.
    let looks = 0;
    const late: Idempotency = {
      ...idempotency,
      findResult: async (id) => (++looks === 1 ? undefined : idempotency.findResult(id)),
    };
    const calls = countingTermination("ec2");
    const second = handlerWith({ idempotency: late, ec2: calls.termination });
    await second.deliver(experiment, 2);

    expect(looks).toBe(2);
    expect(calls.calls).toEqual([]);
    expect(second.published.map((e) => e.id)).toEqual([first.published[0]!.id]);
  });

  it("publishes the result another delivery kept while this one worked, counting nothing twice", async () => {
    const group = await fleet.createGroup("overtaken", 2);
    const experiment = plannedExperiment(group, "ec2", 1);
    const idempotency = createIdempotency({ redis, keyPrefix: uniquePrefix("r") });
    const victim = experiment.victims[0]!.instanceId;
    const theirs = buildResultEvent({
      experiment,
      outcomes: [
        { instanceId: victim, outcome: "skipped", reason: "theirs", at: now().toISOString() },
      ],
      now: now(),
    });
    // While this delivery calls EC2, its claim expires and another delivery finishes first.
    const real = realTermination("ec2");
    const overtaken: Termination = {
      mode: "ec2",
      async terminate(request) {
        await idempotency.keepResult(experiment.id, theirs);
        return real.terminate(request);
      },
    };
    const { deliver, published, metrics } = handlerWith({ idempotency, ec2: overtaken });

    await deliver(experiment);

    expect(published.map((e) => e.id)).toEqual([theirs.id]);
    expect((await idempotency.findResult(experiment.id))?.id).toBe(theirs.id);
    // Its own victim did go and is counted; the kept result's skip was counted by the delivery that kept it.
    expect(await counterValue(metrics.terminated)).toBe(1);
    expect(await counterValue(metrics.skipped)).toBe(0);
  });

  it("reports a victim whose terminate call AWS refused for good as failed, once it is seen not going", async () => {
    const group = await fleet.createGroup("refused", 2);
    const experiment = plannedExperiment(group, "ec2", 1);
    const victim = experiment.victims[0]!.instanceId;
    const reason = `could not terminate ${victim}: UnauthorizedOperation`;
    const refusing: Termination = {
      mode: "ec2",
      async terminate(request) {
        await request.onAttempt(request.instanceIds);
        return request.instanceIds.map((instanceId) => ({
          instanceId,
          outcome: "failed" as const,
          reason,
          at: now().toISOString(),
        }));
      },
    };
    const { deliver, published, metrics } = handlerWith({ ec2: refusing });

    await deliver(experiment);

    expect(published.map((e) => e.type)).toEqual(["macaque.termination.failed"]);
    expect(published[0]!.data.terminations).toEqual([
      expect.objectContaining({ instanceId: victim, outcome: "failed", reason }),
    ]);
    expect(await counterValue(metrics.failed)).toBe(1);
    expect(await fleet.ec2States([victim])).toEqual({ [victim]: "running" });
  });

  it("terminates and reports a victim the order names twice once", async () => {
    const group = await fleet.createGroup("twice", 2);
    const planned = plannedExperiment(group, "ec2", 1);
    const experiment = { ...planned, victims: [planned.victims[0]!, planned.victims[0]!] };
    const victim = planned.victims[0]!.instanceId;
    const calls = countingTermination("ec2");
    const { deliver, published } = handlerWith({ ec2: calls.termination });

    await deliver(experiment);

    expect(calls.calls).toEqual([[victim]]);
    expect(published[0]!.data.terminations).toEqual([
      expect.objectContaining({ instanceId: victim, outcome: "terminated" }),
    ]);
  });

  it("refuses a dry run before looking at anything", async () => {
    const group = await fleet.createGroup("dry", 1);
    const experiment = { ...plannedExperiment(group, "ec2", 1), dryRun: true };
    const { deliver, published } = handlerWith();
    await expect(deliver(experiment)).rejects.toMatchObject({
      name: "PermanentError",
      message: `not terminating anything for experiment ${experiment.id}: it is a dry run`,
    });
    expect(published).toEqual([]);
  });
});

describe("stop conditions right before terminating", () => {
  /** An experiment planned while its alarm was OK; the alarm is a fresh one in the simulator. */
  async function plannedWithAlarm(label: string) {
    const group = await fleet.createGroup(label, 3);
    const alarm = await fleet.control.createAlarm({ name: uniquePrefix(`${label}-5xx`) });
    const experiment = {
      ...plannedExperiment(group, "ec2", 2),
      stopConditions: { alarms: [alarm.name] },
    };
    const victims = experiment.victims.map((v) => v.instanceId);
    return { group, alarm, experiment, victims };
  }

  it("refuses the order when its alarm went into ALARM after planning: nothing is terminated", async () => {
    const { alarm, experiment, victims } = await plannedWithAlarm("fired");
    // Planned while OK; the alarm fires before the terminator takes the order.
    const fired = await fleet.control.setAlarmState(alarm.name, {
      state: "ALARM",
      reason: "Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (10.0).",
    });
    const calls = await fleet.calls("TerminateInstances");
    const { deliver, published } = handlerWith();
    await deliver(experiment);

    expect(published).toHaveLength(1);
    const [event] = published;
    expect(event?.type).toBe("macaque.termination.failed");
    if (event?.type !== "macaque.termination.failed") return;
    expect(event.data.code).toBe("stop-condition-in-alarm");
    expect(event.data.alarms).toEqual([
      {
        alarm: alarm.name,
        kind: "in-alarm",
        state: "ALARM",
        reason: fired.reason,
        firedAt: fired.stateUpdatedAt,
      },
    ]);
    expect(event.data.reason).toContain(`alarm "${alarm.name}" is in ALARM`);
    expect(event.data.terminations.map((t) => t.outcome)).toEqual(["skipped", "skipped"]);
    expect(await fleet.calls("TerminateInstances")).toBe(calls);
    expect(Object.values(await fleet.ec2States(victims))).toEqual(["running", "running"]);
  });

  it("refuses when the alarm cannot be read (fail closed), and when it no longer exists", async () => {
    const unreadable = await plannedWithAlarm("unreadable");
    await fleet.control.setAlarmFaults(unreadable.alarm.name, { unreadable: true });
    const gone = await plannedWithAlarm("gone");
    await fleet.control.deleteAlarm(gone.alarm.name);
    const { deliver, published } = handlerWith();
    await deliver(unreadable.experiment);
    await deliver(gone.experiment);

    const [first, second] = published;
    expect(first?.type).toBe("macaque.termination.failed");
    expect(second?.type).toBe("macaque.termination.failed");
    if (first?.type !== "macaque.termination.failed") return;
    if (second?.type !== "macaque.termination.failed") return;
    expect(first.data.alarms?.[0]).toMatchObject({ kind: "unreadable" });
    expect(first.data.reason).toContain("counts as in ALARM");
    expect(second.data.alarms?.[0]).toMatchObject({ kind: "missing" });
    const victims = [...unreadable.victims, ...gone.victims];
    expect(new Set(Object.values(await fleet.ec2States(victims)))).toEqual(new Set(["running"]));
  });

  it("terminates as planned while the alarm stays OK", async () => {
    const { experiment, victims } = await plannedWithAlarm("calm");
    const { deliver, published } = handlerWith();
    await deliver(experiment);
    expect(published.map((e) => e.type)).toEqual(["macaque.instances.terminated"]);
    const states = await fleet.ec2States(victims);
    expect(Object.values(states).every((s) => s !== "running")).toBe(true);
  });
});

describe("the operator's controls", () => {
  const halt = { halted: true, by: "arn:aws:iam::000000000000:user/ops", reason: "incident 42" };

  it("refuses every order while macaque is halted: termination.failed, code halted, no terminate call", async () => {
    const group = await fleet.createGroup("halted", 3);
    const experiment = plannedExperiment(group, "ec2", 2);
    const store = controlStoreOf();
    await store.writeHalt({ ...halt, at: new Date().toISOString() });
    const counting = countingTermination("ec2");
    const { deliver, published } = handlerWith({
      ec2: counting.termination,
      controls: createOrderControls(store),
    });

    await deliver(experiment);

    expect(counting.calls).toEqual([]);
    const event = published[0]!;
    expect(event.type).toBe("macaque.termination.failed");
    if (event.type !== "macaque.termination.failed") return;
    expect(event.data.code).toBe("halted");
    expect(event.data.reason).toMatch(
      /^not terminating: macaque is halted \(by arn:aws:iam::000000000000:user\/ops, at .*\): incident 42$/,
    );
    expect(event.data.terminations.map((t) => t.outcome)).toEqual(["skipped", "skipped"]);
    expect(await fleet.ec2States(experiment.victims.map((v) => v.instanceId))).toEqual(
      Object.fromEntries(experiment.victims.map((v) => [v.instanceId, "running"])),
    );
  });

  it("refuses an aborted experiment's order (code aborted) but carries out another's", async () => {
    const group = await fleet.createGroup("aborted", 4);
    const aborted = plannedExperiment(group, "ec2", 1);
    // Another experiment (plannedExperiment gives each its own id) on another instance.
    const other = plannedExperiment(group, "ec2", 1);
    other.victims = [{ ...other.victims[0]!, instanceId: group.instances[1]!.instanceId }];
    const store = controlStoreOf();
    await store.writeAbort({
      experimentId: aborted.id,
      by: "ops",
      at: new Date().toISOString(),
      reason: "wrong group",
    });
    const { deliver, published } = handlerWith({ controls: createOrderControls(store) });

    await deliver(aborted);
    await deliver(other);

    const [refused, carried] = published;
    expect(refused!.type).toBe("macaque.termination.failed");
    expect(refused!.type === "macaque.termination.failed" && refused!.data.code).toBe("aborted");
    expect(refused!.type === "macaque.termination.failed" && refused!.data.reason).toContain(
      `experiment ${aborted.id} was aborted (by ops, at `,
    );
    expect(carried!.type).toBe("macaque.instances.terminated");
  });

  it("reads the switch again before each call: a halt between two asg calls stops the second", async () => {
    const group = await fleet.createGroup("midway", 3);
    const experiment = plannedExperiment(group, "asg", 2);
    const [first, second] = experiment.victims.map((v) => v.instanceId);
    const store = controlStoreOf();
    const real = realTermination("asg");
    const calls: string[] = [];
    const haltAfterFirst: Termination = {
      mode: "asg",
      terminate: (request) =>
        real.terminate({
          ...request,
          onAttempt: async (ids) => {
            await request.onAttempt(ids);
            calls.push(...ids);
          },
          onTerminated: async (outcomes) => {
            await request.onTerminated(outcomes);
            await store.writeHalt({ ...halt, at: new Date().toISOString() });
          },
        }),
    };
    const { deliver, published } = handlerWith({
      asg: haltAfterFirst,
      controls: createOrderControls(store),
    });

    await deliver(experiment);

    expect(calls).toEqual([first]);
    const event = published[0]!;
    expect(event.type).toBe("macaque.instances.terminated");
    expect(event.data.terminations.map((t) => [t.instanceId, t.outcome])).toEqual([
      [first, "terminated"],
      [second, "skipped"],
    ]);
    expect(event.data.terminations[1]!.reason).toMatch(/macaque is halted/);
  });

  it.each(["ec2", "asg"] as const)(
    "%s: takes the call's budget slot before its last read of the switch, so a halt that lands while the call waits for a slot stops it",
    async (mode) => {
      const group = await fleet.createGroup(`slot-${mode}`, 2);
      const experiment = plannedExperiment(group, mode, 1);
      const [victim] = experiment.victims.map((v) => v.instanceId);
      const store = controlStoreOf();
      // The wait for a slot is where the halt lands.
      const limiter = {
        take: () => store.writeHalt({ ...halt, at: new Date().toISOString() }),
      };
      const { deliver, published } = handlerWith({
        [mode]:
          mode === "ec2"
            ? createEc2Termination({ ec2, now, limiter })
            : createAsgTermination({ autoScaling, now, limiter }),
        controls: createOrderControls(store),
      });

      await deliver(experiment);

      expect(await fleet.ec2States([victim!])).toEqual({ [victim!]: "running" });
      const event = published[0]!;
      expect(event.type === "macaque.termination.failed" && event.data.code).toBe("halted");
    },
  );

  it("does not terminate while the switch cannot be read, and carries the order out once it can", async () => {
    const group = await fleet.createGroup("unreadable", 2);
    const experiment = plannedExperiment(group, "ec2", 1);
    const counting = countingTermination("ec2");
    const { deliver, published } = handlerWith({ ec2: counting.termination });

    await fleet.control.setSsmFault({ unavailable: true });
    try {
      await expect(deliver(experiment, 1)).rejects.toBeInstanceOf(ControlUnreadableError);
      await expect(deliver(experiment, 2)).rejects.toThrow(/could not read the kill switch/);
    } finally {
      await fleet.control.setSsmFault({ unavailable: false });
    }
    expect(counting.calls).toEqual([]);
    expect(published).toEqual([]);

    await deliver(experiment, 3);
    expect(counting.calls).toHaveLength(1);
    expect(published[0]!.type).toBe("macaque.instances.terminated");
  });
});
