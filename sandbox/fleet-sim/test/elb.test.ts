import { TerminateInstanceInAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  InvalidTargetException,
  RegisterTargetsCommand,
  TargetGroupNotFoundException,
  paginateDescribeTargetGroups,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { CreateGroupRequest, TargetGroupRequest, TimelineView } from "@macaque/fleet-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeGroup, startHarness, uniqueName, waitForSim } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ timeScale: 0.01 });
});

afterAll(() => h.close());

/** Checks done in 100 ms and draining over in 50 ms at the tests' time scale. */
const FAST = {
  healthCheckIntervalSeconds: 5,
  healthyThresholdCount: 2,
  deregistrationDelaySeconds: 5,
};
/** 30 s of checks and 36 s of draining: states a test reads well within their window. */
const SLOW = {
  healthCheckIntervalSeconds: 300,
  healthyThresholdCount: 10,
  deregistrationDelaySeconds: 3_600,
};

async function newGroup(
  settings: Omit<TargetGroupRequest, "name">[],
  desiredCapacity = 2,
  extra: Partial<CreateGroupRequest> = {},
) {
  const name = uniqueName("elb");
  const view = await h.control.createGroup({
    name,
    desiredCapacity,
    minSize: 1,
    bootSeconds: 1,
    healthySeconds: 0,
    ...extra,
    targetGroups: settings.map((s) => ({ name: uniqueName("tg"), port: 8080, ...s })),
  });
  const [tg] = view.targetGroups;
  if (!tg) throw new Error("no target group created");
  return { name, ids: view.instances.map((i) => i.instanceId), tg, view };
}

const health = async (arn: string, targets?: { Id: string }[]) =>
  (await h.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: targets })))
    .TargetHealthDescriptions ?? [];

const stateOf = (descriptions: TargetHealthDescription[], id: string): string | undefined =>
  descriptions.find((d) => d.Target?.Id === id)?.TargetHealth?.State;

const terminateInGroup = (id: string) =>
  h.autoscaling.send(
    new TerminateInstanceInAutoScalingGroupCommand({
      InstanceId: id,
      ShouldDecrementDesiredCapacity: false,
    }),
  );

/** The index of the first timeline event for `id` in `state`; -1 if none. */
const eventIndex = (timeline: TimelineView, id: string, state: string): number =>
  timeline.events.findIndex((e) => e.instanceId === id && e.state === state);

const UNKNOWN_ARN =
  "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nothing/0123456789abcdef";

describe("DescribeTargetGroups", () => {
  it("finds a group's target group by ARN, by name and by load balancer", async () => {
    const { tg } = await newGroup([FAST]);
    const expected = {
      TargetGroupArn: tg.arn,
      TargetGroupName: tg.name,
      Protocol: "HTTP",
      Port: 8080,
      HealthCheckIntervalSeconds: 5,
      HealthyThresholdCount: 2,
      HealthCheckEnabled: true,
      TargetType: "instance",
      LoadBalancerArns: [tg.loadBalancerArn],
    };
    for (const input of [
      { TargetGroupArns: [tg.arn] },
      { Names: [tg.name] },
      { LoadBalancerArn: tg.loadBalancerArn },
    ]) {
      const out = await h.elb.send(new DescribeTargetGroupsCommand(input));
      expect(out.TargetGroups).toEqual([expect.objectContaining(expected)]);
      expect(out.NextMarker).toBeUndefined();
    }
  });

  it("pages with PageSize and Marker", async () => {
    const { tg } = await newGroup([FAST, FAST, FAST]);
    const pages = [];
    for await (const page of paginateDescribeTargetGroups(
      { client: h.elb },
      { LoadBalancerArn: tg.loadBalancerArn, PageSize: 2 },
    )) {
      pages.push((page.TargetGroups ?? []).map((g) => g.TargetGroupName));
    }
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    const names = pages.flat();
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(3);
  });

  it("raises TargetGroupNotFoundException for an unknown ARN or name", async () => {
    for (const input of [{ TargetGroupArns: [UNKNOWN_ARN] }, { Names: ["no-such-group"] }]) {
      const err: unknown = await h.elb
        .send(new DescribeTargetGroupsCommand(input))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TargetGroupNotFoundException);
      expect(err).toMatchObject({
        name: "TargetGroupNotFoundException",
        message: "One or more target groups not found",
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it("refuses a malformed ARN with ValidationError", async () => {
    await expect(
      h.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: ["web"] })),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message: "'web' is not a valid target group ARN",
    });
  });
});

describe("DescribeAutoScalingGroups", () => {
  it("names the group's target groups in TargetGroupARNs and TrafficSources", async () => {
    const { name, view } = await newGroup([FAST, FAST]);
    const group = await describeGroup(h, name);
    const arns = view.targetGroups.map((tg) => tg.arn);
    expect(group.TargetGroupARNs).toEqual(arns);
    expect(group.TrafficSources).toEqual(arns.map((Identifier) => ({ Identifier, Type: "elbv2" })));
  });
});

