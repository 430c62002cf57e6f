import {
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  type Activity,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import { paginateDescribeInstances, type EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  chunk,
  groupConfigurationOf,
  groupStateOf,
  targetGroupArnsOf,
  targetGroupHealthOf,
  type GroupState,
  type TargetGroupHealth,
} from "@macaque/shared";

/** EC2 accepts at most 200 values per filter. */
const FILTER_VALUES_MAX = 200;

export interface DescribeClients {
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
  elb: ElasticLoadBalancingV2Client;
}

/**
 * Reads one group, its unfinished scaling activities, its instances' tags and
 * the target health of its load-balancer target groups (one DescribeTargetHealth
 * each; a group behind none costs no ELB call).
 * Undefined means Auto Scaling has no group by that name; AWS faults are thrown
 * for the caller's retry policy.
 */
export async function describeGroup(
  clients: DescribeClients,
  name: string,
): Promise<GroupState | undefined> {
  const described = await clients.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  const group = described.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
  if (!group) return undefined;

  const [activities, instancesById, targetGroups] = await Promise.all([
    describeRecentActivities(clients.autoScaling, name),
    describeInstances(
      clients.ec2,
      (group.Instances ?? []).map((m) => m.InstanceId ?? ""),
    ),
    describeTargetGroups(clients.elb, targetGroupArnsOf(group)),
  ]);
  return {
    ...groupStateOf(name, group, activities, (id) => instancesById.get(id)?.tags, targetGroups),
    configuration: groupConfigurationOf(group, [...instancesById.values()]),
  };
}

/**
 * Activities come newest first; an unfinished one is among the latest, so the
 * first page (100) is enough and a group with a long history costs one call.
 */
async function describeRecentActivities(
  autoScaling: AutoScalingClient,
  name: string,
): Promise<Activity[]> {
  const out = await autoScaling.send(
    new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name, MaxRecords: 100 }),
  );
  return out.Activities ?? [];
}

interface DescribedInstance {
  tags: Record<string, string>;
  imageId?: string;
  instanceType?: string;
}

/**
 * Tags, AMI and type of each instance. A filter, unlike InstanceIds, does not
 * fail the whole call when EC2 does not know an id yet (eventual consistency);
 * such an instance is left without tags.
 */
async function describeInstances(
  ec2: EC2Client,
  instanceIds: string[],
): Promise<Map<string, DescribedInstance>> {
  const described = new Map<string, DescribedInstance>();
  for (const ids of chunk(instanceIds, FILTER_VALUES_MAX)) {
    const pages = paginateDescribeInstances(
      { client: ec2 },
      { Filters: [{ Name: "instance-id", Values: ids }] },
    );
    for await (const page of pages) {
      for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (!instance.InstanceId) continue;
        described.set(instance.InstanceId, {
          tags: Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
          ...(instance.ImageId && { imageId: instance.ImageId }),
          ...(instance.InstanceType && { instanceType: instance.InstanceType }),
        });
      }
    }
  }
  return described;
}

export async function describeTargetGroups(
  elb: ElasticLoadBalancingV2Client,
  arns: readonly string[],
): Promise<TargetGroupHealth[]> {
  return Promise.all(
    arns.map(async (arn) => {
      const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      return targetGroupHealthOf(arn, out.TargetHealthDescriptions ?? []);
    }),
  );
}
