import { EC2Client, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFleetSimControl,
  type CreateGroupRequest,
  type FleetSimControl,
} from "@macaque/fleet-sim";
import {
  EventType,
  ServiceName,
  createEvent,
  eventSource,
  createRedis,
  publishEvent,
  type ExperimentContext,
} from "@macaque/shared";
import { startStack, type Stack } from "@macaque/sandbox";
import { sandboxClient, snsAt, uniquePrefix } from "../../../test/support/aws.ts";
import { openTestTap, type TestTap } from "../../../test/support/event-tap.ts";
import {
  experimentContext,
  uniqueExperimentId,
  instanceSnapshots,
} from "../../../test/support/experiment.ts";
import { startTestService, type TestService } from "../../../test/support/processes.ts";
import { waitUntil } from "../../../test/support/wait.ts";

/**
 * The monitor as its own process against the sandbox: fauxqs, the fleet simulator
 * at 1/100 speed (a 30 s boot takes 0.3 s) and a redis-server. Each test terminates
 * instances itself with the EC2 client and publishes the `instances.terminated`
 * event the terminator would, then follows the monitor's events on a tap. Every
 * test makes its own groups and counts only what it caused, so any one runs alone.
 */

type Recovery = ExperimentContext["recovery"];

let stack: Stack;
let monitor: TestService;
let tap: TestTap;
let sim: FleetSimControl;
let ec2: EC2Client;
const sns = () => snsAt(stack.endpoints.sns);
const redisKeyPrefix = uniquePrefix("rm");

/**
 * Starts a monitor process (its lines on the console with SERVICE_LOGS=1). These
 * tests are about polling (checks due together share calls), so it polls; the
 * wake-ups of events mode have their own test (test/event-detection.test.ts).
 */
const startMonitor = (env: Record<string, string> = {}) =>
  startTestService(stack, "recovery-monitor", {
    env: { REDIS_KEY_PREFIX: redisKeyPrefix, LOG_LEVEL: "debug", DETECTION_MODE: "poll", ...env },
  });

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("rm"), timeScale: 0.01 });
  sim = createFleetSimControl(stack.endpoints.fleetSim);
  ec2 = sandboxClient(EC2Client, stack.endpoints.ec2);
  tap = await openTestTap(stack);
  monitor = await startMonitor();
});

afterAll(async () => {
  await tap?.close();
  await monitor?.stop();
  ec2?.destroy();
  await stack?.stop();
});

interface Started {
  id: string;
  asg: string;
  victims: string[];
  terminatedAt: Date;
  publish(): Promise<void>;
}

/** Creates a group of four, terminates `count` of them through EC2 and announces it. */
async function startExperiment(options: {
  recovery: Partial<Recovery>;
  group?: Partial<CreateGroupRequest>;
  count?: number;
  faults?: Parameters<FleetSimControl["setFaults"]>[1];
  terminatedAt?: Date;
  publish?: boolean;
  /** Alarms the experiment names (they must exist in the simulator). */
  alarms?: string[];
}): Promise<Started> {
  const asg = `g-${randomUUID().slice(0, 8)}`;
  const created = await sim.createGroup({ name: asg, desiredCapacity: 4, ...options.group });
  if (options.faults) await sim.setFaults(asg, options.faults);
  const atPlan = created.instances.map((i) => i.instanceId);
  const victims = atPlan.slice(0, options.count ?? 2);
  const terminatedAt = options.terminatedAt ?? new Date();
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: victims }));
  const experiment = experimentContext({
    id: uniqueExperimentId(),
    requestId: randomUUID(),
    asg,
    recovery: { deadlineSeconds: 30, checkIntervalSeconds: 0.2, ...options.recovery },
    seed: "test",
    plannedAt: terminatedAt.toISOString(),
    instanceIdsAtPlan: atPlan,
    victims: instanceSnapshots(created.instances.filter((i) => victims.includes(i.instanceId))),
    ...(options.alarms && { stopConditions: { alarms: options.alarms } }),
  });
  const event = createEvent(EventType.instancesTerminated, {
    source: eventSource(ServiceName.terminator),
    subject: experiment.id,
    data: {
      experiment,
      terminations: victims.map((instanceId) => ({
        instanceId,
        outcome: "terminated" as const,
        at: terminatedAt.toISOString(),
      })),
      terminatedAt: terminatedAt.toISOString(),
    },
  });
  const publish = async () =>
    void (await publishEvent(sns(), stack.topology.topics.events.arn, event));
  if (options.publish !== false) await publish();
  return { id: experiment.id, asg, victims, terminatedAt, publish };
}

