/**
 * An experiment's lifetime, counted from its plan. Every service that waits on an
 * experiment, or keeps others from starting one, derives its limit from here:
 *
 *   plannedAt ──order window──► the order can no longer be carried out
 *             ──termination budget──► the latest the victims are terminated
 *             ──recovery deadline──► the latest measurement ends
 *             ──report margin──► the group's lease expires (the CLI stops waiting)
 *
 * The producer's lease on the group lasts to the end, so no second experiment can
 * start on a group still being measured. The terminator refuses an order past its
 * window. The monitor's deadline runs from the termination but never past the
 * latest measurement end, so a slow termination shortens the measurement rather
 * than outliving the lease. The CLI waits, at most, as long as the lease.
 */

/** An order carried out later than this after its plan would act on a stale safety check. */
export const orderWindowSeconds = 120;

/** Time the terminator has, after the order window, to terminate and confirm every victim. */
export const terminationBudgetSeconds = 120;

/** After the measurement ends: the last check, the report and the outcome reaching the producer. */
export const reportMarginSeconds = 120;

export interface ExperimentLifetime {
  /** Past this (ms since the epoch) an order is refused. */
  orderExpiresAt: number;
  /** The latest a measurement may end, however late the termination was. */
  measurementEndsBy: number;
  /** When the group's lease expires on its own: the experiment has ended by then. */
  endsBy: number;
}

export function experimentLifetime(experiment: {
  plannedAt: string;
  recovery: { deadlineSeconds: number };
}): ExperimentLifetime {
  const plannedAt = Date.parse(experiment.plannedAt);
  const orderExpiresAt = plannedAt + orderWindowSeconds * 1000;
  const measurementEndsBy =
    orderExpiresAt + (terminationBudgetSeconds + experiment.recovery.deadlineSeconds) * 1000;
  return {
    orderExpiresAt,
    measurementEndsBy,
    endsBy: measurementEndsBy + reportMarginSeconds * 1000,
  };
}

/** How long the producer's lease lasts from the plan. */
export const leaseTtlMs = (deadlineSeconds: number): number =>
  (orderWindowSeconds + terminationBudgetSeconds + deadlineSeconds + reportMarginSeconds) * 1000;

/**
 * When the recovery monitor gives up: the deadline after the termination, but no
 * later than the lifetime allows.
 */
export function recoveryDeadlineAt(
  experiment: { plannedAt: string; recovery: { deadlineSeconds: number } },
  terminatedAt: string,
): number {
  const fromTermination = Date.parse(terminatedAt) + experiment.recovery.deadlineSeconds * 1000;
  return Math.min(fromTermination, experimentLifetime(experiment).measurementEndsBy);
}
