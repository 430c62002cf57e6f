import { EventType, type AnyCloudEvent } from "@macaque/shared";

const ids = (list: readonly { instanceId: string }[]) => list.map((i) => i.instanceId).join(", ");

/** One line a person can follow, per event. */
export function describeEvent(event: AnyCloudEvent): string {
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
      return `recovery ${d.outcome}: ${ttr}, verdict ${d.verdict.toUpperCase()}, ${d.checks} checks`;
    }
    case EventType.reportSent:
      return `report sent to ${event.data.recipients.join(", ") || "no email recipients"}: "${event.data.subject}"`;
  }
}
