import {
  DescribeScalingActivitiesCommand,
  ResumeProcessesCommand,
  SetDesiredCapacityCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import type { Activity } from "@aws-sdk/client-auto-scaling";
import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  describeGroup,
  inServiceHealthy,
  isWhole,
  startHarness,
  uniqueName,
  waitForSim,
} from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ timeScale: 0.01 });
});

afterAll(() => h.close());

async function newGroup(
  desiredCapacity = 3,
  extra: { healthySeconds?: number; healthCheckDelaySeconds?: number } = {},
) {
  const name = uniqueName("group");
  const view = await h.control.createGroup({ name, desiredCapacity, minSize: 1, ...extra });
  return { name, ids: view.instances.map((i) => i.instanceId) };
}

const ec2State = async (id: string): Promise<string | undefined> => {
  const out = await h.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
};

const activities = async (name: string): Promise<Activity[]> =>
  (await h.autoscaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name })))
    .Activities ?? [];

describe("EC2 TerminateInstances on a group instance", () => {
  it("shuts the instance down, and the group detects, replaces and recovers", async () => {
    const { name, ids } = await newGroup(3, { healthCheckDelaySeconds: 30 });
    const victim = ids[0] ?? "";
    const out = await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim] }));
    // Until its health check delay passes the group still counts the victim as InService.
    expect(
      (await describeGroup(h, name)).Instances?.find((i) => i.InstanceId === victim),
    ).toMatchObject({
      LifecycleState: "InService",
      HealthStatus: "Healthy",
    });
    expect(out.TerminatingInstances).toEqual([
      {
        InstanceId: victim,
        CurrentState: { Code: 32, Name: "shutting-down" },
        PreviousState: { Code: 16, Name: "running" },
      },
    ]);
    await waitForSim(
      "the victim to be terminated",
      () => ec2State(victim),
      (s) => s === "terminated",
    );
    const statuses = async (IncludeAllInstances: boolean) =>
      (
        await h.ec2.send(
          new DescribeInstanceStatusCommand({ InstanceIds: [victim], IncludeAllInstances }),
        )
      ).InstanceStatuses ?? [];
    expect(await statuses(false)).toEqual([]);
    expect((await statuses(true))[0]?.InstanceState).toEqual({ Code: 48, Name: "terminated" });

    const pending = await waitForSim(
      "a replacement to be Pending",
      () => describeGroup(h, name),
      (group) => group.Instances?.some((i) => i.LifecycleState === "Pending") ?? false,
    );
    // The replacement starts once the group has taken the victim out of service.
    const victimNow = pending.Instances?.find((i) => i.InstanceId === victim);
    expect(victimNow === undefined || victimNow.LifecycleState === "Terminating").toBe(true);
    const replaced = await waitForSim(
      "the group to be whole without the victim",
      () => describeGroup(h, name),
      (group) => isWhole(group) && !group.Instances?.some((i) => i.InstanceId === victim),
    );
    const replacement = replaced.Instances?.find((i) => !ids.includes(i.InstanceId ?? ""));
    expect(replacement).toMatchObject({ LifecycleState: "InService", HealthStatus: "Healthy" });
    // The replacement goes to the zone the victim left, keeping the zones balanced.
    expect(new Set(replaced.Instances?.map((i) => i.AvailabilityZone)).size).toBe(3);

    const timeline = await h.control.timeline(name);
    expect(timeline.recoveries).toHaveLength(1);
    const [recovery] = timeline.recoveries;
    expect(recovery).toMatchObject({
      lostInstanceIds: [victim],
      replacementInstanceIds: [replacement?.InstanceId],
    });
    expect(recovery?.durationMs).toBeGreaterThan(0);
    expect(Date.parse(recovery?.wholeAt ?? "")).toBe(
      Date.parse(recovery?.disruptedAt ?? "") + (recovery?.durationMs ?? 0),
    );
    const states = timeline.events.filter((e) => e.instanceId === victim).map((e) => e.state);
    expect(states).toEqual([
      "InService",
      "Healthy",
      "shutting-down",
      "terminated",
      "Unhealthy",
      "Terminating",
      "Removed",
    ]);
    const newStates = timeline.events
      .filter((e) => e.instanceId === replacement?.InstanceId)
      .map((e) => e.state);
    expect(newStates).toEqual(["Pending", "InService", "Healthy"]);

    const done = await activities(name);
    expect(done.map((a) => a.StatusCode)).toEqual(
      expect.arrayContaining(["Successful", "Successful"]),
    );
    expect(done.some((a) => a.Description === `Terminating EC2 instance: ${victim}`)).toBe(true);
    expect(done.every((a) => a.StatusCode !== "InProgress")).toBe(true);
  });
});

