import type { GroupConfiguration } from "./events.ts";
import { targetGroupArnsOf, type DescribedTargetGroups } from "./target-health.ts";

/** The parts of DescribeAutoScalingGroups' group a configuration is read from. */
export interface DescribedConfiguration extends DescribedTargetGroups {
  DesiredCapacity?: number | undefined;
  MinSize?: number | undefined;
  MaxSize?: number | undefined;
  SuspendedProcesses?: { ProcessName?: string | undefined }[] | undefined;
  LaunchTemplate?:
    | {
        LaunchTemplateId?: string | undefined;
        LaunchTemplateName?: string | undefined;
        Version?: string | undefined;
      }
    | undefined;
  LaunchConfigurationName?: string | undefined;
  HealthCheckType?: string | undefined;
  HealthCheckGracePeriod?: number | undefined;
  Instances?: { InstanceType?: string | undefined }[] | undefined;
}

const distinctSorted = (values: readonly (string | undefined)[]): string[] =>
  [...new Set(values.filter((v): v is string => !!v))].sort();

/**
 * A group's configuration from Auto Scaling's answer and, where the caller read
 * them (DescribeInstances), its instances' AMIs and types. Auto Scaling names
 * each instance's type too, so the types are known even without EC2.
 */
export function groupConfigurationOf(
  group: DescribedConfiguration,
  instances: readonly { imageId?: string; instanceType?: string }[] = [],
): GroupConfiguration {
  const template = group.LaunchTemplate;
  return {
    ...(template && {
      launchTemplate: {
        ...(template.LaunchTemplateId && { id: template.LaunchTemplateId }),
        ...(template.LaunchTemplateName && { name: template.LaunchTemplateName }),
        ...(template.Version && { version: template.Version }),
      },
    }),
    ...(group.LaunchConfigurationName && {
      launchConfigurationName: group.LaunchConfigurationName,
    }),
    imageIds: distinctSorted(instances.map((i) => i.imageId)),
    instanceTypes: distinctSorted([
      ...instances.map((i) => i.instanceType),
      ...(group.Instances ?? []).map((i) => i.InstanceType),
    ]),
    ...(group.HealthCheckType && { healthCheckType: group.HealthCheckType }),
    ...(group.HealthCheckGracePeriod !== undefined && {
      healthCheckGracePeriodSeconds: group.HealthCheckGracePeriod,
    }),
    desiredCapacity: group.DesiredCapacity ?? 0,
    minSize: group.MinSize ?? 0,
    maxSize: group.MaxSize ?? 0,
    targetGroupArns: targetGroupArnsOf(group),
    suspendedProcesses: distinctSorted((group.SuspendedProcesses ?? []).map((p) => p.ProcessName)),
  };
}
