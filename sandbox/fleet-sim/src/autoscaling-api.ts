/** The Auto Scaling API (2011-01-01, awsQuery) over the fleet. */
import { z } from "zod";
import { defineAction } from "./actions.ts";
import type { ApiService } from "./actions.ts";
import { activityXml, groupXml, instanceDetailsXml } from "./autoscaling-views.ts";
import { SimError } from "./errors.ts";
import { matchesGroup } from "./filters.ts";
import { DEFAULT_TIMING } from "./fleet.ts";
import type { Fleet } from "./fleet.ts";
import { paginate } from "./pagination.ts";
import { q } from "./query.ts";
import { autoscalingError, autoscalingResponse, members } from "./xml.ts";

export const AUTOSCALING_VERSION = "2011-01-01";
const DEFAULT_ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

const invalidToken = (): SimError =>
  new SimError("InvalidNextToken", "The token provided is not valid.");

const launchTemplate = z
  .object({
    LaunchTemplateId: q.string().optional(),
    LaunchTemplateName: q.string().optional(),
    Version: q.string().optional(),
  })
  .optional()
  .transform(
    (t) => t && { id: t.LaunchTemplateId, name: t.LaunchTemplateName, version: t.Version },
  );

const groupShape = {
  AutoScalingGroupName: q.string(),
  MinSize: q.int(0, 10_000),
  MaxSize: q.int(0, 10_000),
  DesiredCapacity: q.int(0, 10_000).optional(),
  AvailabilityZones: q.list(q.string()),
  HealthCheckGracePeriod: q.int(0, 7_200).optional(),
  LaunchTemplate: launchTemplate,
  LaunchConfigurationName: q.string().optional(),
};

const tag = z.object({
  ResourceId: q.string().optional(),
  ResourceType: z.literal("auto-scaling-group").optional(),
  Key: q.string(128),
  Value: z.string().max(256).default(""),
  PropagateAtLaunch: q.bool().default(false),
});

const processesInput = z.object({
  AutoScalingGroupName: q.string(),
  ScalingProcesses: q.list(q.string()),
});

