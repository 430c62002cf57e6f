import type { RegressionAssessment } from "../events.ts";
import { describeChange } from "./group-changes.ts";

/**
 * How a regression judgement reads, the same in the report, the SNS summary,
 * the CLI's live view and the archive.
 */

/** Plain seconds, so two figures compare at a glance: `84 s`, `1.2 s`. */
export const plainSeconds = (s: number): string =>
  s < 10 ? `${Number(s.toFixed(s < 1 ? 2 : 1))} s` : `${Math.round(s)} s`;

/** "REGRESSION: 84 s, median of the last 10 runs 40 s" */
export function regressionLine(r: RegressionAssessment): string {
  const median = r.medianSeconds === undefined ? "" : plainSeconds(r.medianSeconds);
  const runs = `median of the last ${r.runs.length} run${r.runs.length === 1 ? "" : "s"} ${median}`;
  const time = plainSeconds(r.timeToRecoverSeconds);
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
