import { formatDuration, plural } from "@macaque/shared";
import type { EventData } from "@macaque/shared";
import { subjectLine } from "./escape.ts";
import { idList, instanceColumns, instanceRow, requestFacts } from "./experiment-facts.ts";
import type { Report } from "./report.ts";

type ExperimentPlanned = EventData<"macaque.experiment.planned">;

/** A dry run's result is its plan: which instances it would have terminated, and why those. */
export function buildDryRunReport(data: ExperimentPlanned): Report {
  const { experiment, group } = data;
  const victims = new Set(experiment.victims.map((v) => v.instanceId));
  const n = experiment.victims.length;
  const target = experiment.recovery.targetSeconds;
  const eligible = data.candidateCount ?? data.candidates.length;
  return {
    kind: "dry-run",
    experimentId: experiment.id,
    subject: subjectLine(experiment.asg, `: dry run, would terminate ${n} of ${eligible} eligible`),
    title: `Dry run: ${experiment.asg}`,
    status: { label: "Dry run - nothing was terminated", tone: "info" },
    facts: [
      { label: "Would terminate", value: `${plural(n, "instance")}: ${idList([...victims])}` },
      {
        label: "Eligible",
        value: `${eligible} of ${group.instanceCount ?? group.instances.length} instances`,
      },
      { label: "Excluded", value: String(data.excludedCount ?? data.excluded.length) },
      { label: "Seed", value: experiment.seed },
      ...requestFacts(experiment),
      {
        label: "Desired capacity",
        value: `${group.desiredCapacity} (min ${group.minSize}, max ${group.maxSize})`,
      },
      {
        label: "Recovery check",
        value:
          `every ${formatDuration(experiment.recovery.checkIntervalSeconds)}, deadline ${formatDuration(experiment.recovery.deadlineSeconds)}` +
          (target === undefined ? ", no target" : `, target ${formatDuration(target)}`),
      },
    ],
    sections: [
      {
        kind: "note",
        title: "How the victims were chosen",
        text:
          `The eligible instances were shuffled with seed "${experiment.seed}" and the first ${n} taken. ` +
          "The same seed on an unchanged group chooses the same victims.",
      },
      {
        kind: "table",
        title: "Would-be victims",
        columns: instanceColumns,
        rows: experiment.victims.map(instanceRow),
        empty: "none",
      },
      {
        kind: "table",
        title: "Candidates in shuffled order",
        columns: ["#", "Instance", "Chosen"],
        rows: data.candidates.map((id, i) => [String(i + 1), id, victims.has(id) ? "victim" : ""]),
        empty: "no eligible instance",
      },
      {
        kind: "table",
        title: "Excluded",
        columns: ["Instance", "Why"],
        rows: data.excluded.map((e) => [e.instanceId, e.reason]),
        empty: "none",
      },
    ],
    summary: [
      `Dry run: would terminate ${idList([...victims])} (${n} of ${eligible} eligible)`,
      `Excluded: ${data.excluded.length}; seed: ${experiment.seed}`,
      `Experiment: ${experiment.id}`,
    ],
  };
}
