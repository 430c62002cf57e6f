import type { RecoveryOutcome, Verdict } from "@macaque/shared";

/**
 * PASS when the group recovered within the target, FAIL when it took longer or did
 * not recover at all, no verdict when the request set no target. The measured time
 * can overshoot the true one by up to one check interval, so a recovery just inside
 * the target may be judged FAIL: choose the interval with the target in mind.
 */
export function decideVerdict(
  outcome: RecoveryOutcome,
  timeToRecoverSeconds: number | null,
  targetSeconds: number | undefined,
): Verdict {
  if (targetSeconds === undefined || outcome === "aborted") return "none";
  if (outcome === "not-recovered" || timeToRecoverSeconds === null) return "fail";
  return timeToRecoverSeconds <= targetSeconds ? "pass" : "fail";
}
