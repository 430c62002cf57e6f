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
  openEventTap,
  publishEvent,
  type AnyCloudEvent,
  type EventTap,
  type ExperimentContext,
} from "@macaque/shared";
import { startService, startStack, type RunningProcess, type Stack } from "@macaque/sandbox";
import { sandboxClient, snsAt, sqsAt, uniquePrefix, waitFor } from "../../../test/support/aws.ts";

/**
 * The monitor as its own process against the sandbox: fauxqs, the fleet simulator
 * at 1/100 speed (a 30 s boot takes 0.3 s) and a redis-server. Each test terminates
 * instances itself with the EC2 client and publishes the `instances.terminated`
 * event the terminator would, then follows the monitor's events on a tap.
 */

type Completed = Extract<AnyCloudEvent, { type: typeof EventType.recoveryCompleted }>;
type Recovery = ExperimentContext["recovery"];

let stack: Stack;
let monitor: RunningProcess<string>;
let tap: EventTap;
let sim: FleetSimControl;
let ec2: EC2Client;
const sns = () => snsAt(stack.endpoints.sns);
const logLines: string[] = [];
const redisKeyPrefix = uniquePrefix("rm");

/** Starts a monitor process; its log lines go to `logLines` and `own` (and the console with MONITOR_LOGS=1). */
const startMonitor = (own: string[] = []) =>
  startService(stack, "recovery-monitor", {
    env: { REDIS_KEY_PREFIX: redisKeyPrefix, LOG_LEVEL: "debug" },
    onLine: (_name, line) => {
      logLines.push(line);
      own.push(line);
      if (process.env.MONITOR_LOGS) console.log(line);
    },
  });

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("rm"), timeScale: 0.01 });
  sim = createFleetSimControl(stack.endpoints.fleetSim);
  ec2 = sandboxClient(EC2Client, stack.endpoints.ec2);
  tap = await openEventTap({
    sqs: sqsAt(stack.endpoints.sqs),
    sns: sns(),
    topicArn: stack.topology.topics.events.arn,
    queueName: `${stack.prefix}-tap`,
  });
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
}): Promise<Started> {
  const asg = `g-${randomUUID().slice(0, 8)}`;
  const created = await sim.createGroup({ name: asg, desiredCapacity: 4, ...options.group });
  if (options.faults) await sim.setFaults(asg, options.faults);
  const atPlan = created.instances.map((i) => i.instanceId);
  const victims = atPlan.slice(0, options.count ?? 2);
  const terminatedAt = options.terminatedAt ?? new Date();
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: victims }));
  const experiment: ExperimentContext = {
    id: `exp-${randomUUID().replaceAll("-", "").slice(0, 16)}`,
    requestId: randomUUID(),
    asg,
    mode: "ec2",
    dryRun: false,
    notify: { emails: [] },
    recovery: {
      deadlineSeconds: 30,
      checkIntervalSeconds: 0.2,
      requireHealthy: true,
      ...options.recovery,
    },
    seed: "test",
    plannedAt: terminatedAt.toISOString(),
    desiredCapacity: 4,
    instanceIdsAtPlan: atPlan,
    victims: created.instances
      .filter((i) => victims.includes(i.instanceId))
      .map(({ instanceId, availabilityZone }) => ({
        instanceId,
        availabilityZone,
        lifecycleState: "InService",
        healthStatus: "Healthy",
      })),
  };
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

const completedOf = (id: string, timeoutMs = 20_000) =>
  tap.waitFor(
    (e): e is Completed => e.subject === id && e.type === EventType.recoveryCompleted,
    timeoutMs,
  );
const eventsOf = (id: string) => tap.seen.filter((e) => e.subject === id);
const logged = (event: string, experimentId: string) =>
  waitFor(`a ${event} log line for ${experimentId}`, async () =>
    logLines.find((l) => l.includes(`"event":"${event}"`) && l.includes(experimentId)),
  );

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
    const milestones = eventsOf(exp.id)
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
    },
  );

  it("starts one monitor for an event delivered twice, even after it completed", async () => {
    const exp = await startExperiment({ recovery: {} });
    await exp.publish();
    await logged("recovery.duplicate", exp.id);
    await completedOf(exp.id);
    await exp.publish();
    await waitFor("a second duplicate log line", async () =>
      logLines.filter((l) => l.includes('"event":"recovery.duplicate"') && l.includes(exp.id))
        .length >= 2
        ? true
        : undefined,
    );
    const types = eventsOf(exp.id).map((e) => e.type);
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

  it("is ready with Redis and the worker up, and exports its metrics", async () => {
    expect((await fetch(`${monitor.ready}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${monitor.ready}/metrics`)).text();
    expect(text).toMatch(/macaque_recovery_seconds_count\{[^}]*outcome="recovered"[^}]*\} [1-9]/);
    expect(text).toMatch(/macaque_recovery_seconds_count\{[^}]*outcome="not-recovered"[^}]*\} 2/);
    expect(text).toMatch(/macaque_recovery_checks_total\{[^}]*result="observed"[^}]*\} [1-9]/);
    expect(text).toMatch(/macaque_describe_auto_scaling_groups_calls_total\{[^}]*\} [1-9]/);
    expect(text).toMatch(/macaque_recovery_experiments_in_flight\{[^}]*\} 0/);
  });

  it("loses no pending check when the monitor restarts mid-experiment", async () => {
    // A 2 s boot at this scale keeps the experiment open across the restart.
    const exp = await startExperiment({
      recovery: { checkIntervalSeconds: 0.2 },
      group: { bootSeconds: 200 },
    });
    await tap.waitFor(
      (e) => e.subject === exp.id && e.type === EventType.recoveryProgressed,
      10_000,
    );
    const old = monitor;
    const oldLines = logLines.length;
    // The old process stops checking at once; its SQS consumer may finish a long poll first.
    const stopped = old.stop(30_000);
    await waitFor("the old monitor to stop checking", async () =>
      logLines.slice(oldLines).find((l) => l.includes('"event":"service.stopping"')),
    );
    const newLines: string[] = [];
    monitor = await startMonitor(newLines);
    const completed = await completedOf(exp.id);
    expect(completed.data.outcome).toBe("recovered");
    expect(
      newLines.some((l) => l.includes('"event":"recovery.completed"') && l.includes(exp.id)),
    ).toBe(true);
    const truth = (await sim.timeline(exp.asg)).recoveries[0]!;
    expect(completed.data.timeToRecoverSeconds! * 1000).toBeGreaterThanOrEqual(
      truth.durationMs! - 50,
    );
    expect(await stopped).toBe(0);
  }, 60_000);
});
