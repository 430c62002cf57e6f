import type { RecoveryView } from "@macaque/fleet-sim";
import type { EventOf } from "./event-tap.ts";

/** What the fleet simulator says of one experiment's recovery, against macaque's measurement. */
export interface RecoveryTruth {
  /** When the group was whole again, epoch ms. */
  wholeAt: number;
  /** When it was first disrupted (the first victim lost), epoch ms. */
  disruptedAt: number;
  /** |measured moment − wholeAt|, ms; the measured moment is terminatedAt + timeToRecoverSeconds. */
  errorMs: number;
  /** The stated precision, ms (NaN when the event states none). */
  statedMs: number;
  /** Whether wholeAt lies within the stated bounds (false when none are stated). */
  withinBounds: boolean;
}

/**
 * The simulator's ground truth for a recovered experiment: the group whole again
 * after the last victim went (a terminate call retried after throttling can come
 * after a first recovery has closed, so the first recovery is not always the one),
 * compared as absolute moments with macaque's bounds, which count from
 * `terminatedAt` (a few ms after the simulator's `disruptedAt`). Undefined when
 * the experiment did not recover or the simulator saw no matching recovery.
 */
export function recoveryTruth(
  terminated: EventOf<"macaque.instances.terminated">,
  completed: EventOf<"macaque.recovery.completed">,
  recoveries: readonly RecoveryView[],
): RecoveryTruth | undefined {
  const seconds = completed.data.timeToRecoverSeconds;
  if (completed.data.outcome !== "recovered" || seconds === null) return undefined;
  const lastVictimAt = Math.max(
    ...terminated.data.terminations
      .filter((t) => t.outcome === "terminated")
      .map((t) => Date.parse(t.at)),
  );
  const truth = recoveries.find((r) => r.wholeAt && Date.parse(r.wholeAt) >= lastVictimAt);
  if (!truth?.wholeAt || recoveries[0] === undefined) return undefined;
  const wholeAt = Date.parse(truth.wholeAt);
  const start = Date.parse(terminated.data.terminatedAt);
  const bounds = completed.data.timeToRecoverBounds;
  return {
    wholeAt,
    disruptedAt: Date.parse(recoveries[0].disruptedAt),
    errorMs: Math.abs(start + seconds * 1000 - wholeAt),
    statedMs: (completed.data.precisionSeconds ?? NaN) * 1000,
    withinBounds:
      bounds !== undefined &&
      start + bounds.lowerSeconds * 1000 <= wholeAt &&
      start + bounds.upperSeconds * 1000 >= wholeAt,
  };
}
