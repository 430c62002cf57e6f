import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { randomBytes } from "node:crypto";
import { experimentAttribute, openEventTap, resourceTag, type EventTap } from "@macaque/shared";
import { describeTarget, type Aws } from "./aws.ts";
import type { CheckedJob } from "./build-job.ts";
import { ExitCode, exitCodeFor } from "./exit-codes.ts";
import { followExperiment } from "./follow.ts";
import { createLiveView, type LiveView, type Output } from "./live-view.ts";
import { summarize } from "./render.ts";

/**
 * Sending a job and following its experiment: the one place that opens the
 * ephemeral queue, so the one place that guarantees it is removed — on the
 * way out, on Ctrl-C and on error.
 */

export interface Terminal {
  out: Output;
  err: Output;
  now(): number;
  /** Registers a handler for Ctrl-C and SIGTERM; returns its removal. */
  onInterrupt(handler: () => void): () => void;
  /** Asks for a number on the terminal until `check` accepts it. */
  askNumber(message: string, check: (value: number | undefined) => true | string): Promise<number>;
  /** Asks a yes/no question on the terminal; true only for y or yes. */
  confirm(message: string): Promise<boolean>;
  /** Registers a handler for `out` closing under the CLI (`| head -1`); returns its removal. */
  onOutputClosed(handler: () => void): () => void;
}

export interface FollowFlags {
  json: boolean;
  /**
   * On a terminal, Ctrl-C asks whether to abort the experiment and, on yes,
   * calls this and follows on to the end; otherwise it only stops watching.
   */
  offerAbort?: (() => Promise<unknown>) | undefined;
  /** Give up (exit 3) when the experiment is not known this long after following began. */
  answerTimeoutMs?: number | undefined;
}

/** Past the recovery deadline, the monitor's verdict is this late at most before the CLI gives up. */

/** Sends a checked job; with `wait`, follows it to the end and returns the exit code. */
export async function submitJob(
  aws: Aws,
  terminal: Terminal,
  job: CheckedJob,
  flags: FollowFlags & { wait: boolean; prefix: string },
): Promise<ExitCode> {
  const topology = await aws.topology();
  const send = async () =>
    (
      await aws
        .sqs()
        .send(
          new SendMessageCommand({ QueueUrl: topology.queues.requests.url, MessageBody: job.body }),
        )
    ).MessageId ?? "";

  if (!flags.wait) {
    const messageId = await send();
    const { experimentId, requestId } = job;
    terminal.out.write(
      flags.json
        ? `${JSON.stringify({ experimentId, requestId, messageId })}\n`
        : `${experimentId}\n`,
    );
    return ExitCode.recovered;
  }
  // Where it goes, said before anything can be terminated.
  const target = await describeTarget(aws, "SQS");
  // Subscribed before sending, so not even the first event can be missed.
  return follow(aws, terminal, job.experimentId, flags, {
    before: send,
    intro: `experiment ${job.experimentId}${job.job.dryRun ? " (dry run)" : ""} on ${job.job.asg}, request ${job.requestId}\n${target}`,
  });
}

/** Follows an experiment that is already running (only events from now on can be seen). */
export function watchExperiment(
  aws: Aws,
  terminal: Terminal,
  experimentId: string,
  flags: FollowFlags & { prefix: string },
): Promise<ExitCode> {
  return follow(aws, terminal, experimentId, flags, {
    intro: `watching experiment ${experimentId} (events from now on)`,
  });
}

async function follow(
  aws: Aws,
  terminal: Terminal,
  experimentId: string,
  flags: FollowFlags & { prefix: string },
  steps: { before?: () => Promise<unknown>; intro: string },
): Promise<ExitCode> {
  const topology = await aws.topology();
  const interrupted = new AbortController();
  let view: LiveView | undefined;
  let abortOffered = false;
  // Ctrl-C during setup still removes whatever was created; once following, it may offer to abort.
  const onCtrlC = () => {
    const offer = flags.offerAbort;
    if (!offer || !view || abortOffered) return interrupted.abort();
    abortOffered = true;
    void askToAbort(terminal, view, experimentId, offer).then((aborting) => {
      // Asked on a fresh handler: the next Ctrl-C is a first one again, not "again".
      removeHandler();
      removeHandler = terminal.onInterrupt(onCtrlC);
      if (!aborting) interrupted.abort();
    });
  };
  let removeHandler = terminal.onInterrupt(onCtrlC);
  // A reader that has gone (`| head -1`) has seen what it wanted: stop following,
  // clean up, and end quietly, since nothing more can be printed.
  let outputClosed = false;
  const removeClosedHandler = terminal.onOutputClosed(() => {
    outputClosed = true;
    interrupted.abort();
  });
  let tap: EventTap | undefined;
  try {
    tap = await openEventTap({
      sqs: aws.sqs(),
      sns: aws.sns(),
      topicArn: topology.topics.events.arn,
      queueName: tapQueueName(flags.prefix, experimentId),
      filterPolicy: { [experimentAttribute]: [experimentId] },
      tags: { [resourceTag.experiment]: experimentId, [resourceTag.createdBy]: "macaque-cli" },
    });
    if (interrupted.signal.aborted) return outputClosed ? ExitCode.recovered : ExitCode.interrupted;
    await steps.before?.();
    view = createLiveView({
      out: terminal.out,
      err: terminal.err,
      json: flags.json,
      now: terminal.now,
      startedAt: terminal.now(),
    });
    view.note(
      `${steps.intro}\n${flags.offerAbort ? "(Ctrl-C asks whether to abort the experiment)" : "(Ctrl-C stops watching, not the experiment)"}`,
    );
    const { outcome, progress } = await followExperiment({
      source: tap,
      experimentId,
      now: terminal.now,
      answerTimeoutMs: flags.answerTimeoutMs,
      signal: interrupted.signal,
      onEvent: (event, p) => view?.event(event, p),
    });
    if (outputClosed) return ExitCode.recovered;
    view.finish(summarize(outcome, progress));
    return exitCodeFor(outcome);
  } finally {
    // The handler stays until the queue is gone: one more Ctrl-C must not skip the cleanup.
    await tap?.close().catch((err: unknown) => {
      const why = err instanceof Error ? err.message : String(err);
      terminal.err.write(`macaque: could not remove the queue ${tap?.queueUrl}: ${why}\n`);
    });
    removeHandler();
    removeClosedHandler();
  }
}

/**
 * Asks once whether to abort; true when the abort was written, so following goes
 * on to the aborted end. A no, Ctrl-C at the question or a failed write leaves the
 * experiment running and stops watching.
 */
async function askToAbort(
  terminal: Terminal,
  view: LiveView,
  experimentId: string,
  abort: () => Promise<unknown>,
): Promise<boolean> {
  const resume = view.hold();
  try {
    const yes = await terminal.confirm(
      `\nAbort experiment ${experimentId}? (no: stop watching, the experiment goes on) [y/N]`,
    );
    if (!yes) return false;
    await abort();
    terminal.out.write("following it to its end (Ctrl-C stops watching)\n");
    return true;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    terminal.err.write(`macaque: not aborted: ${why}\n`);
    return false;
  } finally {
    resume();
  }
}

/** `<prefix>-cli-<experiment>-<random>`: recognisable when leaked, unique per watcher. */
export function tapQueueName(prefix: string, experimentId: string): string {
  const short = experimentId.replace(/^exp-/, "").slice(0, 8);
  return `${prefix}-cli-${short}-${randomBytes(3).toString("hex")}`;
}
