import { describe, expect, it } from "vitest";
import { parseEvent, type TerminationOutcome } from "@macaque/shared";
import { buildResultEvent, orderOutcomes, summarizeFailure } from "../src/result-event.ts";
import { experimentContext } from "../../../test/support/experiment.ts";

// Planned before the terminate calls the outcomes below report.
const experiment = experimentContext({ plannedAt: "2025-01-01T00:00:00.000Z" });

const a = "i-00000000000000001";
const b = "i-00000000000000002";
const now = new Date("2025-01-01T00:01:00.000Z");

const terminated = (instanceId: string, at: string): TerminationOutcome => ({
  instanceId,
  outcome: "terminated",
  at,
});
const skipped = (instanceId: string, reason: string): TerminationOutcome => ({
  instanceId,
  outcome: "skipped",
  reason,
  at: now.toISOString(),
});

describe("buildResultEvent", () => {
  it("reports instances.terminated from the first successful terminate call", () => {
    const event = buildResultEvent({
      experiment,
      outcomes: [
        terminated(b, "2025-01-01T00:00:30.000Z"),
        terminated(a, "2025-01-01T00:00:10.000Z"),
      ],
      now,
    });
    expect(event.type).toBe("macaque.instances.terminated");
    expect(event.subject).toBe("exp-1");
    expect(event.source).toBe("urn:macaque:terminator");
    expect(event.data).toMatchObject({ terminatedAt: "2025-01-01T00:00:10.000Z" });
  });

  it("reports instances.terminated when some victims were skipped", () => {
    const event = buildResultEvent({
      experiment,
      outcomes: [terminated(a, now.toISOString()), skipped(b, `not terminating ${b}: gone`)],
      now,
    });
    expect(event.type).toBe("macaque.instances.terminated");
    expect(event.data.terminations).toHaveLength(2);
  });

  it("reports termination.failed with every reason when nothing was terminated", () => {
    const event = buildResultEvent({
      experiment,
      outcomes: [skipped(a, `not terminating ${a}: it is not in group web`)],
      now,
    });
    expect(event.type).toBe("macaque.termination.failed");
    expect(event.data).toMatchObject({
      reason: `terminated none of 1 victim: not terminating ${a}: it is not in group web`,
    });
  });

  it("builds events the shared schema accepts", () => {
    for (const outcomes of [[terminated(a, now.toISOString())], [skipped(a, "x")], []]) {
      const event = buildResultEvent({ experiment, outcomes, now, id: "fixed" });
      expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
      expect(event.id).toBe("fixed");
    }
  });
});

describe("summarizeFailure", () => {
  it("says when the order named no victims", () => {
    expect(summarizeFailure([])).toBe("terminated nothing: the order named no victims");
  });

  it("joins the reasons of several victims", () => {
    expect(summarizeFailure([skipped(a, "r1"), skipped(b, "r2")])).toBe(
      "terminated none of 2 victims: r1; r2",
    );
  });
});

describe("orderOutcomes", () => {
  it("puts outcomes in the order the victims were named", () => {
    const ordered = orderOutcomes([a, b], [skipped(b, "x"), terminated(a, now.toISOString())]);
    expect(ordered.map((o) => o.instanceId)).toEqual([a, b]);
  });
});
