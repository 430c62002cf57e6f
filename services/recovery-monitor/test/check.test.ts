import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Worker } from "bullmq";
import { EventType, createLogger, type Redis } from "@macaque/shared";
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
}) {
  const keyPrefix = `t-${randomUUID()}`;
  const queue = createCheckQueue(redis, keyPrefix);
  const published: RecoveryEvent[] = [];
  let describes = 0;
  let publishes = 0;
  const exp = {
    ...experiment({ checkIntervalSeconds: 0.05, deadlineSeconds: options.deadlineSeconds ?? 5 }),
    id: `exp-${randomUUID()}`,
  };
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
  expect(await scheduleRecovery(queue, job, 50)).toBe(true);
  expect(await scheduleRecovery(queue, job, 50)).toBe(false);
  const result = await finished;
  const jobs = await queue.getJobs(["completed"]);
  await queue.close();
  return { published, describes, result, jobs, id: exp.id };
}

const kinds = (events: RecoveryEvent[]) =>
  events.map((e) => (e.type === EventType.recoveryProgressed ? e.data.milestone : "completed"));

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
});
