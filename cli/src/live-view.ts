import { describeEvent, formatClock, type AnyCloudEvent } from "@macaque/shared";
import { createExperimentClock, type ExperimentClock } from "./experiment-clock.ts";
import { nextStep, startProgress, type Progress } from "./progress.ts";
import { formatStep } from "./render.ts";

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

export interface LiveView {
  /** Prints the phase lines of an event (or the event itself, as JSON). */
  event(event: AnyCloudEvent, progress: Progress): void;
  /** A line of context (what was sent, what is followed). */
  note(line: string): void;
  /** Stops the spinner and prints the summary. */
  finish(lines: readonly string[]): void;
  /** Pauses the spinner (while a question is asked); returns its restart. */
  hold(): () => void;
}

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const clearLine = "\r\x1b[2K";

/**
 * Writes the live view: plain lines, plus a spinner with the step being waited
 * for when `out` is a terminal. In JSON mode stdout gets one event per line and
 * nothing else, and the notes and summary go to `err`, so a pipe reads only JSON.
 */
export function createLiveView(options: {
  out: Output;
  err: Output;
  json: boolean;
  now(): number;
  startedAt: number;
  /** Default: a spinner only when `out` is a terminal. */
  spinner?: boolean;
  /** Stamps each event's lines; default the experiment's own clock. */
  clock?: ExperimentClock;
}): LiveView {
  const { out, err, json, now, startedAt } = options;
  const elapsed = () => (now() - startedAt) / 1_000;
  const clock = options.clock ?? createExperimentClock();
  const spinning = !json && (options.spinner ?? out.isTTY === true);
  let status = nextStep(startProgress("")).waitingFor;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    out.write(
      `${clearLine}${frames[frame++ % frames.length]} ${formatClock(elapsed())}  ${status}`,
    );
  };
  const print = (lines: readonly string[], stream: Output = out) => {
    if (lines.length === 0) return;
    if (timer) out.write(clearLine);
    stream.write(`${lines.join("\n")}\n`);
    if (timer) draw();
  };
  if (spinning) {
    timer = setInterval(draw, 100);
    timer.unref();
    draw();
  }
  return {
    event(event, progress) {
      status = nextStep(progress).waitingFor;
      if (json) return void out.write(`${JSON.stringify(event)}\n`);
      const at = clock(event) ?? elapsed();
      print(describeEvent(event).map((step) => formatStep(at, step)));
    },
    note: (line) => print([line], json ? err : out),
    hold() {
      if (!timer) return () => undefined;
      clearInterval(timer);
      out.write(clearLine);
      timer = undefined;
      return () => {
        timer ??= setInterval(draw, 100);
        timer.unref();
      };
    },
    finish(lines) {
      if (timer) {
        clearInterval(timer);
        out.write(clearLine);
        timer = undefined;
      }
      print(lines, json ? err : out);
    },
  };
}
