import { formatInstant } from "@macaque/shared";
import type { EventData } from "@macaque/shared";
import { subjectLine } from "./escape.ts";
import { idList, requestFacts } from "./experiment-facts.ts";
import type { Report } from "./report.ts";

type TerminationFailed = EventData<"macaque.termination.failed">;

/** The terminator could not carry out the plan: why, and what happened to each victim. */
export function buildTerminationFailureReport(data: TerminationFailed): Report {
  const { experiment } = data;
  const terminated = data.terminations.filter((t) => t.outcome === "terminated");
  const victimIds = experiment.victims.map((v) => v.instanceId);
  return {
    kind: "termination-failure",
    experimentId: experiment.id,
    subject: subjectLine(experiment.asg, ": termination failed"),
    title: `Termination failed: ${experiment.asg}`,
    status: {
      label:
        terminated.length === 0
          ? "Termination failed - nothing was terminated"
          : `Termination failed - ${terminated.length} of ${victimIds.length} terminated`,
      tone: "bad",
    },
    facts: [
      { label: "Reason", value: data.reason, tone: "bad" },
      { label: "Planned victims", value: idList(victimIds) },
      { label: "Terminated", value: idList(terminated.map((t) => t.instanceId)) },
      ...requestFacts(experiment),
    ],
    sections: [
      {
        kind: "table",
        title: "Per instance",
        columns: ["Instance", "Outcome", "Reason", "Time"],
        rows: data.terminations.map((t) => [
          t.instanceId,
          t.outcome,
          t.reason ?? "",
          formatInstant(t.at),
        ]),
        empty: "no instance was attempted",
      },
    ],
    summary: [
      `Termination failed: ${data.reason}`,
      ...data.terminations
        .slice(0, 5)
        .map((t) => `- ${t.instanceId}: ${t.outcome}${t.reason ? ` (${t.reason})` : ""}`),
      `Experiment: ${experiment.id}`,
    ],
  };
}