describe("TerminateInstanceInAutoScalingGroup", () => {
  it("replaces at once when the desired capacity is kept", async () => {
    const { name, ids } = await newGroup(2);
    const victim = ids[1] ?? "";
    const out = await h.autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: victim,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    expect(out.Activity).toMatchObject({
      AutoScalingGroupName: name,
      StatusCode: "InProgress",
      Description: `Terminating EC2 instance: ${victim}`,
    });
    expect(out.Activity?.StartTime).toBeInstanceOf(Date);
    const group = await describeGroup(h, name);
    expect(group.Instances?.find((i) => i.InstanceId === victim)?.LifecycleState).toBe(
      "Terminating",
    );
    expect(group.Instances?.some((i) => i.LifecycleState === "Pending")).toBe(true);
    expect(group.DesiredCapacity).toBe(2);
    await waitForSim("the group to be whole", () => describeGroup(h, name), isWhole);
    const described = await h.autoscaling.send(
      new DescribeScalingActivitiesCommand({ ActivityIds: [out.Activity?.ActivityId ?? ""] }),
    );
    expect(described.Activities).toMatchObject([
      { ActivityId: out.Activity?.ActivityId, StatusCode: "Successful", Progress: 100 },
    ]);
    expect(described.Activities?.[0]?.EndTime).toBeInstanceOf(Date);
    const timeline = await h.control.timeline(name);
    expect(timeline.recoveries[0]?.lostInstanceIds).toEqual([victim]);
    expect(timeline.recoveries[0]?.durationMs).toBeGreaterThan(0);
  });

  it("lowers the desired capacity without a replacement when asked to", async () => {
    const { name, ids } = await newGroup(3);
    await h.autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: ids[0],
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    const group = await describeGroup(h, name);
    expect(group.DesiredCapacity).toBe(2);
    expect(group.Instances?.some((i) => i.LifecycleState === "Pending")).toBe(false);
    const after = await waitForSim("the group to be whole", () => describeGroup(h, name), isWhole);
    expect(after.Instances?.map((i) => i.InstanceId).sort()).toEqual(ids.slice(1).sort());
  });
});

