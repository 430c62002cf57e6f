import { describe, expect, it } from "vitest";
import { EventType, type EventData, type TerminationOutcome } from "@macaque/shared";
import {
  concludeCheck,
  startMonitorJob,
  type MonitorJob,
  type RecoveryEvent,
} from "../src/monitor-job.ts";
import { endingOf } from "../src/abandon.ts";
import { at, experiment, observe, survivors } from "./fixtures.ts";

const outcome = (
  instanceId: string,
  result: TerminationOutcome["outcome"],
): TerminationOutcome => ({
  instanceId,
  outcome: result,
  at: at(0).toISOString(),
});

function terminated(
  recovery: Parameters<typeof experiment>[0] = {},
): EventData<typeof EventType.instancesTerminated> {
  return {
    experiment: experiment(recovery),
    terminations: [
      outcome("i-00000001", "terminated"),
      outcome("i-00000002", "terminated"),
      outcome("i-00000003", "skipped"),
    ],
    terminatedAt: at(0).toISOString(),
  };
}

const recoveredGroup = [
  ...survivors,
  "i-000000a1:InService:Healthy",
  "i-000000a2:InService:Healthy",
];
const pendingGroup = [...survivors, "i-000000a1:Pending:Healthy", "i-000000a2:Pending:Healthy"];
const crashedGroup = ["i-00000001:InService:Healthy", "i-00000002:InService:Healthy", ...survivors];

const completed = (job: MonitorJob) => {
  const event = job.outbox.find((e) => e.type === EventType.recoveryCompleted);
  return event?.data as EventData<typeof EventType.recoveryCompleted> | undefined;
};
const types = (events: RecoveryEvent[]) =>
  events.map((e) => (e.type === EventType.recoveryProgressed ? e.data.milestone : "completed"));

describe("startMonitorJob", () => {
  it("keeps only instances that were terminated as victims", () => {
    expect(startMonitorJob(terminated(), at(1)).terminated).toEqual(["i-00000001", "i-00000002"]);
  });

  it("schedules the first check one interval after the termination", () => {
    expect(startMonitorJob(terminated(), at(1)).nextCheckAt).toBe(at(5).getTime());
  });

  it("checks at once when the event arrives later than one interval", () => {
    expect(startMonitorJob(terminated(), at(30)).nextCheckAt).toBe(at(30).getTime());
  });

  it("never schedules the first check after the deadline", () => {
    const job = startMonitorJob(terminated({ deadlineSeconds: 3, checkIntervalSeconds: 5 }), at(1));
    expect(job.nextCheckAt).toBe(at(3).getTime());
  });
});

