/** Auto Scaling's XML shapes (API 2011-01-01) for groups, instances and activities. */
import type { Activity, Group, LaunchTemplateRef, Member } from "./model.ts";
import { members, timestamp } from "./xml.ts";
import type { XmlNode } from "./xml.ts";

const SERVICE_LINKED_ROLE =
  "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";

function launchTemplateXml(template: LaunchTemplateRef | undefined): XmlNode | undefined {
  if (!template) return undefined;
  return {
    LaunchTemplateId: template.id,
    LaunchTemplateName: template.name,
    Version: template.version,
  };
}

function memberXml(group: Group, member: Member): XmlNode {
  return {
    InstanceId: member.instanceId,
    InstanceType: group.instanceType,
    AvailabilityZone: member.availabilityZone,
    LifecycleState: member.lifecycleState,
    HealthStatus: member.healthStatus,
    LaunchTemplate: launchTemplateXml(group.launchTemplate),
    LaunchConfigurationName: group.launchConfigurationName,
    ProtectedFromScaleIn: member.protectedFromScaleIn,
  };
}

export function instanceDetailsXml(group: Group, member: Member): XmlNode {
  return { ...memberXml(group, member), AutoScalingGroupName: group.name };
}

export function groupXml(group: Group): XmlNode {
  return {
    AutoScalingGroupName: group.name,
    AutoScalingGroupARN: group.arn,
    LaunchTemplate: launchTemplateXml(group.launchTemplate),
    LaunchConfigurationName: group.launchConfigurationName,
    MinSize: group.minSize,
    MaxSize: group.maxSize,
    DesiredCapacity: group.desiredCapacity,
    DefaultCooldown: 300,
    AvailabilityZones: members(group.availabilityZones),
    LoadBalancerNames: members([]),
    TargetGroupARNs: members(group.targetGroups.map((tg) => tg.arn)),
    HealthCheckType: "EC2",
    HealthCheckGracePeriod: group.healthCheckGracePeriod,
    Instances: members(group.members.map((m) => memberXml(group, m))),
    CreatedTime: timestamp(group.createdTime),
    SuspendedProcesses: members(
      [...group.suspended].map(([ProcessName, SuspensionReason]) => ({
        ProcessName,
        SuspensionReason,
      })),
    ),
    EnabledMetrics: members([]),
    Tags: members(
      group.tags.map((t) => ({
        ResourceId: group.name,
        ResourceType: "auto-scaling-group",
        Key: t.key,
        Value: t.value,
        PropagateAtLaunch: t.propagateAtLaunch,
      })),
    ),
    TerminationPolicies: members(["Default"]),
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: SERVICE_LINKED_ROLE,
    CapacityRebalance: false,
    TrafficSources: members(
      group.targetGroups.map((tg) => ({ Identifier: tg.arn, Type: "elbv2" })),
    ),
  };
}

export function activityXml(group: Group | undefined, activity: Activity): XmlNode {
  return {
    ActivityId: activity.id,
    AutoScalingGroupName: activity.groupName,
    AutoScalingGroupARN: group?.arn,
    Description: activity.description,
    Cause: activity.cause,
    StartTime: timestamp(activity.startTime),
    EndTime: timestamp(activity.endTime),
    StatusCode: activity.statusCode,
    StatusMessage: activity.statusMessage,
    Progress: activity.progress,
    Details: "{}",
  };
}
