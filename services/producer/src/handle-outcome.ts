import type { Message } from "@aws-sdk/client-sqs";
import { QueueRole, readEvent, type MessageContext } from "@macaque/shared";
import type { ProducerControls } from "./controls.ts";
import type { ExperimentEndStore } from "./experiment-ends.ts";
import type { LeaseStore } from "./lease.ts";
import type { ProducerMetrics } from "./producer-metrics.ts";

/**
 * Frees a group as soon as its experiment ends, instead of when the lease
 * expires. Only the experiment that holds the lease can free it, so a late
 * outcome of an old experiment never frees a newer one's group.
 *
 * The release is also the experiment's end for MIN_MINUTES_BETWEEN_EXPERIMENTS.
 * It is recorded before the lease goes: were it after, a failure between the two
 * would redeliver an outcome that no longer holds the lease and so records
 * nothing, leaving the provisional end (the lease's expiry, still ahead) in place.
 * An outcome whose lease already expired records nothing (see experiment-ends.ts).
 */
export function createOutcomeHandler(options: {
  leases: LeaseStore;
  ends: ExperimentEndStore;
  metrics: ProducerMetrics;
  now(): Date;
  controls: Pick<ProducerControls, "forgetInFlight">;
}) {
  return async function handleOutcome(message: Message, context: MessageContext): Promise<void> {
    const event = readEvent(message, QueueRole.outcomes);
    const { id, asg } = event.data.experiment;
    const logger = context.logger.child({ experimentId: id, asg });
    if ((await options.leases.holder(asg)) === id) await options.ends.record(asg, options.now());
    const released = await options.leases.release(asg, id);
    if (released) options.metrics.leasesReleased.inc();
    await options.controls.forgetInFlight(id, logger);
    logger.info(
      { event: released ? "lease.released" : "lease.not-held", outcome: event.type },
      released
        ? `group ${asg} is free again`
        : `group ${asg} was not held by ${id}; nothing to release`,
    );
  };
}
