import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Worker } from "bullmq";
import {
  EventType,
  createLogger,
  type AlarmState,
  type Redis,
  type TargetGroupHealth,
} from "@macaque/shared";
import { createCheckProcessor } from "../src/check.ts";
import { createMonitorMetrics } from "../src/monitor-metrics.ts";
import { startMonitorJob, type RecoveryEvent } from "../src/monitor-job.ts";
import { createCheckQueue, createCheckWorker, scheduleRecovery } from "../src/schedule.ts";
import { experiment, group, survivors } from "./fixtures.ts";
import { Registry } from "prom-client";
import { randomUUID } from "node:crypto";
import { useTestRedis } from "../../../test/support/redis.ts";

/**
 * The check processor on a real Redis with BullMQ: rescheduling under one job id,
 * missed checks, and publishing through the outbox when SNS fails. The group and
 * the publisher are plain functions here; the integration test uses the real ones.
 */

const testRedis = useTestRedis("check-test", { forBullMQ: true });
let redis: Redis;
const workers: Worker[] = [];

beforeAll(() => {
  redis = testRedis.redis;
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

const crashed = group([
  "i-00000001:InService:Healthy",
  "i-00000002:InService:Healthy",
  ...survivors,
]);
const pending = group([...survivors, "i-000000a1:Pending:Healthy", "i-000000a2:Pending:Healthy"]);
const whole = group([...survivors, "i-000000a1:InService:Healthy", "i-000000a2:InService:Healthy"]);

/** Runs one experiment through a worker; `looks` answers the describes in turn (the last repeats). */
async function run(options: {
  looks: Array<typeof whole | Error>;
  publish?: (event: RecoveryEvent, attempt: number) => void;
  deadlineSeconds?: number;
  /** Target health per check that reads it (the last repeats); the experiment gets its ARN. */
  targets?: Array<TargetGroupHealth | Error>;
  /** How long each target-health read takes (as one waiting for the ELB rate limit would). */
  targetReadMs?: number;
  /** The experiment's alarm per check (the last repeats); the experiment then names it. */
  alarms?: Array<AlarmState | Error>;
}) {
  const keyPrefix = `t-${randomUUID()}`;
  const queue = createCheckQueue(redis, keyPrefix);
  const published: RecoveryEvent[] = [];
  let describes = 0;
  let publishes = 0;
  let targetReads = 0;
  const targetReadsDoneAt: number[] = [];
  const exp = {
    ...experiment({ checkIntervalSeconds: 0.05, deadlineSeconds: options.deadlineSeconds ?? 5 }),
    id: `exp-${randomUUID()}`,
    ...(options.targets && { targetGroupArns: [tgArn] }),
    ...(options.alarms && { stopConditions: { alarms: [alarmName] } }),
  };
  let alarmReads = 0;
  const targets = options.targets;
  const worker = createCheckWorker({
    connection: redis,
    keyPrefix,
    concurrency: 5,
    processor: createCheckProcessor({
      describeGroup: async () => {
        const look = options.looks[Math.min(describes++, options.looks.length - 1)]!;
        if (look instanceof Error) throw look;
        return look;
      },
      ...(targets && {
        describeTargetGroup: async () => {
          const read = targets[Math.min(targetReads++, targets.length - 1)]!;
          if (options.targetReadMs) {
            await new Promise((resolve) => setTimeout(resolve, options.targetReadMs));
          }
          targetReadsDoneAt.push(Date.now());
          if (read instanceof Error) throw read;
          return read;
        },
      }),
      describeAlarm: async () => {
        const alarms = options.alarms ?? [];
        const read = alarms[Math.min(alarmReads++, alarms.length - 1)];
        if (read instanceof Error) throw read;
        return read;
      },
      publish: async (event) => {
        options.publish?.(event, publishes++);
        published.push(event);
      },
      logger: createLogger({ service: "test", level: "silent" }),
      metrics: createMonitorMetrics(new Registry(), async () => 0),
      now: () => new Date(),
    }),
  });
  workers.push(worker);
  const finished = new Promise<{ attemptsMade: number }>((resolve, reject) => {
    worker.on("completed", (job) => resolve({ attemptsMade: job.attemptsMade }));
    worker.on("failed", (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) reject(err);
    });
  });
  const job = startMonitorJob(
    {
      experiment: exp,
      terminations: ["i-00000001", "i-00000002"].map((instanceId) => ({
        instanceId,
        outcome: "terminated" as const,
        at: new Date().toISOString(),
      })),
      terminatedAt: new Date().toISOString(),
    },
    new Date(),
  );
  // Two deliveries handled at once: one adds the job, the other is the duplicate.
  const adds = await Promise.all([
    scheduleRecovery(queue, redis, job, 50),
    scheduleRecovery(queue, redis, job, 50),
  ]);
  expect(adds.sort()).toEqual([false, true]);
  expect(await scheduleRecovery(queue, redis, job, 50)).toBe(false);
  expect(await queue.getJobCounts("delayed", "waiting", "active", "completed")).toSatisfy(
    (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0) === 1,
  );
  const result = await finished;
  const jobs = await queue.getJobs(["completed"]);
  await queue.close();
  return {
    published,
    describes,
    targetReads,
    targetReadsDoneAt,
    alarmReads,
    result,
    jobs,
    id: exp.id,
  };
}

const alarmName = "web-5xx";
const alarmIn = (state: string, updatedAt = "2030-01-01T00:00:07.000Z"): AlarmState => ({
  name: alarmName,
  arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`,
  state,
  reason: state === "ALARM" ? "Threshold Crossed: 5xx > 10" : "Threshold not crossed",
  updatedAt,
});

const tgArn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0001";
const targetsOf = (state: string, reason?: string): TargetGroupHealth => ({
  arn: tgArn,
  name: "web",
  targets: ["i-00000003", "i-00000004", "i-000000a1", "i-000000a2"].map((id) => ({
    id,
    state: id === "i-000000a2" ? state : "healthy",
    ...(reason && id === "i-000000a2" && { reason }),
  })),
});

const kinds = (events: RecoveryEvent[]) =>
  events.map((e) => (e.type === EventType.recoveryProgressed ? e.data.milestone : "completed"));

describe("check processor: stop conditions", () => {
  it("ends the experiment stopped when its alarm goes into ALARM, with what was measured so far", async () => {
    const { published, jobs, result, alarmReads } = await run({
      looks: [crashed, pending, whole],
      alarms: [alarmIn("OK"), alarmIn("ALARM")],
    });
    expect(alarmReads).toBe(2);
    expect(kinds(published)).toEqual(["replacement-seen", "completed"]);
    const completed = published.at(-1)!;
    if (completed.type !== EventType.recoveryCompleted) throw new Error("not completed");
    expect(completed.data).toMatchObject({
      outcome: "stopped",
      checks: 2,
      timeToRecoverSeconds: null,
      stoppedBy: [
        {
          alarm: alarmName,
          kind: "in-alarm",
          state: "ALARM",
          reason: "Threshold Crossed: 5xx > 10",
          firedAt: "2030-01-01T00:00:07.000Z",
        },
      ],
    });
    expect(completed.data.lastObserved?.pending).toBe(2);
    expect(jobs[0]!.returnvalue).toEqual({ outcome: "stopped", checks: 2 });
    expect(result.attemptsMade).toBe(1);
  });

  it("stops (fail closed) at the check whose alarm read fails after the SDK's retries", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "Throttling" });
    const { published } = await run({ looks: [crashed, pending, whole], alarms: [throttled] });
    const completed = published.at(-1)!;
    if (completed.type !== EventType.recoveryCompleted) throw new Error("not completed");
    expect(completed.data.outcome).toBe("stopped");
    expect(completed.data.checks).toBe(1);
    expect(completed.data.stoppedBy).toEqual([
      { alarm: alarmName, kind: "unreadable", reason: "Throttling: Rate exceeded" },
    ]);
  });

  it("goes on to recovery while the alarm stays OK or INSUFFICIENT_DATA", async () => {
    const { published } = await run({
      looks: [crashed, pending, whole],
      alarms: [alarmIn("INSUFFICIENT_DATA"), alarmIn("OK")],
    });
    const completed = published.at(-1)!;
    if (completed.type !== EventType.recoveryCompleted) throw new Error("not completed");
    expect(completed.data.outcome).toBe("recovered");
    expect(completed.data.stoppedBy).toBeUndefined();
  });
});

describe("check processor", () => {
  it("checks again under the same job id until the group recovers", async () => {
    const { published, describes, jobs, id } = await run({
      looks: [crashed, crashed, pending, whole],
    });
    expect(describes).toBe(4);
    expect(kinds(published)).toEqual([
      "replacement-seen",
      "all-in-service",
      "healthy",
      "completed",
    ]);
    expect(jobs.map((j) => j.id)).toEqual([id]);
    expect(jobs[0]!.data).toMatchObject({ checks: 4, outbox: [], nextCheckAt: null });
  });

  it("treats a failed describe as a missed check and carries on", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "Throttling" });
    const { published, jobs, result } = await run({ looks: [pending, throttled, whole] });
    expect(kinds(published)).toEqual([
      "replacement-seen",
      "all-in-service",
      "healthy",
      "completed",
    ]);
    expect(jobs[0]!.data).toMatchObject({ checks: 2, missedChecks: 1 });
    // BullMQ counts the finishing attempt; rescheduled checks do not count.
    expect(result.attemptsMade).toBe(1);
  });

  it("publishes each event once when SNS fails after the check was decided", async () => {
    let failed = false;
    const { published, result } = await run({
      looks: [whole],
      publish: (event) => {
        if (event.type === EventType.recoveryCompleted && !failed) {
          failed = true;
          throw new Error("SNS unavailable");
        }
      },
    });
    expect(kinds(published)).toEqual([
      "replacement-seen",
      "all-in-service",
      "healthy",
      "completed",
    ]);
    expect(result.attemptsMade).toBe(2);
  });

  it("reads target health only once healthy, and recovers at serving", async () => {
    const { published, describes, targetReads } = await run({
      looks: [pending, whole],
      targets: [new Error("Throttling"), targetsOf("initial"), targetsOf("healthy")],
    });
    expect(kinds(published)).toEqual([
      "replacement-seen",
      "all-in-service",
      "healthy",
      "serving",
      "completed",
    ]);
    expect(targetReads).toBe(3);
    expect(describes).toBe(4);
    const completed = published.at(-1)!;
    expect(completed.type === EventType.recoveryCompleted && completed.data).toMatchObject({
      outcome: "recovered",
      targetGroups: [{ name: "web" }],
    });
  });

  it("dates serving when the target states arrived, not when the group's did", async () => {
    const { published, targetReadsDoneAt } = await run({
      looks: [whole],
      targets: [targetsOf("healthy")],
      targetReadMs: 300,
    });
    const serving = published.find(
      (e) => e.type === EventType.recoveryProgressed && e.data.milestone === "serving",
    );
    if (serving?.type !== EventType.recoveryProgressed) throw new Error("no serving milestone");
    const read = targetReadsDoneAt[0]!;
    // The group was described some 300 ms before its targets were read: serving is
    // never dated before the read that saw it.
    expect(Date.parse(serving.data.observed.at)).toBeGreaterThanOrEqual(read);
  });

  it("is not recovered at the deadline when targets never serve, and reports their states", async () => {
    const { published } = await run({
      looks: [whole],
      targets: [targetsOf("unhealthy", "Target.FailedHealthChecks")],
      deadlineSeconds: 0.3,
    });
    const completed = published.at(-1)!;
    expect(kinds(published)).not.toContain("serving");
    expect(completed.type === EventType.recoveryCompleted && completed.data).toMatchObject({
      outcome: "not-recovered",
      targetGroups: [
        {
          targets: expect.arrayContaining([
            { id: "i-000000a2", state: "unhealthy", reason: "Target.FailedHealthChecks" },
          ]),
        },
      ],
    });
  });
});
