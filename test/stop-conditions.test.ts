import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { EventType } from "@macaque/shared";
import type { AlarmView } from "@macaque/fleet-sim";
import { readInbox } from "@macaque/sandbox";
import { startTestService } from "./support/processes.ts";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";

/**
 * Stop conditions end to end, every service its own process: CloudWatch alarms
 * (the fleet simulator's, fired through its control API) refuse a request at the
 * producer, an order at the terminator, and stop an experiment mid-recovery at
 * the monitor. Tests run in order (one file, one pipeline): the operator's alarm
 * (STOP_ALARMS) applies to every experiment, so only one test fires it.
 */
const operatorAlarm = `stop-all-${randomBytes(3).toString("hex")}`;
let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline({
    timeScale: 0.01,
    // Two attempts: an unreadable alarm fails after one retry, not the default back-off.
    services: { env: { STOP_ALARMS: operatorAlarm, AWS_MAX_ATTEMPTS: "2" } },
  });
  await p.sim.createAlarm({ name: operatorAlarm });
}, 120_000);
afterAll(async () => {
  await p?.stop();
});

const fast = { checkIntervalSeconds: 0.25, deadlineSeconds: 30 };
const unique = (label: string) => `${label}-${randomBytes(3).toString("hex")}`;

/** Terminate calls the simulator has answered, in either mode. */
async function terminateCalls(): Promise<number> {
  const { calls } = await p.sim.counters();
  return (calls.TerminateInstances ?? 0) + (calls.TerminateInstanceInAutoScalingGroup ?? 0);
}

async function expectNothingTerminated(asg: string) {
  const group = await p.sim.group(asg);
  expect(group.instances.every((i) => i.ec2State === "running")).toBe(true);
  expect((await p.sim.timeline(asg)).recoveries).toEqual([]);
}

/** How macaque reports an alarm the simulator fired. */
const breachOf = (fired: AlarmView) => ({
  alarm: fired.name,
  kind: "in-alarm",
  state: "ALARM",
  reason: fired.reason,
  firedAt: fired.stateUpdatedAt,
});

async function firedAlarm(label: string, reason = "Threshold Crossed: 5xx rate 12% > 5%") {
  const name = unique(label);
  await p.sim.createAlarm({ name });
  return p.sim.setAlarmState(name, { state: "ALARM", reason });
}

describe("stop conditions at the producer", () => {
  it("refuses a job while an alarm it names is in ALARM, naming the alarm, its state and reason", async () => {
    const asg = await p.createGroup({ desiredCapacity: 4 });
    const alarm = await firedAlarm("web-5xx");
    const before = await terminateCalls();
    const id = await p.submit({ asg, count: 1, stopConditions: { alarms: [alarm.name] } });

    const rejected = await p.waitForEvent(id, EventType.experimentRejected);
    expect(rejected.data.stage).toBe("guardrail");
    expect(rejected.data.reasons).toEqual([
      {
        code: "stop-condition-in-alarm",
        path: "stopConditions.alarms.0",
        message: `not planning: alarm "${alarm.name}" is in ALARM since ${alarm.stateUpdatedAt}: ${alarm.reason} (named in stopConditions.alarms.0)`,
      },
    ]);
    expect(await terminateCalls()).toBe(before);
    await expectNothingTerminated(asg);
  });

  it("rejects a job naming an alarm that does not exist, with its own reason", async () => {
    const asg = await p.createGroup({ desiredCapacity: 4 });
    const missing = unique("no-such-alarm");
    const id = await p.submit({ asg, count: 1, stopConditions: { alarms: [missing] } });

    const rejected = await p.waitForEvent(id, EventType.experimentRejected);
    expect(rejected.data.reasons.map((r) => r.code)).toEqual(["stop-condition-not-found"]);
    expect(rejected.data.reasons[0]!.message).toContain(`alarm "${missing}" does not exist`);
    await expectNothingTerminated(asg);
  });

  it("applies STOP_ALARMS to a job that names no alarm", async () => {
    const asg = await p.createGroup({ desiredCapacity: 4 });
    await p.sim.setAlarmState(operatorAlarm, { state: "ALARM", reason: "p99 latency > 2 s" });
    try {
      const id = await p.submit({ asg, count: 1 });
      const rejected = await p.waitForEvent(id, EventType.experimentRejected);
      expect(rejected.data.reasons).toHaveLength(1);
      expect(rejected.data.reasons[0]).toMatchObject({ code: "stop-condition-in-alarm" });
      expect(rejected.data.reasons[0]!.message).toContain(`alarm "${operatorAlarm}" is in ALARM`);
      expect(rejected.data.reasons[0]!.message).toContain("named in STOP_ALARMS");
      await expectNothingTerminated(asg);
    } finally {
      await p.sim.setAlarmState(operatorAlarm, { state: "OK", reason: "back to normal" });
    }
  });

  it("treats an alarm that cannot be read as in ALARM (fail closed) and says so", async () => {
    const asg = await p.createGroup({ desiredCapacity: 4 });
    const name = unique("unreadable");
    await p.sim.createAlarm({ name });
    await p.sim.setAlarmFaults(name, { unreadable: true });
    const id = await p.submit({ asg, count: 1, stopConditions: { alarms: [name] } });

    const rejected = await p.waitForEvent(id, EventType.experimentRejected);
    const codes = rejected.data.reasons.map((r) => r.code);
    // One read names every alarm of the experiment: the operator's fails with it.
    expect(new Set(codes)).toEqual(new Set(["stop-condition-in-alarm"]));
    const mine = rejected.data.reasons.find((r) => r.message.includes(`"${name}"`));
    expect(mine?.message).toMatch(
      /could not be read \(Throttling: .*\); an alarm that cannot be read counts as in ALARM/,
    );
    await expectNothingTerminated(asg);
  });
});

