/**
 * A terminate call whose answer was lost (a timeout after AWS acted) leaves its
 * victim on the way out: shutting-down in EC2, or Terminating in its group. The
 * re-check would then skip it and the report say nothing was terminated while the
 * group is in fact healing. So each call is recorded before it is made, and a
 * victim we called for that AWS is now terminating counts as terminated, at the
 * time of the call. No I/O here.
 */
import type { TerminationOutcome } from "@macaque/shared";
import type { Mode } from "./terminate.ts";
import type { VictimFacts } from "./victim-decisions.ts";

const goneInEc2 = new Set(["shutting-down", "terminated"]);

/**
 * Whether AWS is terminating the victim. In `asg` mode the group acts first
 * (Terminating, Terminating:Wait, …, then lets go of it); in `ec2` mode only EC2
 * has been told, so only EC2's view counts.
 */
export function isBeingTerminated(
  mode: Mode,
  asg: string,
  facts: VictimFacts | undefined,
): boolean {
  if (facts?.instance && goneInEc2.has(facts.instance.state)) return true;
  if (mode === "ec2") return false;
  const membership = facts?.membership;
  // Out of the group yet still running was detached, not terminated.
  if (!membership) return facts?.instance?.state !== "running";
  return membership.group === asg && membership.lifecycleState.startsWith("Terminating");
}

/** Victims we called for (id → time of the call) that AWS is now terminating, as terminated. */
export function confirmAttempts(options: {
  mode: Mode;
  asg: string;
  facts: readonly VictimFacts[];
  attempts: ReadonlyMap<string, string>;
}): TerminationOutcome[] {
  return options.facts.flatMap((facts) => {
    const at = options.attempts.get(facts.instanceId);
    if (at === undefined || !isBeingTerminated(options.mode, options.asg, facts)) return [];
    return [{ instanceId: facts.instanceId, outcome: "terminated" as const, at }];
  });
}