describe("suspended processes", () => {
  it("replaces nothing while Launch is suspended, and the missing instance on resume", async () => {
    const { name, ids } = await newGroup(2);
    await h.autoscaling.send(
      new SuspendProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: ["Launch"] }),
    );
    expect((await describeGroup(h, name)).SuspendedProcesses).toMatchObject([
      { ProcessName: "Launch" },
    ]);
    await h.autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: ids[0],
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    const launches = (list: Activity[]): number =>
      list.filter((a) => a.Description?.startsWith("Launching")).length;
    const launchesBefore = launches(await activities(name));
    // The termination activity finishing marks the moment a replacement would have been launched.
    await waitForSim(
      "the Terminating activity to succeed",
      () => activities(name),
      (list) =>
        list.some((a) => a.Description?.startsWith("Terminating") && a.StatusCode === "Successful"),
    );
    // Twice the boot time (30 s simulated = 300 ms) with nothing launched.
    const quiet = Date.now() + 600;
    await waitForSim(
      "600 ms with nothing launched",
      async () => ({ group: await describeGroup(h, name), list: await activities(name) }),
      ({ group, list }) => {
        expect(launches(list)).toBe(launchesBefore);
        expect(group.Instances).toHaveLength(1);
        return Date.now() > quiet;
      },
    );
    await h.autoscaling.send(new ResumeProcessesCommand({ AutoScalingGroupName: name }));
    const healed = await waitForSim(
      "the group to be whole once resumed",
      () => describeGroup(h, name),
      isWhole,
    );
    expect(healed.SuspendedProcesses).toEqual([]);
    expect(healed.Instances).toHaveLength(2);
  });

  it("leaves an EC2-terminated instance Unhealthy in the group while Terminate is suspended", async () => {
    const { name, ids } = await newGroup(2);
    await h.autoscaling.send(
      new SuspendProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: ["Terminate"] }),
    );
    await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[0] ?? ""] }));
    const unhealthy = await waitForSim(
      "the EC2-terminated instance to turn Unhealthy",
      () => describeGroup(h, name),
      (g) => g.Instances?.find((i) => i.InstanceId === ids[0])?.HealthStatus === "Unhealthy",
    );
    expect(unhealthy.Instances?.find((i) => i.InstanceId === ids[0])?.LifecycleState).toBe(
      "InService",
    );
    await h.autoscaling.send(new ResumeProcessesCommand({ AutoScalingGroupName: name }));
    await waitForSim(
      "the Unhealthy instance to be replaced",
      () => describeGroup(h, name),
      (g) => isWhole(g) && !g.Instances?.some((i) => i.InstanceId === ids[0]),
    );
  });
});

describe("faults", () => {
  it("records Failed launch activities and launches nothing under launchFailures", async () => {
    const { name, ids } = await newGroup(2);
    await h.control.setFaults(name, { launchFailures: true });
    await h.autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: ids[0],
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    const failed = await waitForSim(
      "two failed launch activities",
      () => activities(name),
      (list) => list.filter((a) => a.StatusCode === "Failed").length >= 2,
    );
    expect(failed.find((a) => a.StatusCode === "Failed")).toMatchObject({
      Progress: 100,
      StatusMessage: expect.stringContaining("launch"),
    });
    const group = await describeGroup(h, name);
    expect(group.Instances?.map((i) => i.InstanceId)).toEqual([ids[1]]);

    await h.control.setFaults(name, { launchFailures: false });
    await waitForSim(
      "the group to be whole once launches work",
      () => describeGroup(h, name),
      isWhole,
    );
  });

  it("keeps replacements Unhealthy but InService under neverHealthy", async () => {
    const { name, ids } = await newGroup(1, { healthySeconds: 0 });
    await h.control.setFaults(name, { neverHealthy: true });
    await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[0] ?? ""] }));
    const group = await waitForSim(
      "an InService replacement",
      () => describeGroup(h, name),
      (g) =>
        g.Instances?.length === 1 &&
        g.Instances[0]?.LifecycleState === "InService" &&
        g.Instances[0].InstanceId !== ids[0],
    );
    expect(group.Instances?.[0]?.HealthStatus).toBe("Unhealthy");
    expect((await h.control.timeline(name)).recoveries[0]?.wholeAt).toBeNull();

    await h.control.setFaults(name, { neverHealthy: false });
    await waitForSim(
      "the replacement to turn Healthy",
      () => describeGroup(h, name),
      (g) => inServiceHealthy(g) === 1,
    );
    expect((await h.control.timeline(name)).recoveries[0]?.wholeAt).not.toBeNull();
  });
});

describe("desired capacity", () => {
  it("launches when raised and terminates when lowered", async () => {
    const { name } = await newGroup(1);
    await h.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 2 }),
    );
    const grown = await waitForSim(
      "two InService Healthy instances",
      () => describeGroup(h, name),
      (g) => inServiceHealthy(g) === 2,
    );
    expect(grown.DesiredCapacity).toBe(2);
    await h.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 1 }),
    );
    await waitForSim(
      "the group to be whole at one instance",
      () => describeGroup(h, name),
      (g) => g.Instances?.length === 1 && isWhole(g),
    );
    // Scaling is not a disruption: no recovery is recorded.
    expect((await h.control.timeline(name)).recoveries).toEqual([]);
  });
});
