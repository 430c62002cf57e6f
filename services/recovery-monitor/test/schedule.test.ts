import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { startMonitorJob } from "../src/monitor-job.ts";
import { createCheckQueue, jobIdFor, scheduleRecovery } from "../src/schedule.ts";
import { useTestRedis } from "../../../test/support/redis.ts";
import { at, experiment } from "./fixtures.ts";

describe("jobIdFor", () => {
  it.each([
    ["exp-2030-01-01-abc", "exp-2030-01-01-abc"],
    ["0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e"],
    ["req:1", "req%3A1"],
    ["50%:x", "50%25%3Ax"],
    ["12345", "experiment-12345"],
  ])("uses %s as %s", (experimentId, jobId) => {
    expect(jobIdFor(experimentId)).toBe(jobId);
  });
});

describe("scheduleRecovery", () => {
  const testRedis = useTestRedis("monitor-schedule");
  const job = startMonitorJob(
    {
      experiment: experiment(),
      terminations: [{ instanceId: "i-00000001", outcome: "terminated", at: at(0).toISOString() }],
      terminatedAt: at(0).toISOString(),
    },
    at(0),
  );

  it("adds the job even when a failed delivery left its start mark, and calls it a duplicate", async () => {
    const queue = createCheckQueue(testRedis.redis, `t-${randomUUID()}`);
    try {
      const jobId = jobIdFor(job.experiment.id);
      await testRedis.redis.set(`${queue.qualifiedName}:started:${jobId}`, "1");
      expect(await scheduleRecovery(queue, testRedis.redis, job, 60_000)).toBe(false);
      expect(await queue.getJob(jobId)).toBeDefined();
    } finally {
      await queue.close();
    }
  });
});
