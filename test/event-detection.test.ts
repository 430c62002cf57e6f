import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "@macaque/shared";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";

/**
 * Event-driven detection end to end: the fleet simulator sends AWS's own events
 * (launch, termination, EC2 states) to the fleet-events queue, as an EventBridge
 * rule would; the recovery-monitor (DETECTION_MODE=events in the sandbox) wakes
 * on them. With checks 30 s apart, the recovery is seen right after the
 * replacement's launch, not at the next check, and the stated bounds hold the
 * simulator's true recovery moment.
 */
let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline({ timeScale: 0.01 });
}, 120_000);
afterAll(async () => {
  await p?.stop();
});

const checkIntervalSeconds = 30;

describe("a launch event wakes the recovery check", () => {
  it("detects the recovery shortly after the replacement's launch, within its stated bounds", async () => {
    const asg = await p.createGroup({ desiredCapacity: 4, maxSize: 8 });
    const id = await p.submit({
      asg,
      count: 2,
      mode: "asg",
      recovery: { checkIntervalSeconds, deadlineSeconds: 120 },
    });
    const terminated = await p.waitForEvent(id, EventType.instancesTerminated);
    const completed = await p.waitForEvent(id, EventType.recoveryCompleted, 20_000);
    expect(completed.data.outcome).toBe("recovered");

    const terminatedAt = Date.parse(terminated.data.terminatedAt);
    const { events, recoveries } = await p.sim.timeline(asg);
    const [truth] = recoveries;
    const wholeAt = Date.parse(truth!.wholeAt!);
    const lastLaunch = Math.max(
      ...events.filter((e) => e.state === "InService").map((e) => Date.parse(e.at)),
    );
    // Long before the first check on the grid (30 s after the termination).
    expect(Date.parse(completed.time) - terminatedAt).toBeLessThan(checkIntervalSeconds * 1000);
    expect(Date.parse(completed.time) - lastLaunch).toBeLessThan(2_000);
    expect(completed.data.checks).toBeLessThan(checkIntervalSeconds);

    // The stated bounds hold the true moment, and the stated precision covers the error.
    const { timeToRecoverBounds: bounds, precisionSeconds } = completed.data;
    expect(bounds).toBeDefined();
    expect(terminatedAt + bounds!.lowerSeconds * 1000).toBeLessThanOrEqual(wholeAt);
    expect(terminatedAt + bounds!.upperSeconds * 1000).toBeGreaterThanOrEqual(wholeAt);
    const measuredAt = terminatedAt + completed.data.timeToRecoverSeconds! * 1000;
    expect(Math.abs(measuredAt - wholeAt)).toBeLessThanOrEqual(precisionSeconds! * 1000);
    expect(precisionSeconds).toBeLessThan(2);
  });
});
