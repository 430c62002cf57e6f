/**
 * An independent client: the AWS CLI (Python, botocore: its own parser, not the
 * JS SDK's) reads the simulator's Elastic Load Balancing answers. Skipped, saying
 * why, on a machine without the `aws` command.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, uniqueName } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

const run = promisify(execFile);
const awsCli = await run("aws", ["--version"]).then(
  (out) => `${out.stdout}${out.stderr}`.trim(),
  () => undefined,
);

// Skipped where the AWS CLI is not installed (CI installs only what the tests need; the
// JS SDK's own tests of these answers run everywhere): a second, independent parser is a
// bonus check, not a requirement.
describe.skipIf(awsCli === undefined)(`the AWS CLI (${awsCli ?? "not installed"})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ timeScale: 0.01 });
  });
  afterAll(() => h?.close());

  const aws = async (...args: string[]) => {
    const out = await run(
      "aws",
      [...args, "--endpoint-url", h.sim.url, "--region", "us-east-1", "--output", "json"],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        },
      },
    );
    return JSON.parse(out.stdout) as Record<string, unknown>;
  };

  it("describes a group's target group and its targets' health", async () => {
    const name = uniqueName("cli");
    const view = await h.control.createGroup({
      name,
      desiredCapacity: 2,
      targetGroups: [{ name: uniqueName("tg"), port: 8080 }],
    });
    const tg = view.targetGroups[0]!;

    const groups = await aws("elbv2", "describe-target-groups", "--names", tg.name);
    expect(groups.TargetGroups).toEqual([
      expect.objectContaining({ TargetGroupArn: tg.arn, TargetGroupName: tg.name, Port: 8080 }),
    ]);

    const health = await aws("elbv2", "describe-target-health", "--target-group-arn", tg.arn);
    const descriptions = health.TargetHealthDescriptions as {
      Target: { Id: string; Port: number };
      TargetHealth: { State: string };
    }[];
    expect(descriptions.map((d) => d.Target.Id).sort()).toEqual(
      view.instances.map((i) => i.instanceId).sort(),
    );
    expect(descriptions.map((d) => d.TargetHealth.State)).toEqual(["healthy", "healthy"]);

    const asg = await aws(
      "autoscaling",
      "describe-auto-scaling-groups",
      "--auto-scaling-group-names",
      name,
    );
    expect(asg.AutoScalingGroups).toEqual([expect.objectContaining({ TargetGroupARNs: [tg.arn] })]);
  });

  it("reports an unknown target group with AWS's error code", async () => {
    const arn =
      "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/none/0000000000000000";
    await expect(aws("elbv2", "describe-target-health", "--target-group-arn", arn)).rejects.toThrow(
      /TargetGroupNotFound/,
    );
  });
});
