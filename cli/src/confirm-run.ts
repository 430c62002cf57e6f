import type { JobMessage } from "@macaque/shared";
import type { GroupView } from "./ask-count.ts";

/**
 * What a person is asked to say yes to before a real termination. The CLI
 * knows how many, not which: the producer chooses the victims (and applies
 * the exclusion tags the CLI does not read), so the preview says so.
 */

const modeMeaning: Record<JobMessage["mode"], string> = {
  ec2: "EC2 TerminateInstances, a crash the group must detect",
  asg: "TerminateInstanceInAutoScalingGroup, desired capacity kept",
};

/** "2 of 4 instances", or the share when only the producer can count the eligible. */
export function victimsOf(job: JobMessage, group: GroupView): string {
  const of = `${group.inService} instance${group.inService === 1 ? "" : "s"}`;
  if (job.count !== undefined) return `${job.count} of ${of}`;
  return `${job.percent}% (rounded up) of the eligible among ${of}`;
}

/** The lines shown under the group, before the question. */
export function confirmationLines(job: JobMessage, group: GroupView): string[] {
  return [
    `to terminate: ${victimsOf(job, group)} of ${group.name}, chosen by the producer`,
    `mode ${job.mode}: ${modeMeaning[job.mode]}`,
  ];
}

/** `account` is the STS account id, or undefined when STS was not asked or did not say. */
export function confirmationQuestion(
  job: JobMessage,
  group: GroupView,
  account: string | undefined,
  region: string,
): string {
  return `Terminate ${victimsOf(job, group)} of ${group.name} in ${account ?? "unknown"} / ${region}? [y/N]`;
}
