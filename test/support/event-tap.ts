/**
 * A tap on a stack's events topic (shared/src/event-tap.ts) with what tests ask
 * of it: the events about one experiment, awaited by type, without polling code
 * of their own.
 */
import { openEventTap, type AnyCloudEvent, type EventTap, type EventType } from "@macaque/shared";
import type { Stack } from "@macaque/sandbox";
import { snsAt, sqsAt, uniquePrefix } from "./aws.ts";

export type EventOf<T extends EventType> = Extract<AnyCloudEvent, { type: T }>;

export interface TestTap {
  tap: EventTap;
  /** Every event received so far, in arrival order. */
  readonly seen: readonly AnyCloudEvent[];
  /** The first event of `type` about the experiment (seen or future). Default timeout 20 s. */
  waitForEvent<T extends EventType>(
    experimentId: string,
    type: T,
    timeoutMs?: number,
  ): Promise<EventOf<T>>;
  /** The first `count` events of `type` about the experiment, once that many arrived. */
  waitForEvents<T extends EventType>(
    experimentId: string,
    type: T,
    count: number,
    timeoutMs?: number,
  ): Promise<EventOf<T>[]>;
  /** Events about the experiment received so far (call `drain` first to include what is in flight). */
  eventsOf(experimentId: string): AnyCloudEvent[];
  /** Their types, in arrival order. */
  typesOf(experimentId: string): string[];
  /** Receives what is waiting on the queue now (one poll of up to a second). */
  drain(): Promise<void>;
  /** Unsubscribes, deletes the queue and destroys the tap's clients. Safe to call twice. */
  close(): Promise<void>;
}

/** An events topic that is not a `Stack`'s: one a `npm run sandbox` printed, say. */
export interface TapTarget {
  sqsEndpoint: string;
  snsEndpoint: string;
  topicArn: string;
}

/** A tap on the stack's events topic, or on the topic `target` names. */
export async function openTestTap(
  target: Stack | TapTarget,
  options: { filterPolicy?: Record<string, string[]> } = {},
): Promise<TestTap> {
  const { sqsEndpoint, snsEndpoint, topicArn } =
    "topology" in target
      ? {
          sqsEndpoint: target.endpoints.sqs,
          snsEndpoint: target.endpoints.sns,
          topicArn: target.topology.topics.events.arn,
        }
      : target;
  const sqs = sqsAt(sqsEndpoint);
  const sns = snsAt(snsEndpoint);
  const tap = await openEventTap({
    sqs,
    sns,
    topicArn,
    queueName: uniquePrefix("tap"),
    ...(options.filterPolicy ? { filterPolicy: options.filterPolicy } : {}),
  }).catch((err: unknown) => {
    sqs.destroy();
    sns.destroy();
    throw err;
  });
  const about = (experimentId: string) => (e: AnyCloudEvent) => e.subject === experimentId;
  const eventsOf = (experimentId: string) => tap.seen.filter(about(experimentId));
  const waitForEvents = async <T extends EventType>(
    experimentId: string,
    type: T,
    count: number,
    timeoutMs = 20_000,
  ): Promise<EventOf<T>[]> => {
    const matches = () => eventsOf(experimentId).filter((e): e is EventOf<T> => e.type === type);
    // The tap's own waitFor returns at the count-th match: it is seen once counted.
    await tap.waitFor(() => matches().length >= count, timeoutMs);
    return matches().slice(0, count);
  };
  return {
    tap,
    seen: tap.seen,
    waitForEvent: async (experimentId, type, timeoutMs) =>
      (await waitForEvents(experimentId, type, 1, timeoutMs))[0]!,
    waitForEvents,
    eventsOf,
    typesOf: (experimentId) => eventsOf(experimentId).map((e) => e.type),
    drain: async () => void (await tap.poll(1)),
    close: async () => {
      await tap.close().catch(() => undefined);
      sqs.destroy();
      sns.destroy();
    },
  };
}