describe("stop conditions at the terminator", () => {
  it("refuses the order when the alarm goes into ALARM between planning and termination", async () => {
    // The terminator is stopped, so the order waits on its queue while the alarm fires.
    const exit = await p.services.terminator.stop();
    expect(exit).not.toBeNull();
    const asg = await p.createGroup({ desiredCapacity: 4 });
    const name = unique("checkout-errors");
    await p.sim.createAlarm({ name });
    const before = await terminateCalls();
    const id = await p.submit({ asg, count: 2, stopConditions: { alarms: [name] } });
    const planned = await p.waitForEvent(id, EventType.experimentPlanned);
    expect(planned.data.experiment.stopConditions?.alarms).toEqual([name, operatorAlarm]);

    const fired = await p.sim.setAlarmState(name, { state: "ALARM", reason: "errors > 1%" });
    const terminator = await startTestService(p.stack, "terminator", {
      env: { STOP_ALARMS: operatorAlarm, AWS_MAX_ATTEMPTS: "2" },
    });
    p.stack.adopt(terminator.process);

    const failed = await p.waitForEvent(id, EventType.terminationFailed);
    expect(failed.data.code).toBe("stop-condition-in-alarm");
    expect(failed.data.alarms).toEqual([breachOf(fired)]);
    expect(failed.data.reason).toContain(`alarm "${name}" is in ALARM`);
    expect(failed.data.terminations.map((t) => t.outcome)).toEqual(["skipped", "skipped"]);
    expect(await terminateCalls()).toBe(before);
    await expectNothingTerminated(asg);
  });
});

describe("stop conditions at the monitor", () => {
  it("ends the experiment stopped when an alarm fires mid-recovery; the report names it", async () => {
    // A 10-minute boot (6 s at this time scale): the recovery is still under way when the alarm fires.
    const asg = await p.createGroup({ desiredCapacity: 4, bootSeconds: 600 });
    const name = unique("latency-p99");
    await p.sim.createAlarm({ name });
    const id = await p.submit({
      asg,
      count: 1,
      recovery: fast,
      stopConditions: { alarms: [name] },
      notify: { emails: ["oncall@example.com"] },
    });
    await p.waitForEvent(id, EventType.recoveryProgressed);
    const fired = await p.sim.setAlarmState(name, {
      state: "ALARM",
      reason: "Threshold Crossed: p99 latency 2.4 s > 1 s",
    });

    const completed = await p.waitForEvent(id, EventType.recoveryCompleted);
    expect(completed.data.outcome).toBe("stopped");
    expect(completed.data.stoppedBy).toEqual([breachOf(fired)]);
    expect(fired.reason).toBe("Threshold Crossed: p99 latency 2.4 s > 1 s");
    expect(completed.data.timeline.recoveredAt).toBeUndefined();
    expect(completed.data.lastObserved?.replacements.length).toBe(1);
    // Stopped at the first check after the alarm fired, not at the deadline.
    const stoppedAfterMs = Date.parse(completed.time) - Date.parse(fired.stateUpdatedAt);
    expect(stoppedAfterMs).toBeLessThan(fast.checkIntervalSeconds * 1000 + 2_000);

    const sent = await p.waitForEvent(id, EventType.reportSent);
    expect(sent.data.subject).toContain(`STOPPED by alarm ${name}`);
    const email = (await readInbox(p.stack.endpoints.inbox)).find(
      (e) => e.subject === sent.data.subject,
    );
    expect(email?.text).toContain(name);
    expect(email?.text).toContain("p99 latency 2.4 s > 1 s");
    const summary = await p.reports.waitForSummary(`the summary "${sent.data.subject}"`, (s) =>
      s.message.includes(id),
    );
    expect(summary.message).toContain(
      `Stopped: alarm "${name}" is in ALARM since ${fired.stateUpdatedAt}`,
    );
  });
});
