import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@macaque/sandbox";
import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { EventType } from "@macaque/shared";
import { uniquePrefix } from "../../../test/support/aws.ts";
import { openTestTap, type TestTap } from "../../../test/support/event-tap.ts";
import { instanceSnapshots } from "../../../test/support/experiment.ts";
import { startTestService, type TestService } from "../../../test/support/processes.ts";
import { waitFor } from "../../../test/support/wait.ts";
import { fleetOf, orderFor, plannedExperiment, sendOrder } from "./harness.ts";

let stack: Stack;
let terminator: TestService;
let tap: TestTap;
let fleet: ReturnType<typeof fleetOf>;

beforeAll(async () => {
  stack = await startStack({ prefix: uniquePrefix("term"), timeScale: 0.01 });
  tap = await openTestTap(stack);
  fleet = fleetOf(stack.endpoints.fleetSim);
  terminator = await startTestService(stack, "terminator");
});

afterAll(async () => {
  await terminator?.stop();
  await tap?.close();
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
    const event = await tap.waitForEvent(experiment.id, EventType.instancesTerminated);

    expect(tap.typesOf(experiment.id)).toEqual([EventType.instancesTerminated]);
    expect(event.source).toBe("urn:macaque:terminator");
    const { data } = event;
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
    await tap.waitForEvent(experiment.id, EventType.instancesTerminated);

    expect(tap.typesOf(experiment.id)).toEqual([EventType.instancesTerminated]);
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
    const [first, second] = await tap.waitForEvents(
      experiment.id,
      EventType.instancesTerminated,
      2,
    );

    expect(tap.typesOf(experiment.id)).toEqual([
      EventType.instancesTerminated,
      EventType.instancesTerminated,
    ]);
    expect(second!.id).toBe(first!.id);
    expect(second).toEqual(first);
    expect((await fleet.calls("TerminateInstances")) - callsBefore).toBe(1);
    expect(terminator.logged("order.redelivered", experiment.id)).not.toEqual([]);
  });

  it("skips victims already terminated or no longer in the group, saying why, and terminates the rest", async () => {
    const group = await fleet.createGroup("mixed", 3);
    const elsewhere = await fleet.createGroup("other", 1);
    const experiment = {
      ...plannedExperiment(group, "ec2", 2),
      victims: instanceSnapshots([...group.instances.slice(0, 2), elsewhere.instances[0]!]),
    };
    const [gone, fine, stranger] = experiment.victims.map((v) => v.instanceId);
    await fleet.ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone!] }));

    await sendOrder(stack, orderFor(experiment));
    const event = await tap.waitForEvent(experiment.id, EventType.instancesTerminated);

    expect(tap.typesOf(experiment.id)).toEqual([EventType.instancesTerminated]);
    expect(event.data.terminations).toEqual([
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
    const { data } = await tap.waitForEvent(experiment.id, EventType.terminationFailed);

    expect(tap.typesOf(experiment.id)).toEqual([EventType.terminationFailed]);
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
    const dropped = await terminator.waitForLine(
      "the dry-run order to be dropped",
      (l) => l.event === "message.dropped" && String(l.msg).includes(experiment.id),
    );

    expect(dropped.msg).toContain("it is a dry run");
    expect(Object.values(await fleet.ec2States([experiment.victims[0]!.instanceId]))).toEqual([
      "running",
    ]);
    await tap.drain();
    expect(tap.eventsOf(experiment.id)).toEqual([]);
  });

  it("serves /readyz once Redis answers", async () => {
    const response = await fetch(`${terminator.url}/readyz`);
    expect(response.status).toBe(200);
    // Counted by the tests above, which terminate and skip victims in mode ec2.
    expect(
      await terminator.metric("macaque_instances_terminated_total", 'mode="ec2"'),
    ).toBeGreaterThan(0);
    expect(
      await terminator.metric("macaque_instances_skipped_total", 'mode="ec2"'),
    ).toBeGreaterThan(0);
  });
});
