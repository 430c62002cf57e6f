import { Worker } from "bullmq";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createRedis, type EventData } from "@macaque/shared";
import { createAbandonReporter } from "../src/abandon.ts";
import { startMonitorJob, type RecoveryEvent } from "../src/monitor-job.ts";
import { createCheckQueue, jobIdFor } from "../src/schedule.ts";
import { uniquePrefix } from "../../../test/support/aws.ts";
import { useTestRedis } from "../../../test/support/redis.ts";
import { waitUntil } from "../../../test/support/wait.ts";
import { at, experiment } from "./fixtures.ts";

/**
 * A check job that runs out of attempts, on real BullMQ over a Redis of the
 * file's own: its experiment still gets one `recovery.completed`, published once
 * however often the sweep runs, and retried while publishing fails.
 */
const testRedis = useTestRedis("abandon-test", { forBullMQ: true });

function terminatedData(): EventData<"macaque.instances.terminated"> {
  return {
    experiment: { ...experiment(), id: `exp-${uniquePrefix("a")}` },
    terminations: [{ instanceId: "i-00000001", outcome: "terminated", at: at(0).toISOString() }],
    terminatedAt: at(0).toISOString(),
  };
}

describe("a check job out of attempts", () => {
  it("is reported abandoned once, after a failed publish is retried by the next sweep", async () => {
    const prefix = uniquePrefix("ab");
    const queue = createCheckQueue(testRedis.redis, prefix);
    const job = startMonitorJob(terminatedData(), at(0));
    await queue.add("check", job, { jobId: jobIdFor(job.experiment.id), attempts: 1 });
    const workerRedis = createRedis(testRedis.url, "abandon-worker", { forBullMQ: true });
    const worker = new Worker(
      "checks",
      async () => {
        throw new Error("SNS is down");
      },
      { connection: workerRedis, prefix: `${prefix}:recovery-monitor` },
    );
    try {
      await waitUntil("the job to fail", async () => (await queue.getFailedCount()) === 1);
      const published: RecoveryEvent[] = [];
      let snsUp = false;
      const reporter = createAbandonReporter({
        queue,
        publish: async (event) => {
          if (!snsUp) throw new Error("still down");
          published.push(event);
        },
        logger: pino({ level: "silent" }),
        now: () => at(60),
      });
      expect(await reporter.sweep()).toBe(0);
      snsUp = true;
      expect(await reporter.sweep()).toBe(1);
      expect(await reporter.sweep()).toBe(0);
      expect(published).toHaveLength(1);
      expect(published[0]?.data).toMatchObject({
        outcome: "abandoned",
        reason: { code: "monitor-gave-up" },
      });
      expect(published[0]?.data.experiment.id).toBe(job.experiment.id);
      expect(JSON.stringify(published[0]?.data)).toContain("SNS is down (after 1 attempts)");
    } finally {
      await worker.close();
      await workerRedis.quit();
      await queue.close();
    }
  });
});
