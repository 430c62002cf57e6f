import {
  paginateDescribeAutoScalingInstances,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import { chunk, createDescribeBatcher } from "@macaque/shared";
import type { Ec2Query } from "@macaque/shared/ec2-query";
import type { VictimFacts } from "./victim-decisions.ts";

/** Looks the victims (each named once) up again, right now; any AWS error is thrown (the order is retried). */
export type Recheck = (instanceIds: readonly string[]) => Promise<VictimFacts[]>;

/** DescribeAutoScalingInstances takes at most 50 ids per call. */
const autoScalingBatch = 50;
/** EC2 filters take at most 200 values. */
const ec2Batch = 200;

/**
 * Orders carried out together share their calls: the victims asked for within
 * `windowMs` go out in one DescribeAutoScalingInstances (50 ids a call) and one
 * DescribeInstances (200 ids a call). Each call is still made after its orders
 * asked, so what they learn is no older than if each had called alone.
 */
export function createRecheck(options: {
  autoScaling: AutoScalingClient;
  ec2: Ec2Query;
  windowMs?: number;
}): Recheck {
  const { autoScaling, ec2 } = options;
  const window = options.windowMs === undefined ? {} : { windowMs: options.windowMs };
  const memberships = createDescribeBatcher({
    describe: async (ids) => [...(await describeMemberships(autoScaling, ids))],
    nameOf: ([id]) => id,
    maxBatch: autoScalingBatch,
    ...window,
  });
  const instances = createDescribeBatcher({
    describe: async (ids) => [...(await describeInstances(ec2, ids))],
    nameOf: ([id]) => id,
    maxBatch: ec2Batch,
    ...window,
  });
  return (instanceIds) =>
    Promise.all(
      instanceIds.map(async (instanceId) => {
        const [membership, instance] = await Promise.all([
          memberships.describeGroup(instanceId),
          instances.describeGroup(instanceId),
        ]);
        return { instanceId, membership: membership?.[1], instance: instance?.[1] };
      }),
    );
}

async function describeMemberships(
  autoScaling: AutoScalingClient,
  ids: readonly string[],
): Promise<Map<string, NonNullable<VictimFacts["membership"]>>> {
  const found = new Map<string, NonNullable<VictimFacts["membership"]>>();
  for (const batch of chunk(ids, autoScalingBatch)) {
    const pages = paginateDescribeAutoScalingInstances(
      { client: autoScaling },
      { InstanceIds: batch },
    );
    for await (const page of pages) {
      for (const i of page.AutoScalingInstances ?? []) {
        if (!i.InstanceId) continue;
        found.set(i.InstanceId, {
          group: i.AutoScalingGroupName ?? "",
          lifecycleState: i.LifecycleState ?? "unknown",
        });
      }
    }
  }
  return found;
}

/**
 * An `instance-id` filter rather than InstanceIds: with InstanceIds, one id EC2 no
 * longer knows fails the whole call; with the filter it is simply absent.
 */
async function describeInstances(
  ec2: Ec2Query,
  ids: readonly string[],
): Promise<Map<string, NonNullable<VictimFacts["instance"]>>> {
  const found = new Map<string, NonNullable<VictimFacts["instance"]>>();
  for (const batch of chunk(ids, ec2Batch)) {
    for (const i of await ec2.describeInstances([{ name: "instance-id", values: batch }])) {
      found.set(i.instanceId, {
        state: i.state ?? "unknown",
        tags: Object.entries(i.tags).map(([key, value]) => ({ key, value })),
      });
    }
  }
  return found;
}
