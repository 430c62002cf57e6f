import {
  describeEvent,
  openEventTap,
  resourceTag,
  type AnyCloudEvent,
  type EventTap,
} from "@macaque/shared";
import type { Aws } from "./aws.ts";
import { ExitCode } from "./exit-codes.ts";
import { asgOf, createExperimentClock } from "./experiment-clock.ts";
import { tapQueueName, type Terminal } from "./experiment.ts";
import { applyEvent, outcomeOf, startProgress, type Progress } from "./progress.ts";
import { formatStep, summarize } from "./render.ts";

/**
 * `macaque watch --asg NAME` and `macaque watch`: every experiment from now on
 * (on one group, or all), interleaved, each line led by its experiment id and
 * stamped on that experiment's clock. It never ends by itself: Ctrl-C stops it
 * (exit 130), as does its reader going away (exit 0).
 */
export async function watchExperiments(
  aws: Aws,
  terminal: Terminal,
  options: { asg?: string | undefined; json: boolean; prefix: string },
): Promise<ExitCode> {
  const topology = await aws.topology();
  const stop = new AbortController();
  let outputClosed = false;
  const removeHandlers = [
    terminal.onInterrupt(() => stop.abort()),
    terminal.onOutputClosed(() => ((outputClosed = true), stop.abort())),
  ];
  const notes = options.json ? terminal.err : terminal.out;
  let tap: EventTap | undefined;
  try {
    tap = await openEventTap({
      sqs: aws.sqs(),
      sns: aws.sns(),
      topicArn: topology.topics.events.arn,
      // Queue names allow letters, digits, - and _; group names allow far more.
      queueName: tapQueueName(options.prefix, options.asg?.replace(/[^\w-]/g, "-") ?? "all"),
      tags: {
        [resourceTag.watching]: options.asg ?? "all",
        [resourceTag.createdBy]: "macaque-cli",
      },
    });
    const what = options.asg === undefined ? "every experiment" : `experiments on ${options.asg}`;
    notes.write(`watching ${what} (events from now on; Ctrl-C stops)\n`);
    const show = createShow(options.asg);
    const aborted = new Promise<undefined>((resolve) =>
      stop.signal.addEventListener("abort", () => resolve(undefined), { once: true }),
    );
    while (!stop.signal.aborted) {
      const poll = tap.poll(2);
      // The abandoned receive may fail once its queue is gone; nobody waits for it.
      poll.catch(() => undefined);
      const events = await Promise.race([poll, aborted]);
      for (const event of events ?? []) {
        const lines = show(event);
        if (lines.length === 0) continue;
        if (options.json) terminal.out.write(`${JSON.stringify(event)}\n`);
        else terminal.out.write(`${lines.join("\n")}\n`);
      }
    }
    if (outputClosed) return ExitCode.recovered;
    notes.write(`stopped watching ${what}; the experiments go on\n`);
    return ExitCode.interrupted;
  } finally {
    await tap?.close().catch((err: unknown) => {
      const why = err instanceof Error ? err.message : String(err);
      terminal.err.write(`macaque: could not remove the queue ${tap?.queueUrl}: ${why}\n`);
    });
    removeHandlers.forEach((remove) => remove());
  }
}

/** The lines an event adds, or none when it is not about the watched group. */
function createShow(asg: string | undefined): (event: AnyCloudEvent) => string[] {
  const clock = createExperimentClock();
  const progress = new Map<string, Progress>();
  return (event) => {
    const id = event.subject;
    const group = asgOf(event);
    // Events that name no group (report.sent) belong to one already seen.
    if (group === undefined ? !progress.has(id) : asg !== undefined && group !== asg) return [];
    const before = progress.get(id) ?? startProgress(id);
    const after = applyEvent(before, event);
    if (after === before) return [];
    progress.set(id, after);
    const at = clock(event) ?? 0;
    const lead = `${id}  ${group ?? after.context?.asg ?? ""}`;
    const lines = describeEvent(event).map(
      (step) => `${lead}  ${formatStep(at, step).trimStart()}`,
    );
    const outcome = outcomeOf(after);
    if (outcome && outcomeOf(before) === undefined) {
      lines.push(`${lead}  ${summarize(outcome, after)[0]}`);
    }
    return lines;
  };
}
