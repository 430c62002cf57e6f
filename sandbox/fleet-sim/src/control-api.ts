/** The control endpoint (`/_sim/`, JSON): set up fleets, switch faults, read ground truth. */
import { z } from "zod";
import type {
  CreateGroupRequest,
  EventTargetRequest,
  GlobalFaultsRequest,
  GroupFaultsRequest,
  GroupView,
  TargetGroupRequest,
  TimelineView,
  TimingRequest,
} from "./control-types.ts";
import { createAlarmControl } from "./alarm-control.ts";
import type { Alarms } from "./alarms.ts";
import type { EventSender } from "./aws-events.ts";
import type { Counters } from "./counters.ts";
import { SimError } from "./errors.ts";
import type { Fleet } from "./fleet.ts";
import type { Group } from "./model.ts";
import { SCALING_PROCESSES } from "./model.ts";

export interface ControlReply {
  status: number;
  body?: unknown;
}

export interface GlobalFaults {
  throttleRate: number;
}

const count = z.number().int().min(0).max(10_000);
const seconds = z.number().min(0).max(86_400);
const rate = z.number().min(0).max(1);

/** Where AWS's events go: an SQS queue URL, an EventBridge endpoint, or (both absent) nowhere. */
const eventTargetSchema = z.strictObject({
  queueUrl: z.url().optional(),
  sqsEndpoint: z.url().optional(),
  busUrl: z.url().optional(),
  detailTypes: z.array(z.string().min(1)).optional(),
}) satisfies z.ZodType<EventTargetRequest>;

const targetGroupSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/, "1–32 letters, digits and hyphens"),
  port: z.number().int().min(1).max(65_535).optional(),
  healthCheckIntervalSeconds: z.number().int().min(5).max(300).optional(),
  healthyThresholdCount: z.number().int().min(2).max(10).optional(),
  deregistrationDelaySeconds: z.number().int().min(0).max(3_600).optional(),
}) satisfies z.ZodType<TargetGroupRequest>;

const createGroupSchema = z
  .strictObject({
    name: z.string().min(1).max(255),
    desiredCapacity: count,
    minSize: count.optional(),
    maxSize: count.optional(),
    availabilityZones: z.array(z.string().min(1)).min(1).optional(),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
    instanceType: z.string().min(1).optional(),
    bootSeconds: seconds.optional(),
    healthySeconds: seconds.optional(),
    healthCheckDelaySeconds: seconds.optional(),
    suspendedProcesses: z.array(z.enum(SCALING_PROCESSES)).optional(),
    targetGroups: z.array(targetGroupSchema).max(5).optional(),
  })
  .superRefine((body, ctx) => {
    const names = (body.targetGroups ?? []).map((tg) => tg.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) {
        ctx.addIssue({ code: "custom", path: ["targetGroups", i, "name"], message: "repeated" });
      }
    });
    if (body.minSize !== undefined && body.minSize > body.desiredCapacity) {
      ctx.addIssue({
        code: "custom",
        path: ["minSize"],
        message: "must not exceed desiredCapacity",
      });
    }
    if (body.maxSize !== undefined && body.maxSize < body.desiredCapacity) {
      ctx.addIssue({
        code: "custom",
        path: ["maxSize"],
        message: "must not be below desiredCapacity",
      });
    }
  }) satisfies z.ZodType<CreateGroupRequest>;

const groupFaultsSchema = z.strictObject({
  launchFailures: z.boolean().optional(),
  neverHealthy: z.boolean().optional(),
  neverServing: z.boolean().optional(),
  throttleRate: rate.optional(),
}) satisfies z.ZodType<GroupFaultsRequest>;

/** A slower (or faster) launch from now on, as a new AMI or launch template might bring. */
const timingSchema = z.strictObject({
  bootSeconds: seconds.optional(),
  healthySeconds: seconds.optional(),
  healthCheckDelaySeconds: seconds.optional(),
}) satisfies z.ZodType<TimingRequest>;

