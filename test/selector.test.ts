import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType, experimentIdFor, fanOutRequestId } from "@macaque/shared";
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
