import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import { createLogger, type Redis } from "@macaque/shared";
import { startMonitorJob, type MonitorJob } from "../src/monitor-job.ts";
import { createCheckQueue, jobIdFor, scheduleRecovery } from "../src/schedule.ts";
import { createWaker } from "../src/wake.ts";
import { experiment, victims } from "./fixtures.ts";
import { useTestRedis } from "../../../test/support/redis.ts";

/**
 * The waker on a real Redis with BullMQ: an event moves the experiment's delayed
 * check to the next tick of the shared grid, and a launch announced before the
 * experiment is watched still reaches it. No worker runs: the job stays delayed,
 * so where BullMQ put it can be read.
 */

const testRedis = useTestRedis("wake-test", { forBullMQ: true });
let redis: Redis;
const queues: Queue<MonitorJob>[] = [];
beforeAll(() => {
  redis = testRedis.redis;
});
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

const tickMs = 100;

/** A monitored experiment whose first check is 30 s away, and a waker for it. */
async function monitored() {
  const keyPrefix = `t-${randomUUID()}`;
  const queue = createCheckQueue(redis, keyPrefix);
  queues.push(queue);
  const terminatedAt = new Date().toISOString();
  const job = startMonitorJob(
    {
      experiment: { ...experiment({ checkIntervalSeconds: 30 }), asg: `g-${randomUUID()}` },
      terminations: victims.map((instanceId) => ({
        instanceId,
        outcome: "terminated",
        at: terminatedAt,
      })),
      terminatedAt,
    },
    new Date(),
  );
  await scheduleRecovery(queue, redis, job, 30_000);
  const waker = createWaker({
    redis,
    queue,
    keyPrefix,
    tickMs,
    logger: createLogger({ service: "test", level: "silent" }),
  });
  const jobId = jobIdFor(job.experiment.id);
  /** How long until BullMQ runs the check (its delay as last set). */
  const dueInMs = async () => (await queue.getJob(jobId))!.delay;
  const launch = {
    kind: "launched" as const,
    group: job.experiment.asg,
    instanceId: "i-000000a1",
    at: new Date().toISOString(),
  };
  return { job, waker, jobId, dueInMs, launch };
}

describe("the waker", () => {
  it("moves a woken check to the next tick of the shared grid", async () => {
    const { job, waker, jobId, dueInMs, launch } = await monitored();
    await waker.watch(job, Date.now() + 120_000);
    expect(await dueInMs()).toBe(30_000);
    expect(await waker.wake(launch)).toBe(true);
    expect(await dueInMs()).toBeLessThanOrEqual(tickMs);
    expect(await waker.takeSignals(jobId)).toEqual([
      { kind: "launched", instanceId: launch.instanceId, at: launch.at },
    ]);
  });

  it("hands a launch announced before the watch began to the experiment", async () => {
    const { job, waker, jobId, dueInMs, launch } = await monitored();
    expect(await waker.wake(launch)).toBe(false);
    expect(await dueInMs()).toBe(30_000);
    await waker.watch(job, Date.now() + 120_000);
    expect(await dueInMs()).toBeLessThanOrEqual(tickMs);
    expect(await waker.takeSignals(jobId)).toEqual([
      { kind: "launched", instanceId: launch.instanceId, at: launch.at },
    ]);
  });

  it("keeps no termination for a watch not begun: alone it completes nothing", async () => {
    const { job, waker, jobId, dueInMs, launch } = await monitored();
    expect(await waker.wake({ ...launch, kind: "terminated", instanceId: victims[0]! })).toBe(
      false,
    );
    await waker.watch(job, Date.now() + 120_000);
    expect(await dueInMs()).toBe(30_000);
    expect(await waker.takeSignals(jobId)).toEqual([]);
  });
});
