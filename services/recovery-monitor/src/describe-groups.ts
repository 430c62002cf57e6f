import {
  paginateDescribeAutoScalingGroups,
  type AutoScalingClient,
  type AutoScalingGroup,
} from "@aws-sdk/client-auto-scaling";

/**
 * Describes up to 100 groups by name. MaxRecords defaults to 50, so the page size is
 * raised to 100 to keep a full batch to one call; further pages are followed all the
 * same. `onCall` runs once per page received, for the calls counter.
 */
export async function describeGroups(
  client: AutoScalingClient,
  names: string[],
  onCall: () => void,
): Promise<AutoScalingGroup[]> {
  const groups: AutoScalingGroup[] = [];
  const pages = paginateDescribeAutoScalingGroups(
    { client, pageSize: 100 },
    { AutoScalingGroupNames: names },
  );
  for await (const page of pages) {
    onCall();
    groups.push(...(page.AutoScalingGroups ?? []));
  }
  return groups;
}