describe("concludeCheck", () => {
  const fresh = () => startMonitorJob(terminated({ targetSeconds: 30 }), at(0));

  it("reschedules one interval later while the group has not recovered", () => {
    const { job, conclusion } = concludeCheck(
      fresh(),
      { kind: "observed", observation: observe(crashedGroup, at(5)) },
      at(5),
    );
    expect(conclusion).toBeUndefined();
    expect(job.nextCheckAt).toBe(at(10).getTime());
    expect(job.outbox).toEqual([]);
    expect(job.checks).toBe(1);
  });

  it("announces each milestone once, with its elapsed time", () => {
    const first = concludeCheck(
      fresh(),
      { kind: "observed", observation: observe(pendingGroup, at(5)) },
      at(5),
    );
    expect(types(first.job.outbox)).toEqual(["replacement-seen"]);
    const progressed = first.job.outbox[0]!;
    expect(progressed.id).toBe("exp-1/recovery.progressed/replacement-seen");
    expect(progressed.subject).toBe("exp-1");
    expect(progressed.data).toMatchObject({ elapsedSeconds: 5 });
    const second = concludeCheck(
      { ...first.job, outbox: [] },
      { kind: "observed", observation: observe(pendingGroup, at(10)) },
      at(10),
    );
    expect(second.job.outbox).toEqual([]);
  });

  it("completes as recovered with the time of the check that saw it", () => {
    const { job, conclusion } = concludeCheck(
      fresh(),
      { kind: "observed", observation: observe(recoveredGroup, at(20)) },
      at(20),
    );
    expect(conclusion?.outcome).toBe("recovered");
    expect(job.nextCheckAt).toBeNull();
    expect(types(job.outbox)).toEqual([
      "replacement-seen",
      "all-in-service",
      "healthy",
      "completed",
    ]);
    expect(completed(job)).toMatchObject({
      outcome: "recovered",
      verdict: "pass",
      timeToRecoverSeconds: 20,
      checkIntervalSeconds: 5,
      checks: 1,
      terminated: ["i-00000001", "i-00000002"],
      lastObserved: { at: at(20).toISOString(), inServiceHealthy: 4 },
    });
    expect(job.outbox.at(-1)?.id).toBe("exp-1/recovery.completed");
  });

  it("fails the verdict of a recovery slower than the target", () => {
    const { job } = concludeCheck(
      fresh(),
      { kind: "observed", observation: observe(recoveredGroup, at(35)) },
      at(35),
    );
    expect(completed(job)).toMatchObject({ verdict: "fail", timeToRecoverSeconds: 35 });
  });

  it("keeps to whole intervals from the termination when a check ran late", () => {
    const { job } = concludeCheck(
      fresh(),
      { kind: "observed", observation: observe(crashedGroup, at(7.2)) },
      at(7.2),
    );
    expect(job.nextCheckAt).toBe(at(10).getTime());
  });

  it("never schedules a check after the deadline", () => {
    const { job } = concludeCheck(
      fresh(),
      { kind: "observed", observation: observe(crashedGroup, at(58)) },
      at(58),
    );
    expect(job.nextCheckAt).toBe(at(60).getTime());
  });

  it("completes as not-recovered at the deadline, with the last observation", () => {
    const earlier = concludeCheck(
      fresh(),
      { kind: "observed", observation: observe(pendingGroup, at(55)) },
      at(55),
    ).job;
    const { job, conclusion } = concludeCheck(
      { ...earlier, outbox: [] },
      { kind: "observed", observation: observe(pendingGroup, at(60)) },
      at(60),
    );
    expect(conclusion).toMatchObject({ outcome: "not-recovered", elapsedSeconds: 60 });
    expect(completed(job)).toMatchObject({
      outcome: "not-recovered",
      verdict: "fail",
      timeToRecoverSeconds: null,
      checks: 2,
      lastObserved: { at: at(60).toISOString(), pending: 2 },
      timeline: { firstReplacementSeenAt: at(55).toISOString() },
    });
  });

  it("counts a failed describe as a missed check and keeps the last observation", () => {
    const seen = concludeCheck(
      fresh(),
      { kind: "observed", observation: observe(pendingGroup, at(5)) },
      at(5),
    ).job;
    const missed = concludeCheck({ ...seen, outbox: [] }, { kind: "missed" }, at(10));
    expect(missed.job).toMatchObject({ checks: 1, missedChecks: 1, nextCheckAt: at(15).getTime() });
    const atDeadline = concludeCheck({ ...missed.job }, { kind: "missed" }, at(60));
    expect(completed(atDeadline.job)).toMatchObject({
      outcome: "not-recovered",
      lastObserved: { at: at(5).toISOString() },
    });
  });

  it("ends at once as not-recovered when the group no longer exists", () => {
    const { job, conclusion } = concludeCheck(fresh(), { kind: "gone" }, at(5));
    expect(conclusion).toMatchObject({ outcome: "not-recovered", groupGone: true });
    expect(completed(job)).toMatchObject({
      outcome: "not-recovered",
      lastObserved: null,
      checks: 0,
      reason: {
        code: "group-deleted",
        message: "the group web no longer exists: it was deleted 5 s after the termination",
      },
    });
  });

  it("owes a job BullMQ gave up on its decided ending, or abandoned, or nothing once published", () => {
    const open = fresh();
    const abandoned = endingOf(open, "Redis went away (after 40 attempts)", at(30));
    expect(abandoned?.id).toBe(`${open.experiment.id}/recovery.completed`);
    expect(abandoned?.data).toMatchObject({
      outcome: "abandoned",
      verdict: "none",
      timeToRecoverSeconds: null,
      reason: {
        code: "monitor-gave-up",
        message: "the recovery-monitor could not go on: Redis went away (after 40 attempts)",
      },
    });
    const decided = concludeCheck(open, { kind: "gone" }, at(5)).job;
    expect(endingOf(decided, "SNS down", at(30))?.data.outcome).toBe("not-recovered");
    expect(endingOf({ ...decided, outbox: [] }, "SNS down", at(30))).toBeUndefined();
  });

  it("reports a recovery seen by a late check with its measured time", () => {
    const { conclusion } = concludeCheck(
      fresh(),
      { kind: "observed", observation: observe(recoveredGroup, at(90)) },
      at(90),
    );
    expect(conclusion).toMatchObject({ outcome: "recovered", timeToRecoverSeconds: 90 });
  });
});

