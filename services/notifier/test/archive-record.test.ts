import { describe, expect, it } from "vitest";
import { EventType, type RegressionAssessment } from "@macaque/shared";
import { buildArchiveItem } from "../src/archive-record.ts";
import { buildReport, renderReport } from "../src/render-report.ts";
import { groupConfiguration } from "../../../test/support/experiment.ts";
import { event, experiment, recoveryCompletedData, rejectedData } from "./fixtures.ts";

const regression: RegressionAssessment = {
  status: "regression",
  timeToRecoverSeconds: 84,
  runs: Array.from({ length: 10 }, (_, i) => ({
    experimentId: `exp-${i}`,
    at: `2025-11-${String(10 + i).padStart(2, "0")}T10:00:00.000Z`,
    seconds: 40,
    regression: false,
  })),
  medianSeconds: 40,
  madSeconds: 0,
  thresholdSeconds: 60,
  lastNormalExperimentId: "exp-9",
  changes: [
    {
      field: "launchTemplate",
      label: "launch template",
      before: "lt-0abc (web) version 3",
      after: "lt-0abc (web) version 4",
    },
  ],
};

const rendered = (e: Parameters<typeof buildReport>[0]) => renderReport(buildReport(e)!);

describe("the archive record", () => {
  it("is the same bytes for the same event: a redelivery writes the same object", () => {
    const e = event(EventType.recoveryCompleted, recoveryCompletedData(), "exp-20251126-web-1");
    const a = buildArchiveItem(e, rendered(e));
    const b = buildArchiveItem(structuredClone(e), rendered(structuredClone(e)));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.entry).toMatchObject({
      asg: "web",
      outcome: "recovered",
      timeToRecoverSeconds: 42,
      precisionSeconds: 10,
      victims: 2,
      at: e.data.experiment.plannedAt,
    });
  });

  it("files a rejection by the time it was refused, marked as such", () => {
    const e = event(EventType.experimentRejected, rejectedData(), "exp-rejected-1");
    const { entry, record } = buildArchiveItem(e, rendered(e));
    expect(entry).toMatchObject({ outcome: "rejected", asg: "web", mode: "", victims: 0 });
    expect(record).toMatchObject({ kind: "rejection", plan: null, requestId: "req-43" });
  });

  it("keeps the plan the producer carried: seed, group configuration, candidates", () => {
    const plan = {
      job: { asg: "web", count: 2 },
      group: groupConfiguration(),
      candidates: ["i-0000000c", "i-0000000a"],
      candidateCount: 2,
    };
    const data = recoveryCompletedData({ experiment: experiment({ plan }) });
    const e = event(EventType.recoveryCompleted, data, data.experiment.id);
    expect(buildArchiveItem(e, rendered(e)).record).toMatchObject({
      plan: { seed: "7", ...plan },
    });
  });
});

describe("the regression in the recovery report", () => {
  const e = event(
    EventType.recoveryCompleted,
    recoveryCompletedData({ timeToRecoverSeconds: 84, regression }),
    "exp-20251126-web-1",
  );
  const report = rendered(e);

  it("says so in the subject, the summary and the text, with what changed", () => {
    expect(report.subject).toContain("REGRESSION");
    expect(report.summary).toContain("REGRESSION: 84 s, median of the last 10 runs 40 s");
    expect(report.summary).toContain(
      "what changed: launch template: lt-0abc (web) version 3 → lt-0abc (web) version 4",
    );
    expect(report.text).toContain("What changed since the last normal run (exp-9)");
  });

  it("draws the last runs as table cells, this run last", () => {
    expect(report.html.match(/class="run-bar"/g)).toHaveLength(11);
    expect(report.text).toMatch(/this run\s+\|!{40}\| 84 s/);
  });

  it("says when the runs were not compared", () => {
    const few = event(
      EventType.recoveryCompleted,
      recoveryCompletedData({
        regression: { status: "insufficient-history", timeToRecoverSeconds: 42, runs: [] },
      }),
      "exp-x",
    );
    expect(rendered(few).summary).toContain("not compared: 0 earlier recovered runs in this mode");
  });
});