export function createAutoscalingApi(fleet: Fleet): ApiService {
  const groupOf = (instanceId: string): string[] => {
    const name = fleet.instances.get(instanceId)?.groupName;
    return name === undefined ? [] : [name];
  };
  const sortedGroups = () =>
    [...fleet.groups.values()].sort((a, b) => a.name.localeCompare(b.name));

  const actions = {
    DescribeAutoScalingGroups: defineAction(
      z.object({
        AutoScalingGroupNames: q.list(q.string()),
        Filters: q.list(z.object({ Name: q.string(), Values: q.list(z.string()) })),
        MaxRecords: q.int(1, 100).optional(),
        NextToken: z.string().optional(),
      }),
      (input) => (input.AutoScalingGroupNames?.length ? input.AutoScalingGroupNames : "all"),
      (input) => {
        const names = input.AutoScalingGroupNames ?? [];
        const filters = (input.Filters ?? []).map((f) => ({
          name: f.Name,
          values: f.Values ?? [],
        }));
        const groups = sortedGroups()
          .filter((g) => names.length === 0 || names.includes(g.name))
          .filter((g) => matchesGroup(g, filters));
        const page = paginate(groups, input.MaxRecords ?? 50, input.NextToken, invalidToken());
        return { AutoScalingGroups: members(page.items.map(groupXml)), NextToken: page.nextToken };
      },
    ),

    DescribeAutoScalingInstances: defineAction(
      z.object({
        InstanceIds: q.list(q.string(19)),
        MaxRecords: q.int(1, 50).optional(),
        NextToken: z.string().optional(),
      }),
      (input) => (input.InstanceIds?.length ? input.InstanceIds.flatMap(groupOf) : "all"),
      (input) => {
        const ids = input.InstanceIds ?? [];
        const details = sortedGroups().flatMap((group) =>
          group.members
            .filter((m) => ids.length === 0 || ids.includes(m.instanceId))
            .map((m) => instanceDetailsXml(group, m)),
        );
        const page = paginate(details, input.MaxRecords ?? 50, input.NextToken, invalidToken());
        return { AutoScalingInstances: members(page.items), NextToken: page.nextToken };
      },
    ),

    DescribeScalingActivities: defineAction(
      z.object({
        ActivityIds: q.list(q.string()),
        AutoScalingGroupName: q.string().optional(),
        MaxRecords: q.int(1, 100).optional(),
        NextToken: z.string().optional(),
      }),
      (input) => (input.AutoScalingGroupName ? [input.AutoScalingGroupName] : "all"),
      (input) => {
        const ids = input.ActivityIds ?? [];
        const groups = sortedGroups().filter(
          (g) => !input.AutoScalingGroupName || g.name === input.AutoScalingGroupName,
        );
        const activities = groups
          .flatMap((group) => group.activities.map((activity) => ({ group, activity })))
          .filter(({ activity }) => ids.length === 0 || ids.includes(activity.id))
          .sort((a, b) => b.activity.startTime - a.activity.startTime);
        const page = paginate(activities, input.MaxRecords ?? 100, input.NextToken, invalidToken());
        return {
          Activities: members(
            page.items.map(({ group, activity }) => activityXml(group, activity)),
          ),
          NextToken: page.nextToken,
        };
      },
    ),

    TerminateInstanceInAutoScalingGroup: defineAction(
      z.object({ InstanceId: q.string(19), ShouldDecrementDesiredCapacity: q.bool() }),
      (input) => groupOf(input.InstanceId),
      (input) => {
        const activity = fleet.terminateInGroup(
          input.InstanceId,
          input.ShouldDecrementDesiredCapacity,
        );
        return { Activity: activityXml(fleet.groups.get(activity.groupName), activity) };
      },
    ),

    SuspendProcesses: defineAction(
      processesInput,
      (input) => [input.AutoScalingGroupName],
      (input) => {
        fleet.suspendProcesses(input.AutoScalingGroupName, input.ScalingProcesses ?? []);
        return undefined;
      },
    ),

    ResumeProcesses: defineAction(
      processesInput,
      (input) => [input.AutoScalingGroupName],
      (input) => {
        fleet.resumeProcesses(input.AutoScalingGroupName, input.ScalingProcesses ?? []);
        return undefined;
      },
    ),

    CreateAutoScalingGroup: defineAction(
      z.object({
        ...groupShape,
        Tags: q.list(tag),
        VPCZoneIdentifier: z.string().optional(),
      }),
      (input) => [input.AutoScalingGroupName],
      (input) => {
        fleet.createGroup(
          {
            name: input.AutoScalingGroupName,
            minSize: input.MinSize,
            maxSize: input.MaxSize,
            desiredCapacity: input.DesiredCapacity ?? input.MinSize,
            availabilityZones: input.AvailabilityZones?.length
              ? input.AvailabilityZones
              : DEFAULT_ZONES,
            tags: (input.Tags ?? []).map((t) => ({
              key: t.Key,
              value: t.Value,
              propagateAtLaunch: t.PropagateAtLaunch,
            })),
            instanceType: "t3.micro",
            launchTemplate: input.LaunchTemplate,
            launchConfigurationName: input.LaunchConfigurationName,
            healthCheckGracePeriod: input.HealthCheckGracePeriod ?? 0,
            suspendedProcesses: [],
            timing: { ...DEFAULT_TIMING },
            targetGroups: [],
          },
          { warm: false },
        );
        return undefined;
      },
    ),

    UpdateAutoScalingGroup: defineAction(
      z.object({
        ...groupShape,
        MinSize: groupShape.MinSize.optional(),
        MaxSize: groupShape.MaxSize.optional(),
      }),
      (input) => [input.AutoScalingGroupName],
      (input) => {
        fleet.updateGroup(input.AutoScalingGroupName, {
          minSize: input.MinSize,
          maxSize: input.MaxSize,
          desiredCapacity: input.DesiredCapacity,
          availabilityZones: input.AvailabilityZones,
          healthCheckGracePeriod: input.HealthCheckGracePeriod,
          launchTemplate: input.LaunchTemplate,
          launchConfigurationName: input.LaunchConfigurationName,
        });
        return undefined;
      },
    ),

    SetDesiredCapacity: defineAction(
      z.object({
        AutoScalingGroupName: q.string(),
        DesiredCapacity: q.int(0, 10_000),
        HonorCooldown: q.bool().optional(),
      }),
      (input) => [input.AutoScalingGroupName],
      (input) => {
        fleet.setDesiredCapacity(input.AutoScalingGroupName, input.DesiredCapacity);
        return undefined;
      },
    ),

    CreateOrUpdateTags: defineAction(
      z.object({ Tags: q.list(tag.extend({ ResourceId: q.string() })) }),
      (input) => (input.Tags ?? []).map((t) => t.ResourceId),
      (input) => {
        fleet.putTags(
          (input.Tags ?? []).map((t) => ({
            groupName: t.ResourceId,
            key: t.Key,
            value: t.Value,
            propagateAtLaunch: t.PropagateAtLaunch,
          })),
        );
        return undefined;
      },
    ),
  };

  return {
    actions,
    respond: autoscalingResponse,
    error: autoscalingError,
    throttling: { code: "Throttling", message: "Rate exceeded", status: 400 },
  };
}