const completedOf = (id: string) => tap.waitForEvent(id, EventType.recoveryCompleted);
/** A recovery metric of the running monitor, summed over the series with every label part. */
const metric = (name: string, ...labels: string[]) => monitor.metric(name, ...labels);

describe("recovery-monitor", () => {
  it("measures the recovery within one check interval of the simulator's ground truth", async () => {
    const interval = 0.2;
    const exp = await startExperiment({
      recovery: { checkIntervalSeconds: interval, targetSeconds: 10 },
    });
    const completed = await completedOf(exp.id);

    expect(completed.data).toMatchObject({
      outcome: "recovered",
      verdict: "pass",
      checkIntervalSeconds: interval,
      terminated: exp.victims,
    });
    const truth = (await sim.timeline(exp.asg)).recoveries[0]!;
    const measuredMs = completed.data.timeToRecoverSeconds! * 1000;
    // Only a check sees the recovery, so the figure lags the truth by up to one
    // interval (plus scheduling, generous for a loaded machine); it never leads.
    expect(measuredMs).toBeGreaterThanOrEqual(truth.durationMs! - 50);
    expect(measuredMs).toBeLessThanOrEqual(truth.durationMs! + interval * 1000 + 500);
    console.log(
      `precision: measured ${measuredMs} ms, truth ${truth.durationMs} ms, lag ${measuredMs - truth.durationMs!} ms, interval ${interval * 1000} ms, ${completed.data.checks} checks`,
    );

    const observed = completed.data.lastObserved!;
    expect(observed.inServiceHealthy).toBeGreaterThanOrEqual(4);
    expect(observed.victimsStillInService).toEqual([]);
    expect(observed.replacements).toHaveLength(2);
    const milestones = tap
      .eventsOf(exp.id)
      .filter((e) => e.type === EventType.recoveryProgressed)
      .map((e) => (e.type === EventType.recoveryProgressed ? e.data.milestone : ""));
    expect(milestones.sort()).toEqual(["all-in-service", "healthy", "replacement-seen"]);
    const { timeline } = completed.data;
    expect(timeline.recoveredAt).toBeDefined();
    expect(Date.parse(timeline.firstReplacementSeenAt!)).toBeLessThanOrEqual(
      Date.parse(timeline.recoveredAt!),
    );
  });

  it.each([
    [
      "replacements never turn healthy",
      { neverHealthy: true },
      { inService: 4, inServiceHealthy: 2 },
    ],
    ["launches keep failing", { launchFailures: true }, { inService: 2, pending: 0 }],
  ])(
    "ends not-recovered at the deadline when %s, with the last observation",
    async (_why, faults, seen) => {
      const deadlineSeconds = 2;
      const notRecovered = () =>
        metric("macaque_recovery_seconds_count", 'outcome="not-recovered"');
      const before = await notRecovered();
      const exp = await startExperiment({
        recovery: { checkIntervalSeconds: 0.3, deadlineSeconds, targetSeconds: 1 },
        faults,
      });
      const completed = await completedOf(exp.id);
      expect(completed.data).toMatchObject({
        outcome: "not-recovered",
        verdict: "fail",
        timeToRecoverSeconds: null,
        lastObserved: { victimsStillInService: [], ...seen },
      });
      const lastAt = Date.parse(completed.data.lastObserved!.at);
      expect(lastAt).toBeGreaterThanOrEqual(exp.terminatedAt.getTime() + deadlineSeconds * 1000);
      expect(lastAt).toBeLessThan(exp.terminatedAt.getTime() + deadlineSeconds * 1000 + 1_500);
      // About 6 grid points fit in the deadline; a loaded machine may miss one or two.
      expect(completed.data.checks).toBeGreaterThanOrEqual(4);
      expect(await notRecovered()).toBe(before + 1);
    },
  );

  it("starts one monitor for an event delivered twice, even after it completed", async () => {
    const exp = await startExperiment({ recovery: {} });
    await exp.publish();
    // Generous waits: beside other end-to-end files on 2 cores a delivery can take seconds.
    await monitor.waitForLog("recovery.duplicate", exp.id, { timeoutMs: 60_000 });
    await completedOf(exp.id);
    await exp.publish();
    await monitor.waitForLog("recovery.duplicate", exp.id, { count: 2, timeoutMs: 60_000 });
    const types = tap.typesOf(exp.id);
    expect(types.filter((t) => t === EventType.recoveryCompleted)).toHaveLength(1);
    expect(types.filter((t) => t === EventType.recoveryProgressed)).toHaveLength(3);
  });

  it("shares DescribeAutoScalingGroups calls between experiments checked at the same time", async () => {
    await sim.resetCounters();
    const terminatedAt = new Date();
    // A 1 s boot at this scale: every experiment needs several checks.
    const experiments = await Promise.all(
      Array.from({ length: 12 }, () =>
        startExperiment({
          recovery: { checkIntervalSeconds: 0.3 },
          group: { bootSeconds: 100 },
          count: 1,
          terminatedAt,
        }),
      ),
    );
    const completed = await Promise.all(experiments.map((e) => completedOf(e.id)));
    expect(completed.every((c) => c.data.outcome === "recovered")).toBe(true);
    const checks = completed.reduce((sum, c) => sum + c.data.checks, 0);
    const calls = (await sim.counters()).calls.DescribeAutoScalingGroups ?? 0;
    console.log(
      `batching: ${checks} checks of ${experiments.length} experiments took ${calls} DescribeAutoScalingGroups calls`,
    );
    expect(checks).toBeGreaterThanOrEqual(experiments.length * 3);
    expect(calls).toBeLessThanOrEqual(Math.ceil(checks / 3));
  });

  it("shares one DescribeAlarms per check between experiments checked at the same time", async () => {
    // A 3 s boot at this scale: every experiment needs several checks, even on a busy machine.
    const terminatedAt = new Date();
    const alarms = await Promise.all(
      Array.from({ length: 12 }, (_, i) => sim.createAlarm({ name: `${randomUUID()}-${i}` })),
    );
    await sim.resetCounters();
    const experiments = await Promise.all(
      alarms.map((alarm) =>
        startExperiment({
          recovery: { checkIntervalSeconds: 0.3 },
          group: { bootSeconds: 300 },
          count: 1,
          terminatedAt,
          alarms: [alarm.name],
        }),
      ),
    );
    const completed = await Promise.all(experiments.map((e) => completedOf(e.id)));
    expect(completed.map((c) => c.data.outcome)).toEqual(experiments.map(() => "recovered"));
    const checks = completed.reduce((sum, c) => sum + c.data.checks, 0);
    const calls = (await sim.counters()).calls.DescribeAlarms ?? 0;
    console.log(
      `batching: ${checks} checks of ${experiments.length} experiments took ${calls} DescribeAlarms calls`,
    );
    expect(checks).toBeGreaterThanOrEqual(experiments.length * 3);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(Math.ceil(checks / 3));
  });

  it("shares one DescribeTargetHealth per check between experiments on one target group", async () => {
    await sim.resetCounters();
    const asg = `g-${randomUUID().slice(0, 8)}`;
    // 5 checks 30 s apart: a replacement serves 1.5 s after it boots, some checks later.
    const created = await sim.createGroup({
      name: asg,
      desiredCapacity: 4,
      targetGroups: [
        { name: `${asg}-tg`, healthCheckIntervalSeconds: 30, healthyThresholdCount: 5 },
      ],
    });
    const arn = created.targetGroups[0]!.arn;
    const victim = created.instances[0]!;
    const terminatedAt = new Date();
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim.instanceId] }));
    const ids = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const experiment = experimentContext({
          id: uniqueExperimentId(),
          requestId: randomUUID(),
          asg,
          recovery: { deadlineSeconds: 30, checkIntervalSeconds: 0.2 },
          seed: "test",
          plannedAt: terminatedAt.toISOString(),
          instanceIdsAtPlan: created.instances.map((i) => i.instanceId),
          victims: instanceSnapshots([victim]),
          targetGroupArns: [arn],
        });
        const event = createEvent(EventType.instancesTerminated, {
          source: eventSource(ServiceName.terminator),
          subject: experiment.id,
          data: {
            experiment,
            terminations: [
              {
                instanceId: victim.instanceId,
                outcome: "terminated",
                at: terminatedAt.toISOString(),
              },
            ],
            terminatedAt: terminatedAt.toISOString(),
          },
        });
        await publishEvent(sns(), stack.topology.topics.events.arn, event);
        return experiment.id;
      }),
    );
    const completed = await Promise.all(ids.map(completedOf));
    expect(completed.map((c) => c.data.outcome)).toEqual(["recovered", "recovered", "recovered"]);
    expect(completed.every((c) => c.data.timeline.servingAt !== undefined)).toBe(true);
    const calls = (await sim.counters()).calls.DescribeTargetHealth ?? 0;
    const checks = Math.max(...completed.map((c) => c.data.checks));
    console.log(
      `sharing: 3 experiments, ${checks} checks each at most, ${calls} DescribeTargetHealth calls`,
    );
    // Unshared, each experiment would read the target group at each of its checks after healthy.
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(checks);
  });

  it("is ready with Redis and the worker up, and exports its metrics", async () => {
    expect((await fetch(`${monitor.url}/readyz`)).status).toBe(200);
    const recovered = () => metric("macaque_recovery_seconds_count", 'outcome="recovered"');
    const observed = () => metric("macaque_recovery_checks_total", 'result="observed"');
    const describes = () => metric("macaque_describe_auto_scaling_groups_calls_total");
    const before = { recovered: await recovered(), observed: await observed() };
    const describesBefore = await describes();
    const exp = await startExperiment({ recovery: {}, count: 1 });
    await completedOf(exp.id);
    expect(await recovered()).toBe(before.recovered + 1);
    expect(await observed()).toBeGreaterThan(before.observed);
    expect(await describes()).toBeGreaterThan(describesBefore);
    await waitUntil(
      "no experiment in flight",
      async () => (await metric("macaque_recovery_experiments_in_flight")) === 0,
    );
  });

  it("loses no pending check when the monitor restarts mid-experiment", async () => {
    // A 2 s boot at this scale keeps the experiment open across the restart.
    const exp = await startExperiment({
      recovery: { checkIntervalSeconds: 0.2 },
      group: { bootSeconds: 200 },
    });
    await tap.waitForEvent(exp.id, EventType.recoveryProgressed, 10_000);
    const old = monitor;
    // The old process stops checking at once; its SQS consumer may finish a long poll first.
    const stopped = old.stop(30_000);
    await old.waitForLog("service.stopping");
    monitor = await startMonitor();
    const completed = await completedOf(exp.id);
    expect(completed.data.outcome).toBe("recovered");
    expect(monitor.logged("recovery.completed", exp.id)).toHaveLength(1);
    const truth = (await sim.timeline(exp.asg)).recoveries[0]!;
    expect(completed.data.timeToRecoverSeconds! * 1000).toBeGreaterThanOrEqual(
      truth.durationMs! - 50,
    );
    expect(await stopped).toBe(0);
  }, 60_000);

  it("survives being killed twice in the middle of a check: the experiment still ends recovered", async () => {
    // Each check waits 1.5 s for its describe batch, so a check is under way for most
    // of the time; a 10 s boot at this scale keeps the experiment open across both kills,
    // even on a busy machine where each restarted process takes seconds to take the
    // stalled check back (with 3 s, one CI run timed out waiting for a check under way).
    const slow = { CHECK_BATCH_WINDOW_MS: "1500" };
    await monitor.stop();
    monitor = await startMonitor(slow);
    const exp = await startExperiment({
      recovery: { checkIntervalSeconds: 0.2, deadlineSeconds: 120 },
      group: { bootSeconds: 1000 },
    });
    const jobKey = `${redisKeyPrefix}:recovery-monitor:checks:${exp.id}`;
    const activeKey = `${redisKeyPrefix}:recovery-monitor:checks:active`;
    const redis = createRedis(stack.endpoints.redis, "monitor-kill-test");
    const isActive = async () => (await redis.lrange(activeKey, 0, -1)).includes(exp.id);
    try {
      let crashes = 0;
      while (crashes < 2) {
        // This process has checked the experiment (after a crash, once the stalled
        // check was taken back), and is in the middle of its next check.
        await monitor.waitForLog("recovery.checked", exp.id, { timeoutMs: 30_000 });
        await waitUntil("a check of the experiment under way", isActive, 30_000);
        await monitor.kill();
        // A killed process leaves its check in the active list until the lock expires:
        // still there, the kill landed mid-check (on a busy machine the check may have
        // ended between the look and the kill; then kill again).
        if (await isActive()) crashes++;
        monitor = await startMonitor(slow);
      }
      await monitor.stop();
      monitor = await startMonitor();
      const completed = await tap.waitForEvent(exp.id, EventType.recoveryCompleted, 60_000);
      expect(completed.data.outcome).toBe("recovered");
      // BullMQ counted both crashes as stalls of the job, and carried on.
      expect(Number(await redis.hget(jobKey, "stc"))).toBeGreaterThanOrEqual(2);
      await tap.drain();
      expect(tap.typesOf(exp.id).filter((t) => t === EventType.recoveryCompleted)).toHaveLength(1);
    } finally {
      await redis.quit();
    }
  }, 120_000);
});
