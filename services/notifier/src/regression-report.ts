import { formatInstant, type RegressionAssessment } from "@macaque/shared";
import { describeChange } from "@macaque/shared/history";
import type { Fact, Section } from "./report.ts";

/**
 * What a recovery report says about the run against the group's history: the
 * recovery-monitor's judgement carried by `recovery.completed`, worded once
 * here for the e-mail, the SNS summary and the archive's rendered report.
 */

/** Plain seconds, so two figures compare at a glance: `84 s`, `1.2 s`. */
const seconds = (s: number): string =>
  s < 10 ? `${Number(s.toFixed(s < 1 ? 2 : 1))} s` : `${Math.round(s)} s`;

/** "REGRESSION: 84 s, median of the last 10 runs 40 s" */
export function regressionLine(r: RegressionAssessment): string {
  const median = r.medianSeconds === undefined ? "" : seconds(r.medianSeconds);
  const runs = `median of the last ${r.runs.length} run${r.runs.length === 1 ? "" : "s"} ${median}`;
  const time = seconds(r.timeToRecoverSeconds);
  switch (r.status) {
    case "regression":
      return `REGRESSION: ${time}, ${runs}`;
    case "normal":
      return `no regression: ${time}, ${runs}`;
    case "insufficient-history":
      return `not compared: ${r.runs.length} earlier recovered run${r.runs.length === 1 ? "" : "s"} in this mode (3 needed)`;
    case "history-unavailable":
      return `not compared: the archive could not be read (${r.reason ?? "unknown error"})`;
  }
}

export const changesLine = (r: RegressionAssessment): string | undefined =>
  r.status !== "regression"
    ? undefined
    : r.changes === undefined
      ? "what changed: unknown (the last normal run's plan snapshot is not in the archive)"
      : r.changes.length === 0
        ? "what changed: nothing in the group's configuration"
        : `what changed: ${r.changes.map(describeChange).join("; ")}`;

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
