import { AutoScalingClient, SetDesiredCapacityCommand } from "@aws-sdk/client-auto-scaling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "@macaque/shared";
import { readInbox } from "@macaque/sandbox";
import { sandboxClient } from "./support/aws.ts";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";

/**
 * The six steps end to end: job message → producer → terminator → recovery-monitor
 * → notifier, every service its own process, AWS played by the sandbox stand-ins.
 */
let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline({ timeScale: 0.01 });
}, 120_000);
afterAll(async () => {
  await p?.stop();
});

const fast = { checkIntervalSeconds: 0.25, deadlineSeconds: 30 };

async function expectNothingTerminated(asg: string) {
  const group = await p.sim.group(asg);
  expect(group.instances.every((i) => i.ec2State === "running")).toBe(true);
  expect((await p.sim.timeline(asg)).recoveries).toEqual([]);
}

describe.each(["ec2", "asg"] as const)("an experiment in %s mode", (mode) => {
  it("terminates 2 of 4, measures the recovery against the simulator's ground truth, emails and publishes the report", async () => {
    const asg = await p.createGroup({ desiredCapacity: 4, minSize: 2, maxSize: 8 });
    const id = await p.submit({
      asg,
      count: 2,
      mode,
      recovery: { ...fast, targetSeconds: 20 },
      notify: { emails: ["oncall@example.com"] },
    });

    const planned = await p.waitForEvent(id, EventType.experimentPlanned);
    const victims = planned.data.experiment.victims.map((v) => v.instanceId);
    expect(victims).toHaveLength(2);
    const terminated = await p.waitForEvent(id, EventType.instancesTerminated);
    expect(terminated.data.terminations.map((t) => [t.instanceId, t.outcome]).sort()).toEqual(
      victims.map((v) => [v, "terminated"]).sort(),
    );

    const completed = await p.waitForEvent(id, EventType.recoveryCompleted);
    expect(completed.data.outcome).toBe("recovered");
    expect(completed.data.verdict).toBe("pass");
    const [truth, ...more] = (await p.sim.timeline(asg)).recoveries;
    expect(more).toEqual([]);
    expect(truth!.lostInstanceIds.sort()).toEqual([...victims].sort());
    // The monitor can only see the recovery at its next check: its figure may be
    // late by up to one interval (plus message transit), never early.
    const measuredMs = completed.data.timeToRecoverSeconds! * 1000;
    expect(measuredMs).toBeGreaterThanOrEqual(truth!.durationMs! - 150);
    expect(measuredMs).toBeLessThanOrEqual(
      truth!.durationMs! + fast.checkIntervalSeconds * 1000 + 750,
    );
    expect(completed.data.checkIntervalSeconds).toBe(fast.checkIntervalSeconds);

    const group = await p.sim.group(asg);
    for (const victim of victims) {
      expect(group.instances.find((i) => i.instanceId === victim)).toBeUndefined();
    }
    expect(group.desiredCapacity).toBe(4);

    const sent = await p.waitForEvent(id, EventType.reportSent);
    expect(sent.data.reportKind).toBe("recovery");
    expect(sent.data.recipients).toContain("oncall@example.com");
    const email = (await readInbox(p.stack.endpoints.inbox)).find(
      (e) => e.subject === sent.data.subject,
    );
    expect(email?.to).toContain("oncall@example.com");
    expect(email?.subject).toContain(asg);
    expect(email?.text).toContain(victims[0]);
    // The stated precision is what the monitor saw, not the interval (here a launch event).
    const { precisionSeconds } = completed.data;
    expect(precisionSeconds).toBeDefined();
    // It covers the true error (give or take the few ms between the simulator's
    // disruption and the terminator's stamp of its call).
    expect(Math.abs(measuredMs - truth!.durationMs!)).toBeLessThanOrEqual(
      precisionSeconds! * 1000 + 50,
    );
    expect(email?.text).toMatch(/Time to recover\s+[\d.]+ s ± [\d.]+ s \(true time between /);
    expect(email?.html).toContain(victims[1]);
    const summary = await p.reports.waitForSummary(
      `the summary "${sent.data.subject}"`,
      (s) => s.subject === sent.data.subject,
    );
    expect(summary.message).toContain(asg);
  });
});

describe("a dry run", () => {
  it("plans and reports the victims it would choose, and terminates nothing", async () => {
    const asg = await p.createGroup({ desiredCapacity: 4, minSize: 2, maxSize: 8 });
    const id = await p.submit({ asg, count: 2, dryRun: true, seed: "replay-me", recovery: fast });
    const planned = await p.waitForEvent(id, EventType.experimentPlanned);
    expect(planned.data.experiment.dryRun).toBe(true);
    expect(planned.data.experiment.seed).toBe("replay-me");
    const sent = await p.waitForEvent(id, EventType.reportSent);
    expect(sent.data.reportKind).toBe("dry-run");
    expect(p.eventsOf(id).map((e) => e.type)).not.toContain(EventType.instancesTerminated);
    await expectNothingTerminated(asg);
  });
});

describe("refusals: reported with their reason, nothing terminated", () => {
  const refusal = async (id: string) => {
    const rejected = await p.waitForEvent(id, EventType.experimentRejected);
    const sent = await p.waitForEvent(id, EventType.reportSent);
    expect(sent.data.reportKind).toBe("rejection");
    expect(p.eventsOf(id).map((e) => e.type)).not.toContain(EventType.instancesTerminated);
    return rejected.data.reasons.map((r) => r.message).join("\n");
  };

  it("refuses a group that is not opted in", async () => {
    const asg = await p.createGroup({ desiredCapacity: 3, tags: { app: "batch" } });
    expect(await refusal(await p.submit({ asg, count: 1, recovery: fast }))).toMatch(
      /macaque:enabled/,
    );
    await expectNothingTerminated(asg);
  });

  it("refuses an unknown group", async () => {
    expect(await refusal(await p.submit({ asg: "no-such-group", count: 1 }))).toMatch(
      /no-such-group/,
    );
  });

  it("refuses a group whose Launch process is suspended", async () => {
    const asg = await p.createGroup({ desiredCapacity: 3, suspendedProcesses: ["Launch"] });
    expect(await refusal(await p.submit({ asg, count: 1, recovery: fast }))).toMatch(/Launch/);
    await expectNothingTerminated(asg);
  });

  it("refuses a group that is not steady (an instance is still Pending)", async () => {
    const asg = await p.createGroup({ desiredCapacity: 3, maxSize: 6, bootSeconds: 6_000 });
    const autoScaling = sandboxClient(AutoScalingClient, p.stack.endpoints.autoScaling);
    await autoScaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: asg, DesiredCapacity: 4 }),
    );
    autoScaling.destroy();
    expect(await refusal(await p.submit({ asg, count: 1, recovery: fast }))).toMatch(
      /Pending|steady/i,
    );
  });

  it("refuses a count above the limits", async () => {
    const asg = await p.createGroup({ desiredCapacity: 4 });
    expect(await refusal(await p.submit({ asg, count: 4, recovery: fast }))).toMatch(
      /limit|at most|allows/i,
    );
    await expectNothingTerminated(asg);
  });

  it("refuses a second experiment on a group that has one in flight, naming it", async () => {
    const asg = await p.createGroup({ desiredCapacity: 4, maxSize: 8 });
    await p.sim.setFaults(asg, { neverHealthy: true });
    const first = await p.submit({
      asg,
      count: 1,
      recovery: { checkIntervalSeconds: 0.5, deadlineSeconds: 8 },
    });
    await p.waitForEvent(first, EventType.instancesTerminated);
    const second = await p.submit({ asg, count: 1, recovery: fast });
    expect(await refusal(second)).toContain(first);
  });

  it("reports malformed JSON", async () => {
    expect(await refusal(await p.submit("{not json"))).toMatch(/not valid JSON/);
  });

  it("reports every schema violation", async () => {
    const reasons = await refusal(
      await p.submit(
        JSON.stringify({ asg: "web", count: 0, mode: "nuke", requestId: "bad-schema-1" }),
      ),
    );
    expect(reasons).toMatch(/count: must be at least 1/);
    expect(reasons).toMatch(/mode: must be ec2 or asg/);
  });
});

