import type { AnyCloudEvent } from "@macaque/shared";
import type { Outcome } from "./exit-codes.ts";
import {
  applyEvent,
  giveUpAt,
  nextStep,
  outcomeOf,
  startProgress,
  type Progress,
} from "./progress.ts";

/** Where events come from: an event tap in use, a scripted list in tests. */
export interface EventSource {
  poll(waitSeconds?: number): Promise<AnyCloudEvent[]>;
}

export interface FollowOptions {
  source: EventSource;
  experimentId: string;
  now(): number;
  /** Give up when nothing is known about the experiment this long after following began. */
  answerTimeoutMs?: number | undefined;
  /** Longest single long poll; short enough to notice a timeout soon. Default 2. */
  pollSeconds?: number;
  /** Aborted on Ctrl-C: following stops with an `interrupted` outcome. */
  signal?: AbortSignal;
  onEvent(event: AnyCloudEvent, progress: Progress): void;
}

/** Reads events until the experiment ends, the wait runs out, or the signal aborts it. */
export async function followExperiment(
  options: FollowOptions,
): Promise<{ outcome: Outcome; progress: Progress }> {
  const startedAt = options.now();
  let progress = startProgress(options.experimentId);
  for (;;) {
    if (options.signal?.aborted) return { outcome: { kind: "interrupted" }, progress };
    const limit = giveUpAt(progress, { ...options, startedAt });
    const left = limit === undefined ? Infinity : limit - options.now();
    if (left <= 0) {
      const { waitingFor, service } = nextStep(progress);
      return { outcome: { kind: "timed-out", waitingFor: `${waitingFor} (${service})` }, progress };
    }
    const waitSeconds = Math.max(0, Math.min(options.pollSeconds ?? 2, Math.floor(left / 1_000)));
    let events: AnyCloudEvent[] | undefined;
    try {
      events = await untilAborted(options.source.poll(waitSeconds), options.signal);
    } catch (err) {
      // Closing the tap on Ctrl-C can fail a receive in flight; that is not an error.
      if (options.signal?.aborted) return { outcome: { kind: "interrupted" }, progress };
      throw err;
    }
    if (events === undefined) return { outcome: { kind: "interrupted" }, progress };
    for (const event of events) {
      const next = applyEvent(progress, event);
      if (next === progress) continue;
      progress = next;
      options.onEvent(event, progress);
      const outcome = outcomeOf(progress);
      if (outcome) return { outcome, progress };
    }
  }
}

/** Resolves with the promise's value, or with undefined as soon as the signal aborts. */
function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => {
      // The abandoned receive may still fail once its queue is gone; nobody waits for it.
      promise.catch(() => undefined);
      resolve(undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
