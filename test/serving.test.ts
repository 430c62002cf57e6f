import { randomBytes } from "node:crypto";
import { AutoScalingClient, SetDesiredCapacityCommand } from "@aws-sdk/client-auto-scaling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "@macaque/shared";
import { readInbox } from "@macaque/sandbox";
import { sandboxClient } from "./support/aws.ts";
import { startPipeline, type Pipeline } from "./support/pipeline.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * Recovered means serving: groups behind a load-balancer target group, end to end
 * through the real services, the fleet simulator playing ELB. Its target groups
 * need 5 checks 30 s apart (1.5 s at this time scale) before a replacement is
 * healthy, well after Auto Scaling calls it Healthy, so serving is a phase of its own.
 */
let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline({ timeScale: 0.01 });
}, 120_000);
afterAll(async () => {
  await p?.stop();
});

const checkIntervalSeconds = 0.25;

async function groupBehindTargetGroup(desiredCapacity = 4) {
  const name = `g-${randomBytes(3).toString("hex")}`;
  await p.createGroup({
    name,
    desiredCapacity,
    minSize: 2,
    maxSize: 8,
    targetGroups: [
      {
        name: `${name}-tg`,
        healthCheckIntervalSeconds: 30,
        healthyThresholdCount: 5,
        deregistrationDelaySeconds: 300,
      },
    ],
  });
  return name;
}

const emailFor = async (subject: string) =>
  (await readInbox(p.stack.endpoints.inbox)).find((e) => e.subject === subject);

describe.each(["ec2", "asg"] as const)("a group behind a target group, %s mode", (mode) => {
  it("recovers only once serving, measured against the simulator's servingAt", async () => {
    const asg = await groupBehindTargetGroup();
    const id = await p.submit({
      asg,
      count: 2,
      mode,
      recovery: { checkIntervalSeconds, deadlineSeconds: 30 },
      notify: { emails: ["oncall@example.com"] },
    });
    const planned = await p.waitForEvent(id, EventType.experimentPlanned);
    expect(planned.data.experiment.targetGroupArns).toHaveLength(1);
    expect(planned.data.group.targetGroups?.[0]?.name).toBe(`${asg}-tg`);

    const completed = await p.waitForEvent(id, EventType.recoveryCompleted);
    expect(completed.data.outcome).toBe("recovered");
    const { timeline } = completed.data;
    expect(timeline.servingAt).toBeDefined();
    expect(timeline.recoveredAt).toBe(timeline.servingAt);
    expect(Date.parse(timeline.servingAt!)).toBeGreaterThan(Date.parse(timeline.healthyAt!));
    expect(
      p
        .eventsOf(id)
        .some((e) => e.type === EventType.recoveryProgressed && e.data.milestone === "serving"),
    ).toBe(true);

    const [truth] = (await p.sim.timeline(asg)).recoveries;
    expect(truth?.servingDurationMs).toBeGreaterThan(0);
    // Seen at the next check at the latest (plus transit), never before it happened.
    const measuredMs = completed.data.timeToRecoverSeconds! * 1000;
    expect(measuredMs).toBeGreaterThanOrEqual(truth!.servingDurationMs! - 150);
    expect(measuredMs).toBeLessThanOrEqual(
      truth!.servingDurationMs! + checkIntervalSeconds * 1000 + 750,
    );
    const tg = completed.data.targetGroups?.[0];
    expect(tg?.targets.filter((t) => t.state === "healthy")).toHaveLength(4);

    const sent = await p.waitForEvent(id, EventType.reportSent);
    expect((await emailFor(sent.data.subject))?.text).toContain("until serving");
  });
});