describe("a group that never recovers", () => {
  it("ends not-recovered at the deadline and the report says what was last seen", async () => {
    const asg = await p.createGroup({ desiredCapacity: 3, maxSize: 6 });
    await p.sim.setFaults(asg, { neverHealthy: true });
    const id = await p.submit({
      asg,
      count: 1,
      recovery: { checkIntervalSeconds: 0.25, deadlineSeconds: 3, targetSeconds: 2 },
      notify: { emails: ["oncall@example.com"] },
    });
    const completed = await p.waitForEvent(id, EventType.recoveryCompleted);
    expect(completed.data.outcome).toBe("not-recovered");
    expect(completed.data.verdict).toBe("fail");
    expect(completed.data.timeToRecoverSeconds).toBeNull();
    expect(completed.data.lastObserved?.inServiceHealthy).toBe(2);
    const sent = await p.waitForEvent(id, EventType.reportSent);
    const email = (await readInbox(p.stack.endpoints.inbox)).find(
      (e) => e.subject === sent.data.subject,
    );
    expect(email?.text).toMatch(/last/i);
  });
});

describe("the same job message delivered twice", () => {
  it("terminates once and emails once", async () => {
    const asg = await p.createGroup({ desiredCapacity: 4, maxSize: 8 });
    const job = {
      asg,
      count: 1,
      requestId: `dup-${asg}`,
      recovery: fast,
      notify: { emails: ["dup@example.com"] },
    };
    const { terminator } = p.services;
    const terminateCallsBefore = await terminateCalls();
    const id = await p.submit(job);
    expect(await p.submit(job)).toBe(id);

    // The producer sends an order for each copy. Nothing is counted until the
    // terminator has handled both: the second must republish the first's result.
    const published = await terminator.waitForLog("result.published", id, {
      count: 2,
      timeoutMs: 30_000,
    });
    expect(await terminateCalls()).toBe(terminateCallsBefore + 1);
    expect(new Set(published.map((l) => l.eventId)).size).toBe(1);
    expect(terminator.logged("order.redelivered", id)).toHaveLength(1);
    expect((await p.sim.timeline(asg)).recoveries).toHaveLength(1);
    const delivered = await p.tap.waitForEvents(id, EventType.instancesTerminated, 2);
    expect(new Set(delivered.map((e) => e.id)).size).toBe(1);

    // The monitor ignores the second announcement, so one recovery is reported once.
    await p.services["recovery-monitor"].waitForLog("recovery.duplicate", id);
    await p.waitForEvent(id, EventType.recoveryCompleted);
    const sent = await p.waitForEvent(id, EventType.reportSent);
    expect(p.tap.typesOf(id).filter((t) => t === EventType.recoveryCompleted)).toHaveLength(1);
    const emails = (await readInbox(p.stack.endpoints.inbox)).filter(
      (e) => e.subject === sent.data.subject,
    );
    expect(emails).toHaveLength(1);
  });
});

/** Terminate calls the simulator has answered, in either mode. */
async function terminateCalls(): Promise<number> {
  const { calls } = await p.sim.counters();
  return (calls.TerminateInstances ?? 0) + (calls.TerminateInstanceInAutoScalingGroup ?? 0);
}
