/**
 * Load-balancer target health as plain data: what Elastic Load Balancing's
 * DescribeTargetHealth says about one target group, read the same way by the
 * producer (steady-state gate), the monitor (the `serving` milestone), the
 * notifier and the CLI. Pure: no SDK types, no zod.
 */

/** One registered target: ELB's TargetHealth state and, when not healthy, why. */
export interface TargetState {
  /** The instance id (ELB's Target.Id). */
  id: string;
  port?: number | undefined;
  /** initial, healthy, unhealthy, unused, draining, unavailable, ... */
  state: string;
  /** ELB's reason code, e.g. Target.FailedHealthChecks. */
  reason?: string | undefined;
  description?: string | undefined;
}

export interface TargetGroupHealth {
  arn: string;
  /** The name, read from the ARN (`...:targetgroup/<name>/<id>`). */
  name: string;
  targets: TargetState[];
}

/** The parts of DescribeAutoScalingGroups that name a group's target groups. */
export interface DescribedTargetGroups {
  TargetGroupARNs?: string[] | undefined;
  TrafficSources?: { Identifier?: string | undefined; Type?: string | undefined }[] | undefined;
}

/**
 * A group's target groups: `TargetGroupARNs` (attached the classic way) and
 * `TrafficSources` of type `elbv2` (attached as traffic sources), each once, sorted.
 */
export function targetGroupArnsOf(group: DescribedTargetGroups): string[] {
  const arns = new Set(group.TargetGroupARNs ?? []);
  for (const source of group.TrafficSources ?? []) {
    if (source.Type === "elbv2" && source.Identifier) arns.add(source.Identifier);
  }
  return [...arns].filter((a) => a.length > 0).sort();
}

/** `arn:aws:elasticloadbalancing:us-east-1:123:targetgroup/web/abc` → `web`; the ARN itself otherwise. */
export function targetGroupNameOf(arn: string): string {
  const match = /:targetgroup\/([^/]+)\//.exec(arn);
  return match?.[1] ?? arn;
}

/** The parts of DescribeTargetHealth's answer a TargetGroupHealth is read from. */
export interface DescribedTargetHealth {
  Target?: { Id?: string | undefined; Port?: number | undefined } | undefined;
  TargetHealth?:
    | {
        State?: string | undefined;
        Reason?: string | undefined;
        Description?: string | undefined;
      }
    | undefined;
}

export function targetGroupHealthOf(
  arn: string,
  descriptions: readonly DescribedTargetHealth[],
): TargetGroupHealth {
  return {
    arn,
    name: targetGroupNameOf(arn),
    targets: descriptions.map((d) => ({
      id: d.Target?.Id ?? "",
      ...(d.Target?.Port !== undefined && { port: d.Target.Port }),
      state: d.TargetHealth?.State ?? "",
      ...(d.TargetHealth?.Reason !== undefined && { reason: d.TargetHealth.Reason }),
      ...(d.TargetHealth?.Description !== undefined && {
        description: d.TargetHealth.Description,
      }),
    })),
  };
}

/** `i-1 (unhealthy: Target.FailedHealthChecks)`, `i-2 (initial)`. */
export function formatTarget(target: TargetState): string {
  const why = target.reason ?? target.description;
  return `${target.id} (${target.state}${why ? `: ${why}` : ""})`;
}

/**
 * Whether recovery waits for `serving`: the request's `requireServing`, by
 * default true when the group has target groups; never without target groups.
 */
export function requiresServing(experiment: {
  targetGroupArns?: readonly string[] | undefined;
  recovery: { requireServing?: boolean | undefined };
}): boolean {
  return (
    (experiment.targetGroupArns?.length ?? 0) > 0 && experiment.recovery.requireServing !== false
  );
}