describe("a group behind two target groups", () => {
  it("serves when the slower one does, with each one's time in the timeline and the e-mail", async () => {
    const asg = `g-${randomBytes(3).toString("hex")}`;
    await p.createGroup({
      name: asg,
      desiredCapacity: 3,
      minSize: 1,
      maxSize: 6,
      targetGroups: [
        // 2 checks 10 s apart (0.2 s here) against 5 checks 30 s apart (1.5 s).
        { name: `${asg}-fast`, healthCheckIntervalSeconds: 10, healthyThresholdCount: 2 },
        { name: `${asg}-slow`, healthCheckIntervalSeconds: 30, healthyThresholdCount: 5 },
      ],
    });
    const id = await p.submit({
      asg,
      count: 1,
      recovery: { checkIntervalSeconds, deadlineSeconds: 30 },
      notify: { emails: ["oncall@example.com"] },
    });
    const completed = await p.waitForEvent(id, EventType.recoveryCompleted);
    expect(completed.data.outcome).toBe("recovered");
    const arns = completed.data.experiment.targetGroupArns!;
    expect(arns).toHaveLength(2);
    const servedAt = completed.data.timeline.targetGroupsServingAt!;
    const arnOf = (suffix: string) => arns.find((arn) => arn.includes(`/${asg}-${suffix}/`))!;
    const [fast, slow] = [servedAt[arnOf("fast")]!, servedAt[arnOf("slow")]!];
    expect(Date.parse(fast)).toBeLessThan(Date.parse(slow));
    expect(completed.data.timeline.servingAt).toBe(slow);

    const sent = await p.waitForEvent(id, EventType.reportSent);
    const email = await emailFor(sent.data.subject);
    expect(email?.text).toContain(`until serving in ${asg}-fast`);
    expect(email?.text).toContain(`until serving in ${asg}-slow`);
  });
});

describe("a group whose replacements never serve", () => {
  it("ends not-recovered with FAIL, and the e-mail names the target states", async () => {
    const asg = await groupBehindTargetGroup(3);
    await p.sim.setFaults(asg, { neverServing: true });
    const id = await p.submit({
      asg,
      count: 1,
      recovery: { checkIntervalSeconds, deadlineSeconds: 4, targetSeconds: 3 },
      notify: { emails: ["oncall@example.com"] },
    });
    const completed = await p.waitForEvent(id, EventType.recoveryCompleted);
    expect(completed.data.outcome).toBe("not-recovered");
    expect(completed.data.verdict).toBe("fail");
    expect(completed.data.timeline.healthyAt).toBeDefined();
    expect(completed.data.timeline.servingAt).toBeUndefined();
    const failing = completed.data.targetGroups?.[0]?.targets.filter((t) => t.state !== "healthy");
    expect(failing?.length).toBeGreaterThan(0);

    const sent = await p.waitForEvent(id, EventType.reportSent);
    const email = await emailFor(sent.data.subject);
    expect(email?.text).toContain("Target health at the last check");
    expect(email?.text).toContain("Target.FailedHealthChecks");
    expect(email?.text).toContain("until serving (not reached)");
  });

  it("with requireServing false, recovers at healthy all the same", async () => {
    const asg = await groupBehindTargetGroup(3);
    await p.sim.setFaults(asg, { neverServing: true });
    const id = await p.submit({
      asg,
      count: 1,
      recovery: { checkIntervalSeconds, deadlineSeconds: 10, requireServing: false },
    });
    const completed = await p.waitForEvent(id, EventType.recoveryCompleted);
    expect(completed.data.outcome).toBe("recovered");
    expect(completed.data.timeline.recoveredAt).toBe(completed.data.timeline.healthyAt);
    expect(completed.data.timeline.servingAt).toBeUndefined();
    expect(completed.data.targetGroups).toBeUndefined();
  });
});

describe("a group whose target group is already failing", () => {
  it("is refused (targets-unhealthy) before anything is terminated", async () => {
    const asg = await groupBehindTargetGroup(3);
    await p.sim.setFaults(asg, { neverServing: true });
    const autoScaling = sandboxClient(AutoScalingClient, p.stack.endpoints.autoScaling);
    await autoScaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: asg, DesiredCapacity: 4 }),
    );
    autoScaling.destroy();
    // Steady as Auto Scaling sees it, but one target fails the load balancer's checks.
    await waitUntil(
      "the new instance InService and Healthy but unhealthy in its target group",
      async () => {
        const group = await p.sim.group(asg);
        const inService = group.instances.filter(
          (i) => i.lifecycleState === "InService" && i.healthStatus === "Healthy",
        );
        const unhealthy = group.targetGroups[0]!.targets.filter((t) => t.state === "unhealthy");
        return inService.length === 4 && unhealthy.length === 1;
      },
    );
    const id = await p.submit({ asg, count: 1, recovery: { checkIntervalSeconds } });
    const rejected = await p.waitForEvent(id, EventType.experimentRejected);
    const reason = rejected.data.reasons.find((r) => r.code === "targets-unhealthy");
    expect(reason?.message).toMatch(
      new RegExp(`target group ${asg}-tg .*i-[0-9a-f]+ \\(unhealthy`),
    );
    expect(p.eventsOf(id).map((e) => e.type)).not.toContain(EventType.instancesTerminated);
    const group = await p.sim.group(asg);
    expect(group.instances.every((i) => i.ec2State === "running")).toBe(true);
  });
});
