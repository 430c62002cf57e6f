import {
  DescribeAutoScalingGroupsCommand,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  groupStateOf,
  isInServiceHealthy,
  targetGroupArnsOf,
  targetGroupHealthOf,
  type GroupState,
} from "@macaque/shared";
import { InvalidInputError } from "./errors.ts";

/** Asks for a number until `check` accepts it (the terminal's prompt). */
export type AskNumber = (
  message: string,
  check: (value: number | undefined) => true | string,
) => Promise<number>;

/**
 * Step 2 of the workflow, asked in person: shows the group as it is now and
 * how many instances the operator's limits allow, then asks how many to
 * terminate. The producer still decides (it also knows the exclusion tags);
 * this only keeps a person from typing a number that is bound to be refused.
 */

/** The producer's limits, read from the same variables. */
export interface Limits {
  maxInstancesPerExperiment: number;
  maxPercentOfGroup: number;
  minInServiceAfter: number;
  optInTag: { key: string; value: string };
}

export interface GroupView {
  name: string;
  desiredCapacity: number;
  inService: number;
  inServiceHealthy: number;
  /** Instances starting or stopping. */
  inTransition: number;
  tags: Readonly<Record<string, string>>;
}

export interface Allowance {
  max: number;
  /** Each limit and what it allows, in the order shown. */
  bounds: { limit: string; allows: number }[];
}

/**
 * Reads the group as the producer does (Auto Scaling, and the target health of
 * its target groups when `elb` is given and it has any; instance tags, which
 * only decide exclusions, stay unread), so shared's `groupRefusals` can say
 * before anything is asked whether the producer is bound to refuse.
 */
export async function describeGroup(
  autoScaling: AutoScalingClient,
  name: string,
  region: string,
  elb?: () => ElasticLoadBalancingV2Client,
): Promise<GroupState> {
  const described = await autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  const group = described.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
  if (!group) throw new InvalidInputError(`no Auto Scaling group named ${name} in ${region}`);
  const arns = targetGroupArnsOf(group);
  const targetGroups =
    elb && arns.length > 0
      ? await Promise.all(
          arns.map(async (arn) => {
            const out = await elb().send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
            return targetGroupHealthOf(arn, out.TargetHealthDescriptions ?? []);
          }),
        )
      : undefined;
  return groupStateOf(name, group, undefined, targetGroups);
}

/** The counts shown before the question. */
export function groupViewOf(group: GroupState): GroupView {
  const { instances } = group;
  return {
    name: group.name,
    desiredCapacity: group.desiredCapacity,
    inService: instances.filter((i) => i.lifecycleState === "InService").length,
    inServiceHealthy: instances.filter(isInServiceHealthy).length,
    inTransition: instances.filter((i) => /^(Pending|Terminating)/.test(i.lifecycleState)).length,
    tags: group.tags,
  };
}

/** The most the producer's limits let one experiment terminate in this group now. */
export function allowedVictims(group: GroupView, limits: Limits): Allowance {
  const bounds = [
    {
      limit: `MAX_INSTANCES_PER_EXPERIMENT ${limits.maxInstancesPerExperiment}`,
      allows: limits.maxInstancesPerExperiment,
    },
    {
      limit: `MAX_PERCENT_OF_GROUP ${limits.maxPercentOfGroup}% of desired ${group.desiredCapacity}`,
      allows: Math.floor((group.desiredCapacity * limits.maxPercentOfGroup) / 100),
    },
    {
      limit: `MIN_IN_SERVICE_AFTER ${limits.minInServiceAfter} of ${group.inServiceHealthy} InService and Healthy`,
      allows: Math.max(0, group.inServiceHealthy - limits.minInServiceAfter),
    },
  ];
  return { max: Math.min(...bounds.map((b) => b.allows)), bounds };
}

/** What is shown before the question: the group now, and each limit with what it allows. */
export function describeGroupState(
  group: GroupView,
  limits: Limits,
  allowance: Allowance,
): string[] {
  const moving = group.inTransition ? `, ${group.inTransition} starting or stopping` : "";
  const width = Math.max(...allowance.bounds.map((b) => b.limit.length));
  const lines = [
    `${group.name}: ${group.inService} InService (${group.inServiceHealthy} Healthy) of desired ${group.desiredCapacity}${moving}`,
    `the policy allows at most ${allowance.max}:`,
    ...allowance.bounds.map((b) => `  ${b.limit.padEnd(width)}  → ${b.allows}`),
  ];
  return lines;
}

/** Checks an answer; a message says what is wrong, `true` accepts it. */
export function checkCount(value: number | undefined, max: number): true | string {
  if (value === undefined || !Number.isInteger(value)) return "enter a whole number";
  if (value < 1) return "terminate at least 1 instance";
  if (value > max) return `${value} is more than the policy allows (at most ${max})`;
  return true;
}

/** Asks how many; rejects with InvalidInputError when the limits allow none. */
export async function askCount(
  group: GroupView,
  allowance: Allowance,
  ask: AskNumber,
): Promise<number> {
  if (allowance.max < 1) {
    throw new InvalidInputError(
      `the policy allows no instance of ${group.name} to be terminated now`,
      [...allowance.bounds.filter((b) => b.allows < 1).map((b) => `${b.limit} allows none`)],
    );
  }
  return ask(`How many instances of ${group.name} to terminate? (1-${allowance.max})`, (value) =>
    checkCount(value, allowance.max),
  );
}
