import { describe, expect, it } from "vitest";
import {
  awaitsFollowUp,
  concludeCheck,
  noteWakeSignals,
  type Look,
  type MonitorJob,
  type WakeSignal,
} from "../src/monitor-job.ts";
import { nextTick } from "../src/tick.ts";
import { at, observe, survivors, startedJob } from "./fixtures.ts";

/**
 * Events mode's quick checks after a launch: on one wall-clock grid shared by
 * every experiment, and only while a look awaits something no event announces.
 */

const start = (recovery: Parameters<typeof startedJob>[0] = {}): MonitorJob =>
  startedJob({ checkIntervalSeconds: 30, deadlineSeconds: 120, ...recovery });
const seen = (members: string[], seconds: number): Look => ({
  kind: "observed",
  observation: observe(members, at(seconds)),
});
const launched = (instanceId: string, seconds: number): WakeSignal => ({
  kind: "launched",
  instanceId,
  at: at(seconds).toISOString(),
});
const gone = (instanceId: string, seconds: number): WakeSignal => ({
  kind: "terminated",
  instanceId,
  at: at(seconds).toISOString(),
});
const followUp = { everyMs: 100, checks: 50 };
const afterLaunch = (recovery: Parameters<typeof startedJob>[0] = {}) =>
  noteWakeSignals(start(recovery), [launched("i-000000a1", 3)], followUp);

describe("nextTick", () => {
  it.each([
    [1_234, 100, 1_300],
    [1_300, 100, 1_400],
    [1_299, 100, 1_300],
    [0, 250, 250],
  ])("after %i ms on a grid of %i ms is %i", (now, every, tick) => {
    expect(nextTick(now, every)).toBe(tick);
  });
});

describe("noteWakeSignals", () => {
  it("keeps each instance's earliest launch and terminate events", () => {
    let job = noteWakeSignals(
      start(),
      [launched("i-000000a1", 3), gone("i-00000001", 2)],
      followUp,
    );
    job = noteWakeSignals(job, [launched("i-000000a1", 4), launched("i-000000a2", 5)], followUp);
    expect(job.launches).toEqual({
      "i-000000a1": at(3).toISOString(),
      "i-000000a2": at(5).toISOString(),
    });
    expect(job.terminateEvents).toEqual({ "i-00000001": at(2).toISOString() });
  });

  it("starts follow-ups on a launch, not on a termination", () => {
    expect(noteWakeSignals(start(), [gone("i-00000001", 2)], followUp).followUp).toBeUndefined();
    expect(afterLaunch().followUp).toEqual({ everyMs: 100, left: 50 });
  });
});

describe("awaitsFollowUp", () => {
  const unhealthy = [
    ...survivors,
    "i-000000a1:InService:Unhealthy",
    "i-000000a2:Pending:Unhealthy",
  ];
  const healthyAndBooting = [
    ...survivors,
    "i-000000a1:InService:Healthy",
    "i-000000a2:Pending:Unhealthy",
  ];

  it("waits for a replacement's health, which no event announces", () => {
    expect(awaitsFollowUp(afterLaunch(), seen(unhealthy, 3.1))).toBe(true);
  });

  it("stops once every launched replacement is at the level: a Pending one has its own event", () => {
    expect(awaitsFollowUp(afterLaunch(), seen(healthyAndBooting, 3.1))).toBe(false);
  });

  it("goes on while the describe trails a launch event", () => {
    const notListedYet = [...survivors, "i-000000a2:Pending:Unhealthy"];
    expect(awaitsFollowUp(afterLaunch(), seen(notListedYet, 3.1))).toBe(true);
  });

  it("goes on while a victim is still InService after its terminate event", () => {
    const crashed = ["i-00000001:InService:Healthy", ...survivors, "i-000000a1:InService:Healthy"];
    expect(awaitsFollowUp(afterLaunch(), seen(crashed, 3.1))).toBe(false);
    const job = noteWakeSignals(afterLaunch(), [gone("i-00000001", 3)], followUp);
    expect(awaitsFollowUp(job, seen(crashed, 3.1))).toBe(true);
  });

  it("needs no health when InService is the level", () => {
    expect(awaitsFollowUp(afterLaunch({ requireHealthy: false }), seen(unhealthy, 3.1))).toBe(
      false,
    );
  });

  it("goes on after a missed look", () => {
    expect(awaitsFollowUp(afterLaunch(), { kind: "missed" })).toBe(true);
  });
});

describe("concludeCheck after a launch", () => {
  const unhealthy = [
    ...survivors,
    "i-000000a1:InService:Unhealthy",
    "i-000000a2:Pending:Unhealthy",
  ];

  it("schedules the follow-up at the next tick of the shared grid", () => {
    const { job } = concludeCheck(afterLaunch(), seen(unhealthy, 3.137), at(3.137));
    expect(job.nextCheckAt).toBe(at(3.2).getTime());
    expect(job.followUp?.left).toBe(49);
  });

  it("returns to the interval once nothing awaits a follow-up, keeping the rest for later", () => {
    const healthy = [...survivors, "i-000000a1:InService:Healthy", "i-000000a2:Pending:Unhealthy"];
    const { job } = concludeCheck(afterLaunch(), seen(healthy, 3.137), at(3.137));
    expect(job.nextCheckAt).toBe(at(30).getTime());
    expect(job.followUp?.left).toBe(50);
  });

  it("returns to the interval once the follow-ups run out", () => {
    const job = noteWakeSignals(start(), [launched("i-000000a1", 3)], { everyMs: 100, checks: 1 });
    const first = concludeCheck(job, seen(unhealthy, 3.1), at(3.1)).job;
    expect(first.nextCheckAt).toBe(at(3.2).getTime());
    expect(concludeCheck(first, seen(unhealthy, 3.2), at(3.2)).job.nextCheckAt).toBe(
      at(30).getTime(),
    );
  });
});
