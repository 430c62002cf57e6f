import { formatInstant, formatSelector, plural } from "@macaque/shared";
import type { EventData } from "@macaque/shared";
import { subjectLine } from "./escape.ts";
import type { Report } from "./report.ts";

type ExperimentRejected = EventData<"macaque.experiment.rejected">;

const stageWords = {
  parse: "the message could not be read",
  validation: "the message is not a valid job message",
  guardrail: "a safety guardrail refused it",
} as const;

/** Why a request was refused, every reason listed, so the requester can fix it. */
export function buildRejectionReport(data: ExperimentRejected): Report {
  const reasons = data.reasons.map((r) => `${r.message} [${r.code}]`);
  const target =
    data.asg ??
    (data.selector
      ? `groups tagged ${formatSelector(data.selector)}`
      : `request ${data.requestId}`);
  const selected = data.selector
    ? [
        {
          label: "Selected by",
          value: `tags ${formatSelector(data.selector)}${data.parentRequestId ? ` (request ${data.parentRequestId})` : ""}`,
        },
      ]
    : [];
  const count =
    data.reasons.length === 1 ? data.reasons[0]!.code : plural(data.reasons.length, "reason");
  return {
    kind: "rejection",
    experimentId: data.experimentId,
    subject: subjectLine(target, `: request rejected (${count})`),
    title: `Request rejected: ${target}`,
    status: { label: "Rejected - nothing was terminated", tone: "bad" },
    facts: [
      { label: "Group", value: data.asg ?? "(not given)" },
      ...selected,
      { label: "Requested by", value: data.requestedBy ?? "(not given)" },
      { label: "Request id", value: data.requestId },
      { label: "Experiment id", value: data.experimentId },
      { label: "Refused because", value: stageWords[data.stage] },
      { label: "Rejected at", value: formatInstant(data.rejectedAt) },
    ],
    sections: [
      { kind: "list", title: "Reasons", items: reasons, empty: "" },
      { kind: "preformatted", title: "The message as received", text: data.receivedBody },
    ],
    summary: [
      `Rejected: ${stageWords[data.stage]}; nothing was terminated`,
      ...reasons.slice(0, 3).map((r) => `- ${r}`),
      ...(reasons.length > 3 ? [`- and ${reasons.length - 3} more`] : []),
      `Request: ${data.requestId}${data.requestedBy ? ` by ${data.requestedBy}` : ""}`,
    ],
  };
}