describe("concludeCheck with stop conditions", () => {
  const breach = {
    alarm: "web-5xx",
    kind: "in-alarm" as const,
    state: "ALARM",
    reason: "5xx > 10",
    firedAt: at(7).toISOString(),
  };

  it("ends the experiment stopped at once, keeping what was measured", () => {
    const start = startMonitorJob(terminated({ targetSeconds: 60 }), at(1));
    const { job, conclusion } = concludeCheck(
      start,
      { kind: "observed", observation: observe(pendingGroup) },
      at(10),
      [breach],
    );
    expect(conclusion?.outcome).toBe("stopped");
    expect(job.nextCheckAt).toBeNull();
    expect(completed(job)).toMatchObject({
      outcome: "stopped",
      verdict: "fail",
      timeToRecoverSeconds: null,
      stoppedBy: [breach],
      checks: 1,
    });
    expect(completed(job)?.timeline.firstReplacementSeenAt).toBe(at(10).toISOString());
    expect(types(job.outbox)).toEqual(["replacement-seen", "completed"]);
  });

  it("stops even at the check that saw the group recover, the recovery still in the timeline", () => {
    const start = startMonitorJob(terminated(), at(1));
    const { job } = concludeCheck(
      start,
      { kind: "observed", observation: observe(recoveredGroup) },
      at(10),
      [breach],
    );
    expect(completed(job)?.outcome).toBe("stopped");
    expect(completed(job)?.timeline.recoveredAt).toBe(at(10).toISOString());
  });

  it("stops at a missed check too: the alarm is read even when the group is not", () => {
    const start = startMonitorJob(terminated(), at(1));
    const { job } = concludeCheck(start, { kind: "missed" }, at(10), [breach]);
    expect(completed(job)).toMatchObject({ outcome: "stopped", checks: 0, lastObserved: null });
  });

  it("goes on without breaches", () => {
    const start = startMonitorJob(terminated(), at(1));
    const { job, conclusion } = concludeCheck(
      start,
      { kind: "observed", observation: observe(pendingGroup) },
      at(10),
      [],
    );
    expect(conclusion).toBeUndefined();
    expect(job.nextCheckAt).not.toBeNull();
    expect(job.stoppedBy).toBeUndefined();
  });
});

describe("concludeCheck with an abort", () => {
  const abort = {
    experimentId: "exp-0123456789abcdef",
    by: "arn:aws:iam::000000000000:user/ops",
    at: at(7).toISOString(),
    reason: "customer traffic peak",
  };

  it("ends the experiment at this check as aborted, with what was measured so far and who aborted", () => {
    const job = startMonitorJob(terminated({ targetSeconds: 60 }), at(1));
    const decision = concludeCheck(
      job,
      { kind: "observed", observation: observe(pendingGroup, at(10)) },
      at(10),
      [],
      abort,
    );
    expect(decision.job.nextCheckAt).toBeNull();
    expect(decision.job.abort).toEqual(abort);
    expect(types(decision.job.outbox)).toEqual(["replacement-seen", "completed"]);
    expect(completed(decision.job)).toMatchObject({
      outcome: "aborted",
      verdict: "none",
      timeToRecoverSeconds: null,
      abort,
      checks: 1,
      timeline: { firstReplacementSeenAt: at(10).toISOString() },
      lastObserved: { pending: 2 },
    });
  });

  it("ends an aborted experiment even at a missed check", () => {
    const job = startMonitorJob(terminated(), at(1));
    const decision = concludeCheck(job, { kind: "missed" }, at(10), [], abort);
    expect(completed(decision.job)).toMatchObject({ outcome: "aborted", lastObserved: null });
  });

  it("reports a group found recovered at the same check as recovered, not aborted", () => {
    const job = startMonitorJob(terminated(), at(1));
    const decision = concludeCheck(
      job,
      { kind: "observed", observation: observe(recoveredGroup, at(10)) },
      at(10),
      [],
      abort,
    );
    expect(completed(decision.job)?.outcome).toBe("recovered");
    expect(completed(decision.job)?.abort).toBeUndefined();
  });
});
