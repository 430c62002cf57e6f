import {
  paginateDescribeAutoScalingInstances,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import { paginateDescribeInstances, type EC2Client } from "@aws-sdk/client-ec2";
import { chunk } from "@macaque/shared";
import type { VictimFacts } from "./victim-decisions.ts";

/** Looks the victims (each named once) up again, right now; any AWS error is thrown (the order is retried). */
export type Recheck = (instanceIds: readonly string[]) => Promise<VictimFacts[]>;

/** DescribeAutoScalingInstances takes at most 50 ids per call. */
const autoScalingBatch = 50;
/** EC2 filters take at most 200 values. */
const ec2Batch = 200;

export function createRecheck(options: {
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
}): Recheck {
  const { autoScaling, ec2 } = options;
  return async (instanceIds) => {
    if (instanceIds.length === 0) return [];
    const [memberships, instances] = await Promise.all([
      describeMemberships(autoScaling, instanceIds),
      describeInstances(ec2, instanceIds),
    ]);
    return instanceIds.map((instanceId) => ({
      instanceId,
      membership: memberships.get(instanceId),
      instance: instances.get(instanceId),
    }));
  };
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
  ec2: EC2Client,
  ids: readonly string[],
): Promise<Map<string, NonNullable<VictimFacts["instance"]>>> {
  const found = new Map<string, NonNullable<VictimFacts["instance"]>>();
  for (const batch of chunk(ids, ec2Batch)) {
    const pages = paginateDescribeInstances(
      { client: ec2 },
      { Filters: [{ Name: "instance-id", Values: batch }] },
    );
    for await (const page of pages) {
      for (const reservation of page.Reservations ?? []) {
        for (const i of reservation.Instances ?? []) {
          if (!i.InstanceId) continue;
          found.set(i.InstanceId, {
            state: i.State?.Name ?? "unknown",
            tags: (i.Tags ?? []).map((t) => ({ key: t.Key ?? "", value: t.Value ?? "" })),
          });
        }
      }
    }
  }
  return found;
}
