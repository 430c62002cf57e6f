import type { GroupObservation, TargetGroupHealth } from "@macaque/shared";

/**
 * Whether the group serves again through its load balancer: at least the
 * plan-time desired capacity of its InService instances is `healthy` in every one
 * of its target groups, and no victim is still registered in any of them other
 * than `draining` (a victim still `healthy` there would take traffic it cannot
 * serve; one `draining` is on its way out). Without the target states of every
 * target group (a failed or skipped DescribeTargetHealth) the group is not serving.
 */
export function isServing(
  observed: Pick<GroupObservation, "instances" | "targetGroups">,
  targetGroupArns: readonly string[],
  victims: readonly string[],
  desiredCapacity: number,
): boolean {
  const groups = observed.targetGroups ?? [];
  const byArn = new Map(groups.map((g) => [g.arn, g]));
  const wanted = targetGroupArns.map((arn) => byArn.get(arn));
  if (wanted.some((g) => g === undefined)) return false;
  const present = wanted as TargetGroupHealth[];
  const victimSet = new Set(victims);
  const victimRegistered = present.some((g) =>
    g.targets.some((t) => victimSet.has(t.id) && t.state !== "draining"),
  );
  if (victimRegistered) return false;
  const serving = observed.instances.filter(
    (i) =>
      i.lifecycleState === "InService" &&
      !victimSet.has(i.instanceId) &&
      present.every((g) => g.targets.some((t) => t.id === i.instanceId && t.state === "healthy")),
  );
  return serving.length >= desiredCapacity;
}

/**
 * The target groups that, each on its own, serve the group again by the same
 * rule: the desired capacity of InService instances healthy in it, and no victim
 * registered in it but draining. For the report's phase per target group.
 */
export function servingTargetGroups(
  observed: Pick<GroupObservation, "instances" | "targetGroups">,
  targetGroupArns: readonly string[],
  victims: readonly string[],
  desiredCapacity: number,
): string[] {
  return targetGroupArns.filter((arn) => isServing(observed, [arn], victims, desiredCapacity));
}
