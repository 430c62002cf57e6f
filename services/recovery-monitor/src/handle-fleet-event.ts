import type { Message } from "@aws-sdk/client-sqs";
import {
  NotAFleetEventError,
  PoisonMessageError,
  parseFleetEvent,
  type FleetSignal,
  type MessageContext,
} from "@macaque/shared";

export interface FleetEventHandlerDependencies {
  /** Wakes the experiment the signal concerns; resolves false when none does. */
  wake(signal: FleetSignal): Promise<boolean>;
}

/**
 * One of AWS's events from the fleet-events queue (an EventBridge rule's
 * delivery): a wake-up for the experiment on that group or victim, if any. An
 * event of a kind macaque does not read is dropped; a body that is no event at
 * all is poison (to the dead-letter queue, once).
 */
export function createFleetEventHandler(deps: FleetEventHandlerDependencies) {
  return async (message: Message, context: MessageContext): Promise<void> => {
    let signal: FleetSignal | undefined;
    try {
      signal = parseFleetEvent(message.Body ?? "");
    } catch (err) {
      if (!(err instanceof NotAFleetEventError)) throw err;
      throw new PoisonMessageError(err.message, { cause: err });
    }
    if (!signal) {
      context.logger.debug(
        { event: "fleet-event.ignored" },
        "an event of a kind macaque does not read",
      );
      return;
    }
    await deps.wake(signal);
  };
}
