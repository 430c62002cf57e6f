import { experimentLifetime, formatDuration, orderWindowSeconds } from "@macaque/shared";

/**
 * An order is a snapshot: the producer checked the group was steady and took its
 * lease just before sending it. SQS may hand it over days later (4 days on the
 * queue, 14 after a redrive from the DLQ), when the group may be mid-deployment
 * and the lease, sized by the experiment's lifetime, has lapsed. Past its window
 * (shared/lifetime) an order is refused rather than carried out.
 */
export function judgeOrderAge(
  experiment: { plannedAt: string; recovery: { deadlineSeconds: number } },
  now: Date,
): string | undefined {
  // A clock a little behind the producer's makes the age negative: fresh.
  if (now.getTime() <= experimentLifetime(experiment).orderExpiresAt) return undefined;
  // Whole seconds, rounded down: an age is never overstated.
  const ageSeconds = Math.floor((now.getTime() - Date.parse(experiment.plannedAt)) / 1000);
  return (
    `the order is ${formatDuration(ageSeconds)} old (planned at ${experiment.plannedAt}), ` +
    `past the ${formatDuration(orderWindowSeconds)} in which an order is carried out; ` +
    `its safety checks and the group's lease no longer hold`
  );
}
