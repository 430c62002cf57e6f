import { describe, expect, it } from "vitest";
import { buildTimelineChart } from "../src/timeline.ts";
import { at } from "./fixtures.ts";

describe("buildTimelineChart", () => {
  it("sizes each phase's bar in proportion to its duration", () => {
    const chart = buildTimelineChart({
      terminatedAt: at(0),
      firstReplacementSeenAt: at(10),
      allInServiceAt: at(30),
      healthyAt: at(90),
      recoveredAt: at(100),
    });
    expect(chart.totalSeconds).toBe(100);
    expect(chart.phases.map((p) => [p.style, p.startPercent, p.widthPercent])).toEqual([
      ["launch", 0, 10],
      ["boot", 10, 20],
      ["health", 30, 60],
      ["settle", 90, 10],
    ]);
  });

  it.each([
    [7, 13, 29, 31],
    [1, 2, 3, 400],
    [0.4, 0.9, 1.3, 1.3],
    [120, 121, 800, 801],
  ])(
    "keeps widths within a point of the exact share (milestones at %s, %s, %s, %s s)",
    (a, b, c, d) => {
      const chart = buildTimelineChart({
        terminatedAt: at(0),
        firstReplacementSeenAt: at(a),
        allInServiceAt: at(b),
        healthyAt: at(c),
        recoveredAt: at(d),
      });
      let end = 0;
      for (const phase of chart.phases) {
        const exact = ((phase.endSeconds - phase.startSeconds) / chart.totalSeconds) * 100;
        expect(Math.abs(phase.widthPercent - exact)).toBeLessThanOrEqual(1);
        expect(phase.startPercent).toBeGreaterThanOrEqual(end - 1);
        end = phase.startPercent + phase.widthPercent;
        expect(end).toBeLessThanOrEqual(100);
      }
    },
  );

  it("drops the phase until victims are gone when it took no time", () => {
    const chart = buildTimelineChart({
      terminatedAt: at(0),
      firstReplacementSeenAt: at(5),
      allInServiceAt: at(20),
      healthyAt: at(30),
      recoveredAt: at(30),
    });
    expect(chart.phases.map((p) => p.style)).toEqual(["launch", "boot", "health"]);
    expect(chart.milestones.at(-1)).toMatchObject({ label: "recovered", offsetSeconds: 30 });
  });

  it("keeps a phase that took any time visible", () => {
    const chart = buildTimelineChart({
      terminatedAt: at(0),
      firstReplacementSeenAt: at(0.1),
      allInServiceAt: at(100),
      healthyAt: at(100),
      recoveredAt: at(100),
    });
    expect(chart.phases[0]!.widthPercent).toBe(1);
    expect(chart.phases[2]!.widthPercent).toBe(0);
  });

  it("draws a recovery that never finished up to the last observation, its open phase grey", () => {
    const chart = buildTimelineChart(
      { terminatedAt: at(0), firstReplacementSeenAt: at(20), allInServiceAt: at(60) },
      at(300),
    );
    expect(chart.totalSeconds).toBe(300);
    const open = chart.phases.at(-1)!;
    expect(open).toMatchObject({
      style: "missing",
      reached: false,
      startSeconds: 60,
      endSeconds: 300,
    });
    expect(open.startPercent + open.widthPercent).toBe(100);
    expect(chart.milestones.map((m) => [m.label, m.offsetSeconds])).toEqual([
      ["terminated", 0],
      ["first replacement seen", 20],
      ["all InService", 60],
      ["all healthy", undefined],
      ["recovered", undefined],
    ]);
  });

  it("folds a milestone the monitor never saw into the next phase", () => {
    const chart = buildTimelineChart({
      terminatedAt: at(0),
      allInServiceAt: at(30),
      healthyAt: at(40),
      recoveredAt: at(40),
    });
    expect(chart.phases[0]).toMatchObject({
      label: "until a replacement is seen, replacements booting",
      startSeconds: 0,
      endSeconds: 30,
    });
  });

  it("has nothing to draw when no replacement was ever seen and nothing was observed", () => {
    const chart = buildTimelineChart({ terminatedAt: at(0) });
    expect(chart.totalSeconds).toBe(0);
    expect(chart.phases).toHaveLength(1);
    expect(chart.phases[0]).toMatchObject({ reached: false, widthPercent: 0 });
  });

  it("draws a row per target group under the serving phase when there are two or more", () => {
    const arnA = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-a/1111";
    const arnB = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-b/2222";
    const timeline = {
      terminatedAt: at(0),
      firstReplacementSeenAt: at(10),
      allInServiceAt: at(30),
      healthyAt: at(40),
      servingAt: at(100),
      targetGroupsServingAt: { [arnA]: at(60), [arnB]: at(100) },
      recoveredAt: at(100),
    };
    const chart = buildTimelineChart(timeline, undefined, {
      serving: true,
      targetGroupArns: [arnA, arnB],
    });
    expect(chart.phases.map((p) => [p.label, p.startSeconds, p.endSeconds, p.reached])).toEqual([
      ["until a replacement is seen", 0, 10, true],
      ["replacements booting", 10, 30, true],
      ["health checks", 30, 40, true],
      ["until serving", 40, 100, true],
      ["until serving in web-a", 40, 60, true],
      ["until serving in web-b", 40, 100, true],
    ]);
    // One target group's row would only repeat the group's.
    const one = buildTimelineChart(timeline, undefined, { serving: true, targetGroupArns: [arnA] });
    expect(one.phases.map((p) => p.label)).not.toContain("until serving in web-a");
  });
});
