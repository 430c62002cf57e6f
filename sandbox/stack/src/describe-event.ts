import { EventType, type AnyCloudEvent } from "@macaque/shared";

const ids = (list: readonly { instanceId: string }[]) => list.map((i) => i.instanceId).join(", ");

export interface DescribeOptions {
  /**
   * The fleet simulator's time scale. Below 1 a measured time is the
   * simulator's, not a real group's, and the line says so. Default 1.
   */
  timeScale?: number;
}

/** One line a person can follow, per event. */
export function describeEvent(event: AnyCloudEvent, options: DescribeOptions = {}): string {
  switch (event.type) {
    case EventType.experimentPlanned: {
      const { experiment, candidates } = event.data;
      const what = experiment.dryRun ? "dry run planned" : "planned";
      return `${what}: ${experiment.victims.length} of ${candidates.length} eligible in ${experiment.asg} (desired ${experiment.desiredCapacity}), victims ${ids(experiment.victims)}, seed ${experiment.seed}`;
    }
    case EventType.experimentRejected:
      return `rejected: ${event.data.reasons.map((r) => r.message).join("; ")}`;
    case EventType.instancesTerminated: {
      const done = event.data.terminations.filter((t) => t.outcome === "terminated");
      return `terminated (${event.data.experiment.mode} mode): ${ids(done)}`;
    }
    case EventType.terminationFailed:
      return `termination failed: ${event.data.reason}`;
    case EventType.recoveryProgressed: {
      const o = event.data.observed;
      return `recovery: ${event.data.milestone} after ${event.data.elapsedSeconds.toFixed(1)} s (InService ${o.inService}, healthy ${o.inServiceHealthy} of ${o.desiredCapacity}, pending ${o.pending})`;
    }
    case EventType.recoveryCompleted: {
      const d = event.data;
      const ttr =
        d.timeToRecoverSeconds === null
          ? "did not recover before the deadline"
          : `time to recover ${d.timeToRecoverSeconds.toFixed(1)} s (± ${d.checkIntervalSeconds} s)`;
      const line = `recovery ${d.outcome}: ${ttr}, verdict ${d.verdict.toUpperCase()}, ${d.checks} checks`;
      return `${line}${scaleNote(d.timeToRecoverSeconds, options.timeScale ?? 1)}`;
    }
    case EventType.reportSent:
      return `report sent to ${event.data.recipients.join(", ") || "no email recipients"}: "${event.data.subject}"`;
  }
}

/** ", simulated at time scale 0.05: about 50 s at real speed" (the simulator's delays scale linearly). */
function scaleNote(seconds: number | null, timeScale: number): string {
  if (timeScale === 1) return "";
  const note = `, simulated at time scale ${timeScale}`;
  return seconds === null
    ? note
    : `${note}: about ${Math.round(seconds / timeScale)} s at real speed`;
}
