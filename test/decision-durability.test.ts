import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "@macaque/shared";
import { createS3Client } from "@macaque/shared/history";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";
import { useTestRedis } from "./support/redis.ts";

/**
 * Redis loses everything (FLUSHALL: what a restart without persistence leaves)
 * after an experiment was planned and run; the same requestId sent again replays
 * the first plan from the producer's durable decision log in the history bucket:
 * same experiment id, same victims, nothing new terminated. The terminator, given
 * the replayed order, finds its first result in its own durable log and publishes
 * it again (same event id) instead of finding the victims gone and failing.
 */
const testRedis = useTestRedis("decision-durability");
let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline({ timeScale: 0.01, redisUrl: testRedis.url });
}, 120_000);
afterAll(async () => p?.stop());

describe("the producer's decisions", () => {
  it("survive a Redis loss: a resent request replays its plan and terminates nothing new", async () => {
    const asg = await p.createGroup({ desiredCapacity: 3, maxSize: 6 });
    const job = {
      asg,
      count: 1,
      requestId: `durable-${asg}`,
      recovery: { checkIntervalSeconds: 0.25, deadlineSeconds: 60 },
    };
    const id = await p.submit(job);
    const first = await p.waitForEvent(id, EventType.experimentPlanned);
    const terminated = await p.waitForEvent(id, EventType.instancesTerminated);
    await p.waitForEvent(id, EventType.recoveryCompleted, 60_000);
    const before = await p.sim.counters();

    await testRedis.redis.flushall();
    await p.submit(job);
    await p.services.producer.waitForLog("plan.replayed", id);
    const [, again] = await p.tap.waitForEvents(id, EventType.experimentPlanned, 2);
    expect(again!.id).toBe(first.id);
    expect(again!.data).toEqual(first.data);
    expect(again!.data.experiment.victims).toEqual(first.data.experiment.victims);
    await p.services.terminator.waitForLog("result.restored", id);
    const [, republished] = await p.tap.waitForEvents(id, EventType.instancesTerminated, 2);
    expect(republished!.id).toBe(terminated.id);
    expect(republished!.data).toEqual(terminated.data);

    await p.tap.drain();
    const after = await p.sim.counters();
    const terminations = (c: typeof before) => c.calls.TerminateInstances ?? 0;
    expect(terminations(after)).toBe(terminations(before));
    expect((await p.sim.timeline(asg)).recoveries).toHaveLength(1);
    expect(p.services.producer.logged("experiment.planned", id)).toHaveLength(1);
    expect(p.tap.typesOf(id)).not.toContain(EventType.terminationFailed);
  }, 120_000);

  it("are written once: the fauxqs stand-in ignores If-None-Match, so the log reads first", async () => {
    const s3 = createS3Client({
      region: p.stack.region,
      endpoint: p.stack.endpoints.s3,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      const put = (body: string) =>
        s3.send(
          new PutObjectCommand({
            Bucket: p.stack.historyBucket,
            Key: `decisions/probe-${p.stack.prefix}.json`,
            Body: body,
            IfNoneMatch: "*",
          }),
        );
      await put("first");
      await put("second"); // real S3 answers 412 PreconditionFailed here
      const read = await s3.send(
        new GetObjectCommand({
          Bucket: p.stack.historyBucket,
          Key: `decisions/probe-${p.stack.prefix}.json`,
        }),
      );
      expect(await read.Body!.transformToString()).toBe("second");
    } finally {
      s3.destroy();
    }
  });
});
