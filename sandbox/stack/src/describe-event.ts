import { EventType, describeEvent, type AnyCloudEvent } from "@macaque/shared";

export interface DescribeOptions {
  /**
   * The fleet simulator's time scale. Below 1 a measured time is the
   * simulator's, not a real group's, and the line says so. Default 1.
   */
  timeScale?: number;
}

/**
 * The demo's lines for one event: the same words as the CLI's live view
 * (shared `describeEvent`), one line per step, and the time scale beside a
 * measured recovery.
 */
export function demoLines(event: AnyCloudEvent, options: DescribeOptions = {}): string[] {
  const lines = describeEvent(event).map((step) =>
    step.label ? `${step.label}: ${step.text}` : `  ${step.text}`,
  );
  if (event.type === EventType.recoveryCompleted) {
    lines[0] += scaleNote(event.data.timeToRecoverSeconds, options.timeScale ?? 1);
  }
  return lines;
}

/** ", simulated at time scale 0.05: about 50 s at real speed" (the simulator's delays scale linearly). */
function scaleNote(seconds: number | null, timeScale: number): string {
  if (timeScale === 1) return "";
  const note = `, simulated at time scale ${timeScale}`;
  return seconds === null
    ? note
    : `${note}: about ${Math.round(seconds / timeScale)} s at real speed`;
}
