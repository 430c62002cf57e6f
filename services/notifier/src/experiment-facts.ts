import { formatSelector, type ExperimentContext, type InstanceSnapshot } from "@macaque/shared";
import type { Fact } from "./report.ts";

/** Facts every report about a planned experiment shows the same way. */

const modeWords = {
  ec2: "ec2 (EC2 TerminateInstances: a crash the group must detect)",
  asg: "asg (TerminateInstanceInAutoScalingGroup, desired capacity kept)",
} as const;

export function requestFacts(experiment: ExperimentContext): Fact[] {
  const facts: Fact[] = [
    { label: "Group", value: experiment.asg },
    { label: "Mode", value: modeWords[experiment.mode] },
  ];
  if (experiment.availabilityZone) {
    facts.push({ label: "Zone filter", value: experiment.availabilityZone });
  }
  if (experiment.fanOut) {
    const { selector, parentRequestId } = experiment.fanOut;
    facts.push({
      label: "Selected by",
      value: `tags ${formatSelector(selector)} (request ${parentRequestId})`,
    });
  }
  facts.push(
    { label: "Requested by", value: experiment.requestedBy ?? "(not given)" },
    { label: "Request id", value: experiment.requestId },
    { label: "Experiment id", value: experiment.id },
  );
  return facts;
}

export const instanceColumns = ["Instance", "Zone", "Lifecycle", "Health"];

export const instanceRow = (i: InstanceSnapshot): string[] => [
  i.instanceId,
  i.availabilityZone,
  i.lifecycleState,
  i.healthStatus,
];

/** `i-1, i-2` or a word for none, for one-line summaries. */
export const idList = (ids: readonly string[], none = "none"): string =>
  ids.length === 0 ? none : ids.join(", ");
