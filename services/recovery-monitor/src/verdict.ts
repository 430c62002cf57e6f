import type { RecoveryOutcome, Verdict } from "@macaque/shared";

/**
 * PASS when the group recovered within the target, FAIL when it took longer, did
 * not recover at all or was stopped by an alarm, no verdict when the request set no target. The measured time
 * can be off the true one by up to its stated precision (`precisionSeconds`: about
 * one check interval when polling, far less when a launch event dated it), so a
 * recovery just inside the target may be judged FAIL.
 */
export function decideVerdict(
  outcome: RecoveryOutcome,
  timeToRecoverSeconds: number | null,
  targetSeconds: number | undefined,
): Verdict {
  if (targetSeconds === undefined || outcome === "abandoned" || outcome === "aborted")
    return "none";
  if (outcome !== "recovered" || timeToRecoverSeconds === null) return "fail";
  return timeToRecoverSeconds <= targetSeconds ? "pass" : "fail";
}