describe("target health", () => {
  it("starts with the group's instances healthy", async () => {
    const { ids, tg } = await newGroup([FAST]);
    const descriptions = await health(tg.arn);
    expect(descriptions).toEqual(
      ids.map((Id) => ({
        Target: { Id, Port: 8080 },
        HealthCheckPort: "8080",
        TargetHealth: { State: "healthy" },
      })),
    );
  });

  it("reports a new target initial and a leaving one draining, with AWS's reasons", async () => {
    const { name, ids, tg } = await newGroup([SLOW]);
    const victim = ids[0] ?? "";
    await terminateInGroup(victim);
    const descriptions = await waitForSim(
      "the replacement to be registered",
      () => health(tg.arn),
      (d) => d.length === 3,
    );
    const replacement = (await describeGroup(h, name)).Instances?.find(
      (i) => !ids.includes(i.InstanceId ?? ""),
    )?.InstanceId;
    expect(descriptions.find((d) => d.Target?.Id === replacement)?.TargetHealth).toEqual({
      State: "initial",
      Reason: "Elb.RegistrationInProgress",
      Description: "Target registration is in progress",
    });
    expect(descriptions.find((d) => d.Target?.Id === victim)?.TargetHealth).toEqual({
      State: "draining",
      Reason: "Target.DeregistrationInProgress",
      Description: "Target deregistration is in progress",
    });
    expect((await h.control.timeline(name)).recoveries[0]).toMatchObject({ servingAt: null });
  });

  it("answers unused for an instance asked about that is not registered", async () => {
    const { tg } = await newGroup([FAST]);
    const other = await newGroup([FAST], 1);
    const Id = other.ids[0] ?? "";
    expect(await health(tg.arn, [{ Id }])).toEqual([
      {
        Target: { Id },
        TargetHealth: {
          State: "unused",
          Reason: "Target.NotRegistered",
          Description: "Target is not registered to the target group",
        },
      },
    ]);
  });

  it("registers a replacement, calls it healthy, drains the victim, then records servingAt", async () => {
    const { name, ids, tg } = await newGroup([FAST]);
    const victim = ids[0] ?? "";
    await terminateInGroup(victim);
    const timeline = await waitForSim(
      "the group to be serving again",
      () => h.control.timeline(name),
      (t) => typeof t.recoveries[0]?.servingAt === "string",
    );
    const replacement = timeline.recoveries[0]?.replacementInstanceIds[0] ?? "";
    const registered = eventIndex(timeline, replacement, "Registered");
    const serving = eventIndex(timeline, replacement, "Serving");
    expect(registered).toBeGreaterThanOrEqual(0);
    expect(serving).toBeGreaterThan(registered);
    expect(eventIndex(timeline, victim, "Draining")).toBeGreaterThanOrEqual(0);
    const recovery = timeline.recoveries[0];
    // Serving again is the moment of the replacement's last passing check, or just after it.
    expect(Date.parse(recovery?.servingAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(timeline.events[serving]?.at ?? ""),
    );
    expect(recovery?.servingDurationMs).toBe(
      Date.parse(recovery?.servingAt ?? "") - Date.parse(recovery?.disruptedAt ?? ""),
    );
    await waitForSim(
      "the victim to leave the target group",
      () => health(tg.arn),
      (d) => stateOf(d, victim) === undefined,
    );
    const after = await h.control.timeline(name);
    expect(eventIndex(after, victim, "Deregistered")).toBeGreaterThan(
      eventIndex(after, victim, "Draining"),
    );
    expect(stateOf(await health(tg.arn), replacement)).toBe("healthy");
  });

  it("drains an instance EC2 terminated before Auto Scaling notices", async () => {
    // The group's health check would notice after an hour: 36 s at this time scale.
    const { name, ids, tg } = await newGroup([SLOW], 2, { healthCheckDelaySeconds: 3_600 });
    const victim = ids[0] ?? "";
    await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim] }));
    expect(stateOf(await health(tg.arn), victim)).toBe("draining");
    expect(
      (await describeGroup(h, name)).Instances?.find((i) => i.InstanceId === victim),
    ).toMatchObject({ LifecycleState: "InService" });
  });

  it("under neverServing keeps replacements unhealthy in ELB while Auto Scaling calls them Healthy", async () => {
    const { name, ids, tg } = await newGroup([FAST]);
    await h.control.setFaults(name, { neverServing: true });
    await terminateInGroup(ids[0] ?? "");
    const timeline = await waitForSim(
      "the group to be whole",
      () => h.control.timeline(name),
      (t) => typeof t.recoveries[0]?.wholeAt === "string",
    );
    const replacement = timeline.recoveries[0]?.replacementInstanceIds[0] ?? "";
    const descriptions = await waitForSim(
      "the replacement's health checks to fail",
      () => health(tg.arn, [{ Id: replacement }]),
      (d) => stateOf(d, replacement) === "unhealthy",
    );
    expect(descriptions[0]?.TargetHealth).toEqual({
      State: "unhealthy",
      Reason: "Target.FailedHealthChecks",
      Description: "Health checks failed",
    });
    expect(
      (await describeGroup(h, name)).Instances?.find((i) => i.InstanceId === replacement),
    ).toMatchObject({ LifecycleState: "InService", HealthStatus: "Healthy" });
    expect((await h.control.timeline(name)).recoveries[0]?.servingAt).toBeNull();

    await h.control.setFaults(name, { neverServing: false });
    const healed = await waitForSim(
      "the group to serve again",
      () => h.control.timeline(name),
      (t) => typeof t.recoveries[0]?.servingAt === "string",
    );
    const recovery = healed.recoveries[0];
    expect(Date.parse(recovery?.servingAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(recovery?.wholeAt ?? ""),
    );
  });
});

