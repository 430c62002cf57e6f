import {
  DescribeAutoScalingGroupsCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
} from "@aws-sdk/client-auto-scaling";
import type { RateLimiter } from "@macaque/shared";

/**
 * Describes up to 100 groups by name. MaxRecords defaults to 50, so the page size is
 * raised to 100 to keep a full batch to one call; further pages are followed all the
 * same. Each page waits its turn at the limiter; `onCall` runs once per page
 * received, for the calls counter.
 */
export async function describeGroups(
  client: AutoScalingClient,
  names: string[],
  limiter: RateLimiter,
  onCall: () => void,
): Promise<AutoScalingGroup[]> {
  const groups: AutoScalingGroup[] = [];
  let token: string | undefined;
  do {
    await limiter.take();
    const page = await client.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: names,
        MaxRecords: 100,
        NextToken: token,
      }),
    );
    onCall();
    groups.push(...(page.AutoScalingGroups ?? []));
    token = page.NextToken;
  } while (token);
  return groups;
}
