/**
 * The terminator trusts nothing it was told at planning time: just before
 * terminating, each victim must still be InService in the experiment's group,
 * running in EC2, and not excluded. This module turns what AWS said (facts) into
 * a decision per victim, terminate or skip; it does no I/O.
 */
import { formatTag, type Tag } from "@macaque/shared";

/** What AWS said about one victim a moment ago. */
export interface VictimFacts {
  instanceId: string;
  /** Auto Scaling's view; undefined when no group manages the instance. */
  membership: { group: string; lifecycleState: string } | undefined;
  /** EC2's view; undefined when EC2 does not know the instance. */
  instance: { state: string; tags: readonly Tag[] } | undefined;
}

export type VictimDecision =
  | { instanceId: string; terminate: true }
  | { instanceId: string; terminate: false; reason: string };

/** Decides for each victim, in the order given (the caller names each once). */
export function decideVictims(options: {
  asg: string;
  victims: readonly string[];
  facts: readonly VictimFacts[];
  excludeTag: Tag;
}): VictimDecision[] {
  const factsById = new Map(options.facts.map((f) => [f.instanceId, f]));
  return options.victims.map((instanceId) => {
    const problems = findProblems(options.asg, options.excludeTag, factsById.get(instanceId));
    if (problems.length === 0) return { instanceId, terminate: true };
    return {
      instanceId,
      terminate: false,
      reason: `not terminating ${instanceId}: ${problems.join("; ")}`,
    };
  });
}

/** Every check that fails, so the report says all that changed, not just the first. */
function findProblems(asg: string, excludeTag: Tag, facts: VictimFacts | undefined): string[] {
  const problems: string[] = [];
  const membership = facts?.membership;
  if (!membership) problems.push(`it is not in group ${asg}`);
  else if (membership.group !== asg)
    problems.push(`it is not in group ${asg} (it is in ${membership.group})`);
  else if (membership.lifecycleState !== "InService")
    problems.push(`it is no longer InService in ${asg} (${membership.lifecycleState})`);

  const instance = facts?.instance;
  if (!instance) {
    problems.push("EC2 does not know it");
    return problems;
  }
  if (instance.tags.some((t) => t.key === excludeTag.key && t.value === excludeTag.value))
    problems.push(`it now carries ${formatTag(excludeTag)}`);
  if (instance.state !== "running") problems.push(`it is ${instance.state} in EC2, not running`);
  return problems;
}
