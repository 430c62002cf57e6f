import { describe, expect, it } from "vitest";
import { EventType, type EventData } from "@macaque/shared";
import { concludeCheck, noteWakeSignals, type Look, type MonitorJob } from "../src/monitor-job.ts";
import { boundRecovery } from "../src/recovery-bounds.ts";
import { at, group, planned, survivors, victims, startedJob } from "./fixtures.ts";
import { observeGroup } from "../src/observe-group.ts";

const recovered = [...survivors, "i-000000a1:InService:Healthy", "i-000000a2:InService:Healthy"];
const booting = [...survivors, "i-000000a1:Pending:Unhealthy", "i-000000a2:Pending:Unhealthy"];

/** A look whose describe was asked at `asked` seconds and answered at `answered`. */
const look = (members: string[], asked: number, answered = asked): Look => ({
  kind: "observed",
  observation: observeGroup(
    group(members),
    { instanceIdsAtPlan: planned, terminated: victims },
    at(answered),
    at(asked),
  ),
});

const start = (recovery: Parameters<typeof startedJob>[0] = {}): MonitorJob =>
  startedJob({ checkIntervalSeconds: 5, deadlineSeconds: 120, ...recovery });

const completedOf = (job: MonitorJob) =>
  job.outbox.find((e) => e.type === EventType.recoveryCompleted)?.data as
    EventData<typeof EventType.recoveryCompleted> | undefined;

describe("the stated precision of the time to recover", () => {
  it("spans the last look that saw the group not recovered to the first that saw it recovered", () => {
    let { job } = concludeCheck(start(), look(booting, 5, 5.1), at(5.1));
    ({ job } = concludeCheck(job, look(recovered, 10, 10.2), at(10.2)));
    const done = completedOf(job);
    expect(done?.timeToRecoverSeconds).toBe(10.2);
    expect(done?.timeToRecoverBounds).toEqual({ lowerSeconds: 5, upperSeconds: 10.2 });
    expect(done?.precisionSeconds).toBe(5.2);
    expect(done?.detectedBy).toBe("check");
  });

  it("widens when a check comes late (the monitor was down): never ± one interval", () => {
    // Checks at 5 s, then nothing until 40 s: the group may have recovered at any moment between.
    let { job } = concludeCheck(start(), look(booting, 5), at(5));
    ({ job } = concludeCheck(job, look(recovered, 40, 40.05), at(40.05)));
    const done = completedOf(job);
    expect(done?.timeToRecoverBounds).toEqual({ lowerSeconds: 5, upperSeconds: 40.05 });
    expect(done?.precisionSeconds).toBeGreaterThan(job.experiment.recovery.checkIntervalSeconds);
    expect(done?.precisionSeconds).toBe(35.05);
  });

  it("keeps a missed check from narrowing it", () => {
    let { job } = concludeCheck(start(), look(booting, 5), at(5));
    ({ job } = concludeCheck(job, { kind: "missed" }, at(10)));
    ({ job } = concludeCheck(job, look(recovered, 15), at(15)));
    expect(completedOf(job)?.timeToRecoverBounds).toEqual({ lowerSeconds: 5, upperSeconds: 15 });
  });

  it("dates the recovery by the launch event when being InService is all it needs", () => {
    let { job } = concludeCheck(start({ requireHealthy: false }), look(booting, 5), at(5));
    job = noteWakeSignals(
      job,
      [
        { kind: "launched", instanceId: "i-000000a1", at: at(7.5).toISOString() },
        { kind: "launched", instanceId: "i-000000a2", at: at(7.8).toISOString() },
      ],
      { everyMs: 200, checks: 3 },
    );
    ({ job } = concludeCheck(job, look(recovered, 7.85, 7.9), at(7.9)));
    const done = completedOf(job);
    expect(done?.timeToRecoverSeconds).toBe(7.8);
    expect(done?.precisionSeconds).toBe(0.1);
    expect(done?.detectedBy).toBe("event");
  });

  it("bounds the recovery by the launch event when health came after it, and states the middle", () => {
    let { job } = concludeCheck(start(), look(booting, 5), at(5));
    job = noteWakeSignals(
      job,
      [
        { kind: "launched", instanceId: "i-000000a1", at: at(7.5).toISOString() },
        { kind: "launched", instanceId: "i-000000a2", at: at(7.8).toISOString() },
      ],
      { everyMs: 200, checks: 3 },
    );
    ({ job } = concludeCheck(job, look(recovered, 7.85, 8), at(8)));
    const done = completedOf(job);
    expect(done?.timeToRecoverBounds).toEqual({ lowerSeconds: 7.8, upperSeconds: 8 });
    expect(done?.timeToRecoverSeconds).toBe(7.9);
    expect(done?.precisionSeconds).toBe(0.1);
    expect(done?.detectedBy).toBe("event");
    expect(done?.timeline.healthyAt).toBe(done?.timeline.recoveredAt);
  });

  it("follows a launch event with quick checks, then returns to the grid", () => {
    let { job } = concludeCheck(start(), look(booting, 5), at(5));
    job = noteWakeSignals(
      job,
      [{ kind: "launched", instanceId: "i-000000a1", at: at(6).toISOString() }],
      { everyMs: 200, checks: 1 },
    );
    const notHealthy = [
      ...survivors,
      "i-000000a1:InService:Unhealthy",
      "i-000000a2:Pending:Unhealthy",
    ];
    ({ job } = concludeCheck(job, look(notHealthy, 6.1), at(6.1)));
    // The next tick of the grid shared by all experiments (multiples of 200 ms).
    expect(job.nextCheckAt).toBe(at(6.2).getTime());
    ({ job } = concludeCheck(job, look(notHealthy, 6.2), at(6.2)));
    expect(job.nextCheckAt).toBe(at(10).getTime());
  });
});

describe("boundRecovery", () => {
  const observed = observeGroup(
    group(recovered),
    { instanceIdsAtPlan: planned, terminated: victims },
    at(9),
  );
  const atLevel = (i: { lifecycleState: string; healthStatus: string }) =>
    i.lifecycleState === "InService" && i.healthStatus === "Healthy";

  it("ignores a launch event of an instance the group did not need", () => {
    // Five at the level for a desired four: the group was whole without the latest one.
    const five = observeGroup(
      group([...recovered, "i-000000a3:InService:Healthy"], 4),
      { instanceIdsAtPlan: planned, terminated: victims },
      at(9),
    );
    const bounds = boundRecovery({
      last: { askedAt: at(5).toISOString(), levelIds: [...planned.slice(2)] },
      confirmed: five,
      desired: 4,
      atLevel,
      inServiceSuffices: true,
      launches: {
        "i-000000a1": at(6).toISOString(),
        "i-000000a2": at(7).toISOString(),
        "i-000000a3": at(8).toISOString(),
      },
    });
    expect(bounds.lowerAt).toBe(at(7).toISOString());
  });

  it("never moves the lower bound before the last sighting", () => {
    const bounds = boundRecovery({
      last: { askedAt: at(8).toISOString(), levelIds: [] },
      confirmed: observed,
      desired: 4,
      atLevel,
      inServiceSuffices: true,
      launches: { "i-000000a1": at(6).toISOString(), "i-000000a2": at(7).toISOString() },
    });
    expect(bounds).toMatchObject({ lowerAt: at(8).toISOString(), detectedBy: "check" });
    expect(bounds.pointAt).toBe(at(9).toISOString());
  });
});
