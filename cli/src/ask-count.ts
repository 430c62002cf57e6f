import {
  DescribeAutoScalingGroupsCommand,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import { number } from "@inquirer/prompts";
import { InvalidInputError } from "./errors.ts";

/** Streams and abort signal of a prompt (tests and non-default terminals). */
export type PromptContext = Parameters<typeof number>[1];

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
  tags: Record<string, string>;
}

export interface Allowance {
  max: number;
  /** Each limit and what it allows, in the order shown. */
  bounds: { limit: string; allows: number }[];
}

export async function describeGroupView(
  autoScaling: AutoScalingClient,
  name: string,
  region: string,
): Promise<GroupView> {
  const out = await autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  const group = out.AutoScalingGroups?.[0];
  if (!group) throw new InvalidInputError(`no Auto Scaling group named ${name} in ${region}`);
  const instances = group.Instances ?? [];
  return {
    name,
    desiredCapacity: group.DesiredCapacity ?? 0,
    inService: instances.filter((i) => i.LifecycleState === "InService").length,
    inServiceHealthy: instances.filter(
      (i) => i.LifecycleState === "InService" && i.HealthStatus === "Healthy",
    ).length,
    inTransition: instances.filter((i) => /^(Pending|Terminating)/.test(i.LifecycleState ?? ""))
      .length,
    tags: Object.fromEntries((group.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
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
  const { key, value } = limits.optInTag;
  const moving = group.inTransition ? `, ${group.inTransition} starting or stopping` : "";
  const width = Math.max(...allowance.bounds.map((b) => b.limit.length));
  const lines = [
    `${group.name}: ${group.inService} InService (${group.inServiceHealthy} Healthy) of desired ${group.desiredCapacity}${moving}`,
    `the policy allows at most ${allowance.max}:`,
    ...allowance.bounds.map((b) => `  ${b.limit.padEnd(width)}  → ${b.allows}`),
  ];
  if (group.tags[key] !== value) {
    lines.push(
      `warning: ${group.name} is not opted in (tag ${key}=${value}); the producer will refuse`,
    );
  }
  if (group.inServiceHealthy !== group.desiredCapacity || group.inTransition > 0) {
    lines.push(`warning: ${group.name} is not steady; the producer will refuse until it is`);
  }
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
  context?: PromptContext,
): Promise<number> {
  if (allowance.max < 1) {
    throw new InvalidInputError(
      `the policy allows no instance of ${group.name} to be terminated now`,
      [...allowance.bounds.filter((b) => b.allows < 1).map((b) => `${b.limit} allows none`)],
    );
  }
  return number(
    {
      message: `How many instances of ${group.name} to terminate? (1-${allowance.max})`,
      required: true,
      validate: (value) => checkCount(value, allowance.max),
    },
    context,
  );
}
