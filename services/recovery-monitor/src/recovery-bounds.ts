import type { GroupObservation, InstanceSnapshot } from "@macaque/shared";

/** The latest look that saw the group not yet recovered. */
export interface NotRecoveredSighting {
  /**
   * When its describe was asked for: the state it showed held at some moment
   * between then and the answer, so the recovery came after this.
   */
  askedAt: string;
  /** Instances that were already at the recovery level (InService, Healthy if required). */
  levelIds: string[];
}

export interface RecoveryBounds {
  /** The true recovery moment is no earlier than this... */
  lowerAt: string;
  /** ...and no later than this: the answer of the first look that saw it recovered. */
  upperAt: string;
  /**
   * The moment reported: the launch event's time when that event alone made the
   * group whole (InService was all it needed), the middle of the bounds when an
   * event dated them but health came after it (no event says when), else `upperAt`.
   */
  pointAt: string;
  detectedBy: "event" | "check";
}

const ms = (iso: string): number => Date.parse(iso);

/**
 * Where the true recovery moment lies, from what was seen, not from the check
 * interval: after the last look that saw the group not recovered (a late or
 * missed check only widens this) and before the first look that saw it recovered.
 *
 * A launch event narrows it from below: an instance cannot be at the recovery
 * level before Auto Scaling reports it launched (InService). The group needed
 * `desired` instances at that level; of those the confirming look shows, the ones
 * not yet at it at the last sighting reached it after that sighting, and no
 * earlier than their launch event when one arrived. So the recovery came no
 * earlier than the `desired`-th earliest of those moments. (This assumes the
 * instances that made the group whole are among those the confirming look shows
 * at the level: an instance that served in between and was gone by then is not
 * accounted for, which only scale-in during a recovery would do.)
 */
export function boundRecovery(input: {
  last: NotRecoveredSighting;
  confirmed: GroupObservation;
  desired: number;
  atLevel: (instance: InstanceSnapshot) => boolean;
  /** Launch events received: instance id → when it was launched (InService). */
  launches: Readonly<Record<string, string>>;
  /** Whether being InService is all the level asks (no health, no serving). */
  inServiceSuffices: boolean;
}): RecoveryBounds {
  const { last, confirmed, desired, atLevel, launches } = input;
  const sightedAt = ms(last.askedAt);
  const wasAtLevel = new Set(last.levelIds);
  const reached = confirmed.instances
    .filter(atLevel)
    .map((i) => {
      if (wasAtLevel.has(i.instanceId)) return -Infinity;
      const launched = launches[i.instanceId];
      return Math.max(sightedAt, launched === undefined ? -Infinity : ms(launched));
    })
    .sort((a, b) => a - b);
  const upper = ms(confirmed.at);
  const fromEvents = desired > 0 ? (reached[desired - 1] ?? sightedAt) : sightedAt;
  const lower = Math.min(upper, Math.max(sightedAt, fromEvents));
  const byEvent = lower > sightedAt;
  const iso = (t: number): string => new Date(t).toISOString();
  return {
    lowerAt: iso(lower),
    upperAt: iso(upper),
    pointAt: iso(
      !byEvent ? upper : input.inServiceSuffices ? lower : Math.round((lower + upper) / 2),
    ),
    detectedBy: byEvent ? "event" : "check",
  };
}
