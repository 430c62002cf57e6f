import {
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  type Activity,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import { paginateDescribeInstances, type EC2Client } from "@aws-sdk/client-ec2";
import { chunk, groupStateOf, type GroupState } from "@macaque/shared";

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

  const [activities, tagsById] = await Promise.all([
    describeRecentActivities(clients.autoScaling, name),
    describeInstanceTags(
      clients.ec2,
      (group.Instances ?? []).map((m) => m.InstanceId ?? ""),
    ),
  ]);
  return groupStateOf(name, group, activities, (id) => tagsById.get(id));
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
