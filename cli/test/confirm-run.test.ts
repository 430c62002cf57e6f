import { describe, expect, it } from "vitest";
import type { GroupView } from "../src/ask-count.ts";
import { confirmationLines, confirmationQuestion } from "../src/confirm-run.ts";
import { isYes } from "../src/prompt.ts";
import type { JobMessage } from "@macaque/shared";

const group: GroupView = {
  name: "web",
  desiredCapacity: 4,
  inService: 4,
  inServiceHealthy: 4,
  inTransition: 0,
  tags: {},
};
const job = (over: Partial<JobMessage>): JobMessage =>
  ({ asg: "web", mode: "ec2", dryRun: false, ...over }) as JobMessage;

describe("confirmationQuestion", () => {
  it.each<[string, Partial<JobMessage>, string | undefined, string]>([
    [
      "a count, with the account",
      { count: 2 },
      "123456789012",
      "Terminate 2 of 4 instances of web in 123456789012 / eu-west-1? [y/N]",
    ],
    [
      "a count, account unknown",
      { count: 1 },
      undefined,
      "Terminate 1 of 4 instances of web in unknown / eu-west-1? [y/N]",
    ],
    [
      "a share, which only the producer can count",
      { percent: 25 },
      undefined,
      "Terminate 25% (rounded up) of the eligible among 4 instances of web in unknown / eu-west-1? [y/N]",
    ],
  ])("asks about %s", (_what, over, account, question) => {
    expect(confirmationQuestion(job(over), group, account, "eu-west-1")).toBe(question);
  });

  it("says who chooses the victims and what the mode does", () => {
    expect(confirmationLines(job({ count: 2, mode: "asg" }), group)).toEqual([
      "to terminate: 2 of 4 instances of web, chosen by the producer",
      "mode asg: TerminateInstanceInAutoScalingGroup, desired capacity kept",
    ]);
  });
});

describe("isYes", () => {
  it.each<[string, boolean]>([
    ["y", true],
    ["Y", true],
    ["yes", true],
    [" YeS ", true],
    ["", false],
    ["n", false],
    ["no", false],
    ["yep", false],
    ["y es", false],
  ])("takes %j as %s", (answer, yes) => {
    expect(isYes(answer)).toBe(yes);
  });
});
