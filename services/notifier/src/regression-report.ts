import { formatInstant, type RegressionAssessment } from "@macaque/shared";
import { describeChange, plainSeconds as seconds, regressionLine } from "@macaque/shared/history";
import type { Fact, Section } from "./report.ts";

/**
 * What a recovery report says about the run against the group's history: the
 * recovery-monitor's judgement carried by `recovery.completed`, worded once
 * here for the e-mail, the SNS summary and the archive's rendered report.
 */

export function regressionFact(r: RegressionAssessment): Fact {
  return {
    label: "Against history",
    value: regressionLine(r),
    tone: r.status === "regression" ? "bad" : r.status === "normal" ? "good" : "info",
  };
}

export function regressionSections(r: RegressionAssessment, experimentId: string): Section[] {
  const sections: Section[] = [];
  if (r.status === "regression") {
    sections.push({
      kind: "list",
      title: `What changed since the last normal run${r.lastNormalExperimentId ? ` (${r.lastNormalExperimentId})` : ""}`,
      items: (r.changes ?? []).map(describeChange),
      empty:
        r.changes === undefined
          ? "unknown: the last normal run's plan snapshot is not in the archive"
          : "nothing in the group's configuration (launch template, AMI, instance types, health check, capacity, target groups, suspended processes)",
    });
  }
  if (r.runs.length > 0) sections.push(recentRunsChart(r, experimentId));
  return sections;
}

/** Oldest first, this run last and marked, each bar a share of the slowest. */
function recentRunsChart(r: RegressionAssessment, experimentId: string): Section {
  const runs = [...r.runs].reverse();
  const all = [
    ...runs.map((run) => ({ ...run, current: false })),
    {
      experimentId,
      at: "",
      seconds: r.timeToRecoverSeconds,
      regression: r.status === "regression",
      current: true,
    },
  ];
  const max = Math.max(...all.map((run) => run.seconds), r.thresholdSeconds ?? 0);
  return {
    kind: "bars",
    title: "Recent runs (time to recover, same mode)",
    bars: all.map((run) => ({
      label: run.current ? "this run" : formatInstant(run.at).slice(0, 16),
      value: seconds(run.seconds),
      percent: max > 0 ? Math.max(1, Math.round((run.seconds / max) * 100)) : 0,
      tone: run.regression ? "bad" : run.current ? "good" : "info",
    })),
    note:
      r.thresholdSeconds === undefined
        ? ""
        : `Slower than ${seconds(r.thresholdSeconds)} is a regression (median + 3 × MAD, and 1.5 × median).`,
  };
}
