import { describe, expect, it } from "vitest";
import { leaseTtlMs, reportMarginSeconds } from "@macaque/shared";
import { followExperiment } from "../src/follow.ts";
import {
  applyEvent,
  giveUpAt,
  nextStep,
  outcomeOf,
  startProgress,
  type Progress,
} from "../src/progress.ts";
import { experimentEvents, type AnyCloudEvent } from "./fixtures.ts";

const id = "exp-00000000000000aa";
const e = experimentEvents(id);
const replay = (...events: AnyCloudEvent[]): Progress =>
  events.reduce(applyEvent, startProgress(id));

describe("progress", () => {
  it("follows a recovery step by step", () => {
    const steps = [e.planned, e.terminated, e.replacementSeen, e.allInService, e.healthy];
    let p = startProgress(id);
    const waits = [nextStep(p).waitingFor];
    for (const event of steps) {
      p = applyEvent(p, event);
      expect(outcomeOf(p)).toBeUndefined();
      waits.push(nextStep(p).waitingFor);
    }
    expect(waits).toEqual([
      "waiting for the plan",
      "waiting for the terminations",
      "waiting for a replacement",
      "waiting for the replacements to be InService",
      "waiting for the replacements to be Healthy",
      "waiting for the verdict",
    ]);
    expect(outcomeOf(applyEvent(p, e.recovered))).toEqual({ kind: "recovered" });
  });

  it.each<[string, AnyCloudEvent[], string]>([
    ["recovered", [e.planned, e.terminated, e.recovered], "recovered"],
    ["not recovered", [e.planned, e.terminated, e.notRecovered], "not-recovered"],
    ["rejected", [e.rejected], "rejected"],
    ["termination failed", [e.planned, e.terminationFailed], "termination-failed"],
    ["a dry run, once planned", [experimentEvents(id, { dryRun: true }).planned], "dry-run"],
  ])("ends %s", (_what, events, kind) => {
    expect(outcomeOf(replay(...events))?.kind).toBe(kind);
  });

  it("ignores a duplicate delivery and another experiment's events", () => {
    const once = replay(e.planned);
    expect(applyEvent(once, e.planned)).toBe(once);
    const other = experimentEvents("exp-00000000000000bb").terminated;
    expect(applyEvent(once, other)).toBe(once);
  });

  it("gives up after the answer timeout until the experiment is known, then when its lifetime says", () => {
    const startedAt = 1_000_000;
    expect(giveUpAt(startProgress(id), { startedAt, answerTimeoutMs: 60_000 })).toBe(
      startedAt + 60_000,
    );
    expect(giveUpAt(startProgress(id), { startedAt })).toBeUndefined();
    // Planned: as long as the group's lease lasts.
    const planned = replay(e.planned);
    expect(giveUpAt(planned, { startedAt, answerTimeoutMs: 60_000 })).toBe(
      Date.parse(e.experiment.plannedAt) + leaseTtlMs(900),
    );
    // Terminated: the monitor's deadline, from the termination, and the time to report.
    const terminated = replay(e.planned, e.terminated);
    expect(giveUpAt(terminated, { startedAt })).toBe(
      Date.parse(terminated.terminated!.terminatedAt) + 900_000 + reportMarginSeconds * 1_000,
    );
  });
});

describe("followExperiment", () => {
  /** Hands out scripted batches; an empty batch advances the clock by the poll's wait. */
  function scripted(batches: AnyCloudEvent[][], clock: { now: number }) {
    return {
      async poll(waitSeconds = 0) {
        const batch = batches.shift();
        if (!batch || batch.length === 0) clock.now += waitSeconds * 1_000 || 100;
        return batch ?? [];
      },
    };
  }

  it("reports each new event once and stops at the outcome", async () => {
    const clock = { now: Date.now() };
    const seen: string[] = [];
    const result = await followExperiment({
      source: scripted(
        [[e.planned, e.planned], [], [e.terminated, e.recovered, e.reportSent]],
        clock,
      ),
      experimentId: id,
      now: () => clock.now,
      onEvent: (event) => seen.push(event.type),
    });
    expect(result.outcome).toEqual({ kind: "recovered" });
    expect(seen).toEqual([
      "macaque.experiment.planned",
      "macaque.instances.terminated",
      "macaque.recovery.completed",
    ]);
  });

  it("times out naming the step and the service it waited for", async () => {
    const clock = { now: 0 };
    const result = await followExperiment({
      source: scripted([], clock),
      experimentId: id,
      now: () => clock.now,
      answerTimeoutMs: 5_000,
      onEvent: () => undefined,
    });
    expect(result.outcome).toEqual({
      kind: "timed-out",
      waitingFor: "waiting for the plan (producer)",
    });
  });

  it("stops at once when interrupted, even while a receive is pending", async () => {
    const interrupt = new AbortController();
    const never = { poll: () => new Promise<AnyCloudEvent[]>(() => undefined) };
    const following = followExperiment({
      source: never,
      experimentId: id,
      now: Date.now,
      signal: interrupt.signal,
      onEvent: () => undefined,
    });
    interrupt.abort();
    expect((await following).outcome).toEqual({ kind: "interrupted" });
  });

  it("passes a failing receive on as an error", async () => {
    const broken = { poll: () => Promise.reject(new Error("queue does not exist")) };
    await expect(
      followExperiment({
        source: broken,
        experimentId: id,
        now: Date.now,
        onEvent: () => undefined,
      }),
    ).rejects.toThrow("queue does not exist");
  });
});
