import { describe, expect, it } from "vitest";
import { buildReport, renderReport } from "../src/render-report.ts";
import { buildTimelineChart } from "../src/timeline.ts";
import {
  at,
  experiment,
  notRecoveredData,
  recoveryCompletedData,
  recoveryEvent,
} from "./fixtures.ts";

const arn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-tg/0001";
const behindTargetGroup = experiment({ targetGroupArns: [arn] });

function render(data: Parameters<typeof recoveryEvent>[0]) {
  const report = buildReport(recoveryEvent(data));
  if (!report) throw new Error("expected a report");
  return renderReport(report);
}

describe("the serving phase in the timeline", () => {
  it("draws the phase from healthy to serving", () => {
    const chart = buildTimelineChart(
      {
        terminatedAt: at(0),
        firstReplacementSeenAt: at(10),
        allInServiceAt: at(30),
        healthyAt: at(40),
        servingAt: at(70),
        recoveredAt: at(70),
      },
      undefined,
      { serving: true },
    );
    expect(chart.phases.map((p) => [p.label, p.startSeconds, p.endSeconds])).toEqual([
      ["until a replacement is seen", 0, 10],
      ["replacements booting", 10, 30],
      ["health checks", 30, 40],
      ["until serving", 40, 70],
    ]);
    expect(chart.milestones.map((m) => m.label)).toContain("all serving");
  });

  it("shows serving as not reached when the targets never served", () => {
    const chart = buildTimelineChart(
      {
        terminatedAt: at(0),
        firstReplacementSeenAt: at(10),
        allInServiceAt: at(30),
        healthyAt: at(40),
      },
      at(300),
      { serving: true },
    );
    expect(chart.phases.at(-1)).toMatchObject({
      label: "until serving (not reached)",
      startSeconds: 40,
      endSeconds: 300,
      reached: false,
    });
  });

  it("has no serving phase for a group without target groups", () => {
    const chart = buildTimelineChart({
      terminatedAt: at(0),
      healthyAt: at(40),
      recoveredAt: at(40),
    });
    expect(chart.phases.map((p) => p.label).join()).not.toMatch(/serving/);
    expect(chart.milestones.map((m) => m.label)).not.toContain("all serving");
  });
});

describe("target health in the recovery report", () => {
  const unhealthy = {
    arn,
    name: "web-tg",
    targets: [
      { id: "i-0000000b", port: 80, state: "healthy" },
      {
        id: "i-0000001e",
        port: 80,
        state: "unhealthy",
        reason: "Target.FailedHealthChecks",
        description: "Health checks failed",
      },
    ],
  };

  it("names the last target states, with ELB's reason, when not recovered", () => {
    const rendered = render({
      ...notRecoveredData(),
      experiment: behindTargetGroup,
      timeline: { terminatedAt: at(0), allInServiceAt: at(30), healthyAt: at(40) },
      targetGroups: [unhealthy],
    });
    expect(rendered.text).toContain("Target health at the last check");
    expect(rendered.text).toMatch(
      /web-tg\s+i-0000001e:80\s+unhealthy\s+Target\.FailedHealthChecks/,
    );
    expect(rendered.text).toContain("until serving (not reached)");
    expect(rendered.html).toContain("Target.FailedHealthChecks");
    expect(rendered.html).toContain("Health checks failed");
    expect(rendered.summary).toContain(
      "Target group web-tg: 1 of 2 healthy; i-0000001e unhealthy (Target.FailedHealthChecks)",
    );
  });

  it("draws the serving phase for a recovery that waited for its targets", () => {
    const rendered = render(
      recoveryCompletedData({
        experiment: behindTargetGroup,
        timeToRecoverSeconds: 70,
        timeline: {
          terminatedAt: at(0),
          firstReplacementSeenAt: at(10),
          allInServiceAt: at(30),
          healthyAt: at(40),
          servingAt: at(70),
          recoveredAt: at(70),
        },
        targetGroups: [{ ...unhealthy, targets: [{ id: "i-0000000b", state: "healthy" }] }],
      }),
    );
    expect(rendered.text).toContain("until serving");
    expect(rendered.text).toContain("Target health at recovery");
    expect(rendered.summary).not.toContain("Target group web-tg");
  });

  it("leaves target health out for a group without target groups", () => {
    const rendered = render(recoveryCompletedData());
    expect(rendered.text).not.toContain("Target health");
    expect(rendered.text).not.toContain("serving");
  });
});
