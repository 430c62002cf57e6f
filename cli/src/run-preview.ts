import { groupRefusals, type JobMessage } from "@macaque/shared";
import {
  allowedVictims,
  describeGroup,
  describeGroupState,
  groupViewOf,
  type GroupView,
} from "./ask-count.ts";
import { describeTarget, type Aws } from "./aws.ts";
import { limitsOf, type CliConfig } from "./config.ts";
import { confirmationLines, confirmationQuestion } from "./confirm-run.ts";
import { InvalidInputError } from "./errors.ts";
import type { Terminal } from "./experiment.ts";

/** What `macaque run` shows on a terminal before it sends anything, and the questions it asks. */

/**
 * Shows where the CLI points, the group and the limits; a group the producer
 * is bound to refuse (shared's `groupRefusals`, the producer's own rules) is
 * refused here, with every reason, before anything is asked.
 */
export async function showGroup(
  aws: Aws,
  config: CliConfig,
  terminal: Terminal,
  asg: string,
): Promise<GroupView> {
  const state = await describeGroup(aws.autoScaling(), asg, aws.region, () => aws.elb());
  const limits = limitsOf(config);
  const refusals = groupRefusals(state, limits.optInTag);
  if (refusals.length > 0) {
    throw new InvalidInputError(
      `the producer would refuse any experiment on ${asg} now; nothing was asked or sent`,
      refusals.map((r) => r.message),
    );
  }
  const group = groupViewOf(state);
  const allowance = allowedVictims(group, limits);
  const target = await describeTarget(aws, "Auto Scaling");
  terminal.out.write(`${[target, ...describeGroupState(group, limits, allowance)].join("\n")}\n`);
  return group;
}

/** Asks the person at the terminal to say yes; any other answer sends nothing (exit 2). */
export async function confirmTermination(
  aws: Aws,
  terminal: Terminal,
  job: JobMessage,
  group: GroupView,
): Promise<void> {
  const account = await aws.account();
  terminal.out.write(`${confirmationLines(job, group).join("\n")}\n`);
  const question = confirmationQuestion(
    job,
    group,
    "id" in account ? account.id : undefined,
    aws.region,
  );
  if (!(await terminal.confirm(question))) {
    throw new InvalidInputError(
      `not terminating: the answer was not yes; nothing was sent to terminate instances of ${group.name}`,
    );
  }
}
