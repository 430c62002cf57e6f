import {
  DescribeAutoScalingGroupsCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
} from "@aws-sdk/client-auto-scaling";

/**
 * Describes up to 100 groups by name. MaxRecords defaults to 50, so it is raised to
 * 100 to keep a full batch to one call; NextToken is followed all the same.
 * `onCall` runs once per API call, for the calls counter.
 */
export async function describeGroups(
  client: AutoScalingClient,
  names: string[],
  onCall: () => void,
): Promise<AutoScalingGroup[]> {
  const groups: AutoScalingGroup[] = [];
  let token: string | undefined;
  do {
    onCall();
    const page = await client.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: names,
        MaxRecords: 100,
        NextToken: token,
      }),
    );
    groups.push(...(page.AutoScalingGroups ?? []));
    token = page.NextToken;
  } while (token);
  return groups;
}
