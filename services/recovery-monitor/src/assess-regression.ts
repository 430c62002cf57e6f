import type { ExperimentContext, GroupConfiguration, RegressionAssessment } from "@macaque/shared";
import {
  defaultRegressionRule,
  diffGroupConfiguration,
  judgeRecoveryTime,
  type HistoryEntry,
  type RegressionRule,
} from "@macaque/shared/history";

/**
 * The monitor compares a recovered run with the group's history before it
 * publishes `recovery.completed`, so the event itself says "REGRESSION" and
 * what changed: every consumer (the notifier's report and summary, `macaque
 * watch`, anyone on the events topic) reads the same judgement. It reads the
 * archive's index (one listing) and, for a regression, the last normal run's
 * record (one GET) — read-only access to the bucket.
 */
export interface HistoryReader {
  /** The group's earlier recovered runs in this mode, newest first, at most `limit`. */
  recoveredRuns(asg: string, mode: string, limit: number, except: string): Promise<HistoryEntry[]>;
  /** The plan snapshot of an archived experiment's group, if the record has one. */
  groupConfiguration(experimentId: string): Promise<GroupConfiguration | undefined>;
}

export async function assessRegression(
  reader: HistoryReader,
  experiment: ExperimentContext,
  seconds: number,
  rule: RegressionRule = defaultRegressionRule,
): Promise<RegressionAssessment> {
  try {
    const earlier = await reader.recoveredRuns(
      experiment.asg,
      experiment.mode,
      rule.window,
      experiment.id,
    );
    const verdict = judgeRecoveryTime(
      seconds,
      earlier.map((e) => e.timeToRecoverSeconds ?? 0),
      rule,
    );
    const runs = earlier.map((e) => ({
      experimentId: e.experimentId,
      at: e.at,
      seconds: e.timeToRecoverSeconds ?? 0,
      regression: e.regression,
    }));
    if (verdict.status === "insufficient-history") {
      return { status: verdict.status, timeToRecoverSeconds: seconds, runs };
    }
    const { status, medianSeconds, madSeconds, thresholdSeconds } = verdict;
    const assessment: RegressionAssessment = {
      status,
      timeToRecoverSeconds: seconds,
      runs,
      medianSeconds,
      madSeconds,
      thresholdSeconds,
    };
    if (status !== "regression") return assessment;
    const lastNormal = earlier.find((e) => !e.regression);
    if (!lastNormal) return assessment;
    const before = await reader.groupConfiguration(lastNormal.experimentId);
    const after = experiment.plan?.group;
    return {
      ...assessment,
      lastNormalExperimentId: lastNormal.experimentId,
      ...(before && after && { changes: diffGroupConfiguration(before, after) }),
    };
  } catch (err) {
    return {
      status: "history-unavailable",
      timeToRecoverSeconds: seconds,
      runs: [],
      reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    };
  }
}
