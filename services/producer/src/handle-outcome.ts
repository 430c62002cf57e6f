import type { Message } from "@aws-sdk/client-sqs";
import {
  EventType,
  PermanentError,
  isEventOf,
  parseEventBody,
  type MessageContext,
} from "@macaque/shared";
import type { LeaseStore } from "./lease.ts";
import type { ProducerMetrics } from "./producer-metrics.ts";

/**
 * Frees a group as soon as its experiment ends, instead of when the lease
 * expires. Only the experiment that holds the lease can free it, so a late
 * outcome of an old experiment never frees a newer one's group.
 */
export function createOutcomeHandler(options: { leases: LeaseStore; metrics: ProducerMetrics }) {
  return async function handleOutcome(message: Message, context: MessageContext): Promise<void> {
    let event;
    try {
      event = parseEventBody(message.Body ?? "");
    } catch (err) {
      throw new PermanentError("not releasing any lease: the message is not a macaque event", {
        cause: err,
      });
    }
    if (!isEventOf(event, EventType.recoveryCompleted, EventType.terminationFailed)) {
      context.logger.warn(
        { event: "outcome.ignored", type: event.type },
        `ignoring ${event.type}: only experiment outcomes release a lease`,
      );
      return;
    }
    const { id, asg } = event.data.experiment;
    const logger = context.logger.child({ experimentId: id, asg });
    const released = await options.leases.release(asg, id);
    if (released) options.metrics.leasesReleased.inc();
    logger.info(
      { event: released ? "lease.released" : "lease.not-held", outcome: event.type },
      released
        ? `group ${asg} is free again`
        : `group ${asg} was not held by ${id}; nothing to release`,
    );
  };
}
