import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quickOutageScale, runScenario, scenarios, startFaultRedis } from "./scenarios.ts";
import { startPipeline, type Pipeline } from "../support/pipeline.ts";

/**
 * Part of the fault suite's quick set (`npm run faults` runs every scenario and
 * prints the table), on a pipeline of its own: whatever the fault, no experiment
 * is lost, none ends twice or terminates more than its victims, each sends its
 * one report, and each true time to recover lies within the bounds its report
 * stated. The quick set is split over two test files so that they run
 * side by side.
 */
export function describeQuickSet(title: string, keys: readonly string[]): void {
  let p: Pipeline;
  let redis: Awaited<ReturnType<typeof startFaultRedis>>;
  beforeAll(async () => {
    redis = await startFaultRedis(quickOutageScale);
    p = await startPipeline({
      timeScale: 0.01,
      redisUrl: redis.url,
      services: { env: { LOG_LEVEL: "debug" } },
    });
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
    await redis?.stop();
  });

  describe(title, () => {
    it.each(keys)(
      "%s: nothing lost, nothing duplicated",
      async (key) => {
        const row = await runScenario(p, scenarios[key]!, redis.controls);
        expect(row).toMatchObject({ lost: 0, duplicated: 0, dishonest: 0 });
        expect(row.terminationsDone).toBe(row.terminationsExpected);
        expect(row.reportsSent).toBe(row.reportsExpected);
      },
      240_000,
    );
  });
}
