import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@macaque/sandbox";
import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { uniquePrefix, waitFor } from "../../../test/support/aws.ts";
import {
  experimentFor,
  fleetOf,
  orderFor,
  plannedExperiment,
  sendOrder,
  startTerminator,
  subscribeToEvents,
  victimsOf,
  type Terminator,
} from "./harness.ts";

let stack: Stack;
let terminator: Terminator;
let events: Awaited<ReturnType<typeof subscribeToEvents>>;
let fleet: ReturnType<typeof fleetOf>;

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("term"), timeScale: 0.01 });
  events = await subscribeToEvents(stack);
  fleet = fleetOf(stack);
  terminator = await startTerminator(stack);
});

afterAll(async () => {
  await terminator?.process.stop();
  await events?.close();
  fleet?.close();
  await stack?.stop();
});

describe("terminator", () => {
  it("terminates exactly the victims with EC2 in mode ec2 and reports instances.terminated", async () => {
    const group = await fleet.createGroup("web", 3);
    const experiment = plannedExperiment(group, "ec2", 2);
    const [a, b] = experiment.victims.map((v) => v.instanceId);
    const bystander = group.instances[2]!.instanceId;
    const callsBefore = await fleet.calls("TerminateInstances");

    await sendOrder(stack, orderFor(experiment));
    const [event] = await events.waitForEvents(experiment.id);

    expect(event!.type).toBe("macaque.instances.terminated");
    expect(event!.source).toBe("urn:macaque:terminator");
    const data = event!.data as {
      terminations: { instanceId: string; outcome: string }[];
      terminatedAt: string;
    };
    expect(data.terminations.map((t) => [t.instanceId, t.outcome])).toEqual([
      [a, "terminated"],
      [b, "terminated"],
    ]);
    expect(Date.parse(data.terminatedAt)).toBeGreaterThan(Date.parse(experiment.plannedAt));
    const states = await fleet.ec2States([a!, b!, bystander]);
    expect(["shutting-down", "terminated"]).toContain(states[a!]);
    expect(["shutting-down", "terminated"]).toContain(states[b!]);
    expect(states[bystander]).toBe("running");
    expect((await fleet.calls("TerminateInstances")) - callsBefore).toBe(1);
  });

  it("terminates through the group in mode asg, keeping its desired capacity", async () => {
    const group = await fleet.createGroup("api", 3);
    const experiment = plannedExperiment(group, "asg", 1);
    const victim = experiment.victims[0]!.instanceId;
    const asgCallsBefore = await fleet.calls("TerminateInstanceInAutoScalingGroup");
    const ec2CallsBefore = await fleet.calls("TerminateInstances");

    await sendOrder(stack, orderFor(experiment));
    const [event] = await events.waitForEvents(experiment.id);

    expect(event!.type).toBe("macaque.instances.terminated");
    expect((await fleet.calls("TerminateInstanceInAutoScalingGroup")) - asgCallsBefore).toBe(1);
    expect((await fleet.calls("TerminateInstances")) - ec2CallsBefore).toBe(0);
    const original = new Set(group.instances.map((i) => i.instanceId));
    const healed = await waitFor("a replacement to start", async () => {
      const now = await fleet.control.group(group.name);
      return now.instances.some((i) => !original.has(i.instanceId)) ? now : undefined;
    });
    expect(healed.desiredCapacity).toBe(3);
    expect(
      healed.instances.find((i) => i.instanceId === victim)?.lifecycleState ?? "gone",
    ).not.toBe("InService");
  });

  it("terminates once when the same order is delivered twice, re-publishing the same event", async () => {
    const group = await fleet.createGroup("twice", 2);
    const experiment = plannedExperiment(group, "ec2", 1);
    const order = orderFor(experiment);
    const callsBefore = await fleet.calls("TerminateInstances");

    // Both at once: the second either waits for the first's claim or finds its result.
    await Promise.all([sendOrder(stack, order), sendOrder(stack, order)]);
    const [first, second] = await events.waitForEvents(experiment.id, 2);

    expect(first!.type).toBe("macaque.instances.terminated");
    expect(second!.id).toBe(first!.id);
    expect(second).toEqual(first);
    expect((await fleet.calls("TerminateInstances")) - callsBefore).toBe(1);
    expect(
      terminator.logs.some(
        (l) => l.event === "order.redelivered" && l.experimentId === experiment.id,
      ),
    ).toBe(true);
  });

  it("skips victims already terminated or no longer in the group, saying why, and terminates the rest", async () => {
    const group = await fleet.createGroup("mixed", 3);
    const elsewhere = await fleet.createGroup("other", 1);
    const experiment = experimentFor({
      asg: group.name,
      mode: "ec2",
      victims: [...victimsOf(group, 2), ...victimsOf(elsewhere, 1)],
      instanceIdsAtPlan: group.instances.map((i) => i.instanceId),
    });
    const [gone, fine, stranger] = experiment.victims.map((v) => v.instanceId);
    await fleet.ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone!] }));

    await sendOrder(stack, orderFor(experiment));
    const [event] = await events.waitForEvents(experiment.id);

    expect(event!.type).toBe("macaque.instances.terminated");
    const terminations = (
      event!.data as { terminations: { instanceId: string; outcome: string; reason?: string }[] }
    ).terminations;
    expect(terminations).toEqual([
      expect.objectContaining({
        instanceId: gone,
        outcome: "skipped",
        reason: expect.stringMatching(
          new RegExp(
            `^not terminating ${gone}: .*it is (shutting-down|terminated) in EC2, not running`,
          ),
        ),
      }),
      expect.objectContaining({ instanceId: fine, outcome: "terminated" }),
      expect.objectContaining({
        instanceId: stranger,
        outcome: "skipped",
        reason: `not terminating ${stranger}: it is not in group ${group.name} (it is in ${elsewhere.name})`,
      }),
    ]);
    expect((await fleet.ec2States([stranger!]))[stranger!]).toBe("running");
  });

  it("reports termination.failed when every victim is skipped (here: excluded)", async () => {
    const group = await fleet.createGroup("excluded", 2, { "macaque:exclude": "true" });
    const experiment = plannedExperiment(group, "ec2", 2);
    const callsBefore = await fleet.calls("TerminateInstances");

    await sendOrder(stack, orderFor(experiment));
    const [event] = await events.waitForEvents(experiment.id);

    expect(event!.type).toBe("macaque.termination.failed");
    const data = event!.data as {
      reason: string;
      terminations: { outcome: string; reason?: string }[];
    };
    expect(data.terminations.map((t) => t.outcome)).toEqual(["skipped", "skipped"]);
    expect(data.reason).toMatch(/^terminated none of 2 victims: /);
    expect(data.reason).toContain("it now carries macaque:exclude=true");
    expect((await fleet.calls("TerminateInstances")) - callsBefore).toBe(0);
    const states = await fleet.ec2States(experiment.victims.map((v) => v.instanceId));
    expect(Object.values(states)).toEqual(["running", "running"]);
  });

  it("refuses a dry-run order, terminating nothing and publishing nothing", async () => {
    const group = await fleet.createGroup("dry", 1);
    const experiment = { ...plannedExperiment(group, "ec2", 1), dryRun: true };

    await sendOrder(stack, orderFor(experiment));
    const dropped = await terminator.waitForLog(
      "the dry-run order to be dropped",
      (l) => l.event === "message.dropped" && String(l.msg).includes(experiment.id),
    );

    expect(dropped.msg).toContain("it is a dry run");
    expect(Object.values(await fleet.ec2States([experiment.victims[0]!.instanceId]))).toEqual([
      "running",
    ]);
    await events.drain();
    expect(events.seen.filter((e) => e.subject === experiment.id)).toEqual([]);
  });

  it("serves /readyz once Redis answers", async () => {
    const url = terminator.process.ready;
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/macaque_instances_terminated_total\{[^}]*mode="ec2"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/macaque_instances_skipped_total\{[^}]*mode="ec2"[^}]*\} [1-9]/);
  });
});