describe("RegisterTargets and DeregisterTargets", () => {
  it("register another instance, check it healthy, then drain it away", async () => {
    const { name, tg } = await newGroup([FAST]);
    const other = await newGroup([FAST], 1);
    const Id = other.ids[0] ?? "";
    await h.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.arn, Targets: [{ Id }] }));
    await waitForSim(
      "the registered target to be healthy",
      () => health(tg.arn),
      (d) => stateOf(d, Id) === "healthy",
    );
    await h.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg.arn, Targets: [{ Id }] }));
    await waitForSim(
      "the deregistered target to be gone",
      () => health(tg.arn),
      (d) => stateOf(d, Id) === undefined,
    );
    const timeline = await h.control.timeline(name);
    const order = ["Registered", "Serving", "Draining", "Deregistered"].map((s) =>
      eventIndex(timeline, Id, s),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("raise InvalidTargetException for an unknown, stopped or unregistered instance", async () => {
    const { ids, tg } = await newGroup([SLOW]);
    const other = await newGroup([FAST], 1);
    const gone = other.ids[0] ?? "";
    await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone] }));
    const attempts = [
      new RegisterTargetsCommand({
        TargetGroupArn: tg.arn,
        Targets: [{ Id: "i-0123456789abcdef0" }],
      }),
      new RegisterTargetsCommand({ TargetGroupArn: tg.arn, Targets: [{ Id: gone }] }),
      new DeregisterTargetsCommand({ TargetGroupArn: tg.arn, Targets: [{ Id: gone }] }),
    ];
    for (const command of attempts) {
      const err: unknown = await h.elb
        .send(command as RegisterTargetsCommand)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidTargetException);
    }
    expect(stateOf(await health(tg.arn), ids[0] ?? "")).toBe("healthy");
  });

  it("raise TargetGroupNotFoundException for an unknown target group", async () => {
    await expect(
      h.elb.send(
        new RegisterTargetsCommand({
          TargetGroupArn: UNKNOWN_ARN,
          Targets: [{ Id: "i-0123456789abcdef0" }],
        }),
      ),
    ).rejects.toBeInstanceOf(TargetGroupNotFoundException);
    await expect(health(UNKNOWN_ARN)).rejects.toBeInstanceOf(TargetGroupNotFoundException);
  });
});

describe("ELB calls in the counters", () => {
  it("counts each call and throttles with the group's throttleRate", async () => {
    const { name, tg } = await newGroup([FAST]);
    const before = (await h.control.counters()).calls.DescribeTargetHealth ?? 0;
    await health(tg.arn);
    await health(tg.arn);
    expect((await h.control.counters()).calls.DescribeTargetHealth).toBe(before + 2);

    await h.control.setFaults(name, { throttleRate: 1 });
    const once = new ElasticLoadBalancingV2Client({
      region: "us-east-1",
      endpoint: h.sim.url,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    try {
      await expect(
        once.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.arn })),
      ).rejects.toMatchObject({ name: "Throttling", message: "Rate exceeded" });
    } finally {
      once.destroy();
      await h.control.setFaults(name, { throttleRate: 0 });
    }
    expect((await h.control.counters()).throttled.DescribeTargetHealth).toBeGreaterThanOrEqual(1);
  });
});

describe("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", () => {
  it("points an SDK client without an endpoint at the simulator", async () => {
    const { tg } = await newGroup([FAST]);
    const saved = process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2;
    process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = h.sim.url;
    const client = new ElasticLoadBalancingV2Client({
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      const out = await client.send(new DescribeTargetGroupsCommand({ Names: [tg.name] }));
      expect(out.TargetGroups?.[0]?.TargetGroupArn).toBe(tg.arn);
    } finally {
      client.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2;
      else process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = saved;
    }
  });
});
