import {
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import { paginateDescribeInstances, type EC2Client } from "@aws-sdk/client-ec2";
import {
  chunk,
  isActivityUnfinished,
  type ActivityState,
  type GroupState,
  type InstanceState,
} from "@macaque/shared";

/** EC2 accepts at most 200 values per filter. */
const FILTER_VALUES_MAX = 200;

export interface DescribeClients {
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
}

/**
 * Reads one group, its unfinished scaling activities and its instances' tags.
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

  const members = group.Instances ?? [];
  const [activitiesInProgress, tagsById] = await Promise.all([
    describeUnfinishedActivities(clients.autoScaling, name),
    describeInstanceTags(
      clients.ec2,
      members.map((m) => m.InstanceId ?? ""),
    ),
  ]);
  const instances: InstanceState[] = members.map((m) => ({
    instanceId: m.InstanceId ?? "",
    availabilityZone: m.AvailabilityZone ?? "",
    lifecycleState: m.LifecycleState ?? "",
    healthStatus: m.HealthStatus ?? "",
    tags: tagsById.get(m.InstanceId ?? ""),
  }));
  return {
    name,
    desiredCapacity: group.DesiredCapacity ?? 0,
    minSize: group.MinSize ?? 0,
    maxSize: group.MaxSize ?? 0,
    tags: Object.fromEntries((group.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    suspendedProcesses: (group.SuspendedProcesses ?? []).map((p) => p.ProcessName ?? ""),
    instances,
    activitiesInProgress,
  };
}

/**
 * Activities come newest first; an unfinished one is among the latest, so the
 * first page (100) is enough and a group with a long history costs one call.
 */
async function describeUnfinishedActivities(
  autoScaling: AutoScalingClient,
  name: string,
): Promise<ActivityState[]> {
  const out = await autoScaling.send(
    new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name, MaxRecords: 100 }),
  );
  return (out.Activities ?? [])
    .filter((a) => isActivityUnfinished(a.StatusCode ?? ""))
    .map((a) => ({
      id: a.ActivityId ?? "",
      description: a.Description ?? a.Cause ?? "(no description)",
      statusCode: a.StatusCode ?? "",
    }));
}

/**
 * A filter, unlike InstanceIds, does not fail the whole call when EC2 does not
 * know an id yet (eventual consistency); such an instance is left without tags.
 */
async function describeInstanceTags(
  ec2: EC2Client,
  instanceIds: string[],
): Promise<Map<string, Record<string, string>>> {
  const tags = new Map<string, Record<string, string>>();
  for (const ids of chunk(instanceIds, FILTER_VALUES_MAX)) {
    const pages = paginateDescribeInstances(
      { client: ec2 },
      { Filters: [{ Name: "instance-id", Values: ids }] },
    );
    for await (const page of pages) {
      for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (!instance.InstanceId) continue;
        tags.set(
          instance.InstanceId,
          Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
        );
      }
    }
  }
  return tags;
}
