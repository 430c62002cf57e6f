import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType, experimentIdFor, fanOutRequestId } from "@macaque/shared";
import { scheduleGroupName, scheduleRequestId } from "@macaque/shared/schedule";
import { createSchedulerSimControl } from "@macaque/scheduler-sim";
import { runCli } from "../cli/test/support.ts";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";

/**
 * A selector request, services as processes: the producer finds the groups by
 * their tags (DescribeAutoScalingGroups filters, on the fleet simulator), sends
 * each an ordinary job message, and each is planned or refused on its own. Sent
 * twice, it still terminates each group's victims once.
 */
let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline({ timeScale: 0.01 });
}, 120_000);
afterAll(async () => p?.stop());

describe("a selector request", () => {
  it("runs one experiment per opted-in group it matches, once, however often it is sent", async () => {
    const team = `team-${randomBytes(3).toString("hex")}`;
    const optedIn = { "macaque:enabled": "true", team };
    const [a, b, out] = await Promise.all([
      p.createGroup({ desiredCapacity: 3, maxSize: 6, tags: optedIn }),
      p.createGroup({ desiredCapacity: 3, maxSize: 6, tags: optedIn }),
      p.createGroup({ desiredCapacity: 3, maxSize: 6, tags: { team } }),
    ]);
    const before = await p.sim.counters();
    const requestId = `sel-${team}`;
    const job = {
      selector: { tags: { team } },
      count: 1,
      requestId,
      requestedBy: "alice",
      recovery: { checkIntervalSeconds: 0.25, deadlineSeconds: 60 },
    };
    await Promise.all([p.submit(job), p.submit(job)]);
    const idOf = (asg: string) => experimentIdFor(fanOutRequestId(requestId, asg));

    const planned = await Promise.all(
      [a, b].map((asg) => p.waitForEvent(idOf(asg), EventType.experimentPlanned)),
    );
    for (const event of planned) {
      expect(event.data.experiment).toMatchObject({
        requestedBy: "alice",
        fanOut: { parentRequestId: requestId, selector: { tags: { team } } },
      });
    }
    // The group without the opt-in tag is refused on its own, naming the selector.
    const refused = await p.waitForEvent(idOf(out), EventType.experimentRejected);
    expect(refused.data.reasons.map((r) => r.code)).toContain("not-opted-in");
    expect(refused.data).toMatchObject({ asg: out, selector: { tags: { team } } });

    await Promise.all(
      [a, b].map((asg) => p.waitForEvent(idOf(asg), EventType.recoveryCompleted, 60_000)),
    );
    await p.tap.drain();
    for (const asg of [a, b]) {
      // A replayed order re-publishes the same event (same id); a second termination would not.
      const terminated = p.tap
        .eventsOf(idOf(asg))
        .filter((e) => e.type === EventType.instancesTerminated);
      expect(new Set(terminated.map((e) => e.id)).size).toBe(1);
      expect((await p.sim.timeline(asg)).recoveries).toHaveLength(1);
    }
    const after = await p.sim.counters();
    const terminations = (c: typeof before) => c.calls.TerminateInstances ?? 0;
    expect(terminations(after) - terminations(before)).toBe(2);
  }, 120_000);

  it("is refused, naming its tags, when no group carries them", async () => {
    const tags = { team: `nobody-${randomBytes(3).toString("hex")}` };
    const id = await p.submit({ selector: { tags }, count: 1 });
    const refused = await p.waitForEvent(id, EventType.experimentRejected);
    expect(refused.data.reasons).toEqual([
      expect.objectContaining({ code: "selector-matched-nothing" }),
    ]);
    expect(refused.data.selector).toEqual({ tags });
  });
});

describe("a schedule over a selector (macaque schedule add --tag)", () => {
  it("lists its groups in preview and, fired, plans each as requestedBy schedule:NAME", async () => {
    const team = `sched-${randomBytes(3).toString("hex")}`;
    const tags = { "macaque:enabled": "true", team };
    const groups = (
      await Promise.all([0, 1].map(() => p.createGroup({ desiredCapacity: 3, maxSize: 6, tags })))
    ).sort();
    const name = `s-${team}`;
    const cli = async (...args: string[]) => {
      const run = runCli(args, p.stack.env);
      return { code: await run.exited, out: run.stdout(), err: run.stderr() };
    };
    const added = await cli(
      ...["schedule", "add", name, "--tag", `team=${team}`, "--count", "1", "--dry-run"],
      ...["--cron", "0 10 ? * MON-FRI 2031", "--time-zone", "Europe/Dublin"],
    );
    expect(added).toMatchObject({ code: 0, err: "" });
    expect(added.out).toContain(`matches 2 group(s) now: ${groups.join(", ")}`);
    const preview = await cli("schedule", "preview", name, "--from", "2031-01-06", "--days", "1");
    expect(preview.out).toContain(
      `on every group tagged team=${team} (2 now: ${groups.join(", ")})`,
    );
    expect(preview.out).toContain(`runs on every group tagged team=${team}`);

    // Monday 6 January 2031, 10:00 in Dublin (GMT).
    const slot = "2031-01-06T10:00:00Z";
    await createSchedulerSimControl(p.stack.endpoints.scheduler).fire(
      scheduleGroupName(p.stack.prefix),
      name,
      slot,
    );
    for (const asg of groups) {
      const id = experimentIdFor(fanOutRequestId(scheduleRequestId(name, slot), asg));
      const planned = await p.waitForEvent(id, EventType.experimentPlanned);
      expect(planned.data.experiment).toMatchObject({
        asg,
        dryRun: true,
        requestedBy: `schedule:${name}`,
        fanOut: { selector: { tags: { team } } },
      });
      expect(planned.data.schedule).toMatchObject({ name, slot });
    }
  });
});