const globalFaultsSchema = z.strictObject({
  throttleRate: rate,
}) satisfies z.ZodType<GlobalFaultsRequest>;

export function parseBody<T>(schema: z.ZodType<T>, text: string): T {
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch (err) {
    throw new SimError("InvalidBody", "request body is not valid JSON", { cause: err });
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
  throw new SimError("InvalidBody", `invalid request body: ${problems.join("; ")}`);
}

const timingView = (group: Group): Required<TimingRequest> => ({
  bootSeconds: group.timing.bootMs / 1000,
  healthySeconds: group.timing.healthyMaxMs / 1000,
  healthCheckDelaySeconds: group.timing.healthCheckDelayMs / 1000,
});

export function createControlApi(deps: {
  fleet: Fleet;
  counters: Counters;
  faults: GlobalFaults;
  alarms: Alarms;
  events: Pick<EventSender, "target" | "setTarget">;
}) {
  const { fleet, counters, faults } = deps;
  const alarmControl = createAlarmControl(deps.alarms, parseBody);

  const requireGroup = (name: string): Group => {
    const group = fleet.groups.get(name);
    if (!group) throw new SimError("NotFound", `no group named '${name}'`, { status: 404 });
    return group;
  };

  const createGroup = (text: string): ControlReply => {
    const body = parseBody(createGroupSchema, text);
    if (fleet.groups.has(body.name)) {
      throw new SimError("Conflict", `a group named '${body.name}' already exists`, {
        status: 409,
      });
    }
    const taken = new Set(fleet.targetGroups().map((tg) => tg.name));
    const clash = body.targetGroups?.find((tg) => taken.has(tg.name));
    if (clash) {
      throw new SimError("Conflict", `a target group named '${clash.name}' already exists`, {
        status: 409,
      });
    }
    const group = fleet.createGroup(
      {
        name: body.name,
        desiredCapacity: body.desiredCapacity,
        minSize: body.minSize ?? 0,
        maxSize: body.maxSize ?? Math.max(1, body.desiredCapacity * 2),
        availabilityZones: body.availabilityZones ?? ["us-east-1a", "us-east-1b", "us-east-1c"],
        tags: Object.entries(body.tags ?? {}).map(([key, value]) => ({
          key,
          value,
          propagateAtLaunch: true,
        })),
        instanceType: body.instanceType ?? "t3.micro",
        launchTemplate: { id: undefined, name: `${body.name}-template`, version: "$Default" },
        launchConfigurationName: undefined,
        healthCheckGracePeriod: 300,
        suspendedProcesses: body.suspendedProcesses ?? [],
        timing: {
          bootMs: (body.bootSeconds ?? 30) * 1000,
          healthyMaxMs: (body.healthySeconds ?? 5) * 1000,
          healthCheckDelayMs: (body.healthCheckDelaySeconds ?? 10) * 1000,
        },
        targetGroups: (body.targetGroups ?? []).map((tg) => ({
          name: tg.name,
          port: tg.port ?? 80,
          healthCheckIntervalSeconds: tg.healthCheckIntervalSeconds ?? 30,
          healthyThresholdCount: tg.healthyThresholdCount ?? 5,
          deregistrationDelaySeconds: tg.deregistrationDelaySeconds ?? 300,
        })),
      },
      { warm: true },
    );
    return { status: 201, body: groupView(fleet, group) };
  };

  /** Routes by method and the path segments after `/_sim/`. */
  return function handle(method: string, segments: string[], text: string): ControlReply {
    const [resource, name = "", ...rest] = segments;
    if (resource === "alarms") return alarmControl(method, segments.slice(1), text);
    const pattern =
      resource === "groups" && segments.length > 1 ? [resource, ":name", ...rest] : segments;
    const route = `${method} ${pattern.join("/")}`;
    switch (route) {
      case "GET health":
        return { status: 200, body: { ok: true } };
      case "GET groups":
        return { status: 200, body: [...fleet.groups.values()].map((g) => groupView(fleet, g)) };
      case "POST groups":
        return createGroup(text);
      case "DELETE groups":
        fleet.reset();
        return { status: 204 };
      case "GET groups/:name":
        return { status: 200, body: groupView(fleet, requireGroup(name)) };
      case "DELETE groups/:name":
        requireGroup(name);
        fleet.deleteGroup(name);
        return { status: 204 };
      case "PUT groups/:name/faults":
        return { status: 200, body: fleet.setFaults(name, parseBody(groupFaultsSchema, text)) };
      case "PUT groups/:name/timing": {
        const timing = parseBody(timingSchema, text);
        const group = requireGroup(name);
        if (timing.bootSeconds !== undefined) group.timing.bootMs = timing.bootSeconds * 1000;
        if (timing.healthySeconds !== undefined) {
          group.timing.healthyMaxMs = timing.healthySeconds * 1000;
        }
        if (timing.healthCheckDelaySeconds !== undefined) {
          group.timing.healthCheckDelayMs = timing.healthCheckDelaySeconds * 1000;
        }
        return { status: 200, body: timingView(group) };
      }
      case "GET groups/:name/timeline":
        return { status: 200, body: timelineView(requireGroup(name)) };
      case "PUT faults":
        faults.throttleRate = parseBody(globalFaultsSchema, text).throttleRate;
        return { status: 200, body: { ...faults } };
      case "GET events":
        return { status: 200, body: deps.events.target() };
      case "PUT events": {
        const target = parseBody(eventTargetSchema, text);
        deps.events.setTarget(target);
        return { status: 200, body: deps.events.target() };
      }
      case "GET counters":
        return { status: 200, body: counters.view() };
      case "DELETE counters":
        counters.reset();
        return { status: 204 };
      default:
        throw new SimError("NotFound", `no control route ${method} /_sim/${segments.join("/")}`, {
          status: 404,
        });
    }
  };
}

function groupView(fleet: Fleet, group: Group): GroupView {
  return {
    name: group.name,
    minSize: group.minSize,
    maxSize: group.maxSize,
    desiredCapacity: group.desiredCapacity,
    availabilityZones: [...group.availabilityZones],
    tags: Object.fromEntries(group.tags.map((t) => [t.key, t.value])),
    instanceType: group.instanceType,
    suspendedProcesses: [...group.suspended.keys()],
    faults: { ...group.faults },
    instances: group.members.map((m) => ({
      instanceId: m.instanceId,
      availabilityZone: m.availabilityZone,
      lifecycleState: m.lifecycleState,
      healthStatus: m.healthStatus,
      ec2State: fleet.instances.get(m.instanceId)?.state ?? "terminated",
    })),
    targetGroups: group.targetGroups.map((tg) => ({
      name: tg.name,
      arn: tg.arn,
      loadBalancerArn: tg.loadBalancerArn,
      port: tg.port,
      healthCheckIntervalSeconds: tg.healthCheckIntervalSeconds,
      healthyThresholdCount: tg.healthyThresholdCount,
      deregistrationDelaySeconds: tg.deregistrationDelaySeconds,
      targets: tg.targets.map((t) => ({ id: t.id, port: t.port, state: t.state })),
    })),
  };
}

function timelineView(group: Group): TimelineView {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    events: group.timeline.map((e) => ({ ...e, at: iso(e.at) })),
    recoveries: group.recoveries.map((r) => ({
      disruptedAt: iso(r.disruptedAt),
      wholeAt: r.wholeAt === null ? null : iso(r.wholeAt),
      durationMs: r.wholeAt === null ? null : r.wholeAt - r.disruptedAt,
      ...(group.targetGroups.length > 0 && {
        servingAt: r.servingAt === null ? null : iso(r.servingAt),
        servingDurationMs: r.servingAt === null ? null : r.servingAt - r.disruptedAt,
      }),
      lostInstanceIds: [...r.lostInstanceIds],
      replacementInstanceIds: [...r.replacementInstanceIds],
    })),
  };
}
