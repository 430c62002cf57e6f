/**
 * Is a recovered run clearly slower than its group's earlier runs? A pure rule,
 * robust to the odd slow run in the history: the median and the median absolute
 * deviation (MAD) of the last `window` recovered runs in the same mode, and a
 * regression only when the new time is above BOTH
 *
 *   median + k × 1.4826 × MAD   (k = 3: about three standard deviations for normal noise)
 *   factor × median             (factor = 1.5: never flag a few percent on a very steady group)
 *
 * with at least `minRuns` (3) earlier runs; fewer is "insufficient-history".
 * Runs the monitor itself judged regressions stay in the window: a group that
 * stays slow becomes the new normal after about window / 2 runs instead of
 * alarming forever.
 */

export interface RegressionRule {
  /** Earlier runs compared, newest first. Default 10. */
  window: number;
  /** Default 3. */
  minRuns: number;
  /** MADs above the median. Default 3. */
  k: number;
  /** Times the median. Default 1.5. */
  factor: number;
}

export const defaultRegressionRule: RegressionRule = { window: 10, minRuns: 3, k: 3, factor: 1.5 };

/** Scales the MAD to a standard deviation for normally distributed noise. */
const madScale = 1.4826;

export type RegressionVerdict =
  | { status: "insufficient-history"; runs: number }
  | {
      status: "regression" | "normal";
      runs: number;
      medianSeconds: number;
      madSeconds: number;
      thresholdSeconds: number;
    };

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The nearest-rank percentile (p in 0..100) of the values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** `earlier` newest first: the time to recover of earlier recovered runs in the same mode. */
export function judgeRecoveryTime(
  seconds: number,
  earlier: readonly number[],
  rule: RegressionRule = defaultRegressionRule,
): RegressionVerdict {
  const runs = earlier.slice(0, rule.window);
  if (runs.length < rule.minRuns) return { status: "insufficient-history", runs: runs.length };
  const med = median(runs);
  const mad = median(runs.map((r) => Math.abs(r - med)));
  const threshold = Math.max(med + rule.k * madScale * mad, rule.factor * med);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    status: seconds > threshold ? "regression" : "normal",
    runs: runs.length,
    medianSeconds: round(med),
    madSeconds: round(mad),
    thresholdSeconds: round(threshold),
  };
}
