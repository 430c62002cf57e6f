/**
 * An order is a snapshot: the producer checked the group was steady and took its
 * lease just before sending it. SQS may hand it over days later (4 days on the
 * queue, 14 after a redrive from the DLQ), when the lease has lapsed and the group
 * may be mid-deployment; such an order is refused rather than carried out.
 */

export interface OrderAgeOptions {
  /** When the producer sent the order; absent, when it planned the experiment. */
  orderedAt: string | undefined;
  plannedAt: string;
  now: Date;
  maxAgeSeconds: number;
}

/** Why the order is too old to carry out, or undefined when it is fresh enough. */
export function judgeOrderAge(options: OrderAgeOptions): string | undefined {
  const since = options.orderedAt ?? options.plannedAt;
  const ageMs = options.now.getTime() - Date.parse(since);
  // A clock a little behind the producer's makes the age negative: fresh.
  if (ageMs <= options.maxAgeSeconds * 1000) return undefined;
  return (
    `the order is ${formatAge(ageMs)} old (planned at ${options.plannedAt}), ` +
    `older than ORDER_MAX_AGE_SECONDS=${options.maxAgeSeconds}; its safety checks no longer hold`
  );
}

/**
 * Whole units, rounded down: an age is never overstated. Seconds up to an hour,
 * so an order just past a limit of minutes does not read as exactly at it.
 */
export function formatAge(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}
