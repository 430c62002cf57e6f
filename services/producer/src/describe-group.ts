import {
  paginateDescribeAutoScalingGroups,
  type AutoScalingClient,
  type AutoScalingGroup,
} from "@aws-sdk/client-auto-scaling";
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  chunk,
  createDescribeBatcher,
  groupConfigurationOf,
  groupStateOf,
  targetGroupArnsOf,
  targetGroupHealthOf,
  type GroupState,
  type TargetGroupHealth,
} from "@macaque/shared";
import type { Ec2Instance, Ec2Query } from "@macaque/shared/ec2-query";

/** EC2 accepts at most 200 values per filter. */
const FILTER_VALUES_MAX = 200;

export interface DescribeClients {
  autoScaling: AutoScalingClient;
  ec2: Ec2Query;
  elb: ElasticLoadBalancingV2Client;
}

/**
 * Reads a group, its instances' tags and the target health of its load-balancer
 * target groups (one DescribeTargetHealth each; a group behind none costs no ELB
 * call).
 */
export type DescribeGroup = (name: string) => Promise<GroupState | undefined>;

/**
 * Requests that arrive together share their calls: the groups asked for within
 * `windowMs` go out in one DescribeAutoScalingGroups (100 names a call), their
 * instances in one DescribeInstances (200 ids a call). No DescribeScalingActivities:
 * an unfinished activity shows in the group itself (steady-state.ts).
 * Undefined means Auto Scaling has no group by that name; AWS faults are thrown
 * for the caller's retry policy (every request of a failed batch gets the error).
 */
export function createGroupDescriber(
  clients: DescribeClients,
  options: { windowMs?: number } = {},
): DescribeGroup {
  const groups = createDescribeBatcher({
    describe: (names) => describeGroups(clients.autoScaling, names),
    nameOf: (group) => group.AutoScalingGroupName,
    ...options,
  });
  const instances = createDescribeBatcher({
    describe: (ids) => describeInstances(clients.ec2, ids),
    nameOf: (instance) => instance.instanceId,
    maxBatch: FILTER_VALUES_MAX,
    ...options,
  });
  return async (name) => {
    const group = await groups.describeGroup(name);
    if (!group) return undefined;
    const ids = (group.Instances ?? []).flatMap((m) => (m.InstanceId ? [m.InstanceId] : []));
    const [described, targetGroups] = await Promise.all([
      Promise.all(ids.map((id) => instances.describeGroup(id))),
      describeTargetGroups(clients.elb, targetGroupArnsOf(group)),
    ]);
    const instancesById = new Map(described.flatMap((i) => (i ? [[i.instanceId, i]] : [])));
    return {
      ...groupStateOf(name, group, (id) => instancesById.get(id)?.tags, targetGroups),
      configuration: groupConfigurationOf(group, [...instancesById.values()]),
    };
  };
}

/** Up to 100 groups by name, in one call: MaxRecords (default 50) is raised to 100. */
async function describeGroups(
  autoScaling: AutoScalingClient,
  names: string[],
): Promise<AutoScalingGroup[]> {
  const found: AutoScalingGroup[] = [];
  const pages = paginateDescribeAutoScalingGroups(
    { client: autoScaling, pageSize: 100 },
    { AutoScalingGroupNames: names },
  );
  for await (const page of pages) found.push(...(page.AutoScalingGroups ?? []));
  return found;
}

/**
 * Tags, AMI and type of each instance. A filter, unlike InstanceIds, does not
 * fail the whole call when EC2 does not know an id yet (eventual consistency);
 * such an instance is left without tags.
 */
async function describeInstances(ec2: Ec2Query, instanceIds: string[]): Promise<Ec2Instance[]> {
  const described: Ec2Instance[] = [];
  for (const ids of chunk(instanceIds, FILTER_VALUES_MAX)) {
    described.push(...(await ec2.describeInstances([{ name: "instance-id", values: ids }])));
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
