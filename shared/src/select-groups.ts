import {
  paginateDescribeAutoScalingGroups,
  type AutoScalingClient,
} from "@aws-sdk/client-auto-scaling";
import type { Selector } from "./job-message.ts";

/**
 * The names of the groups a selector matches, sorted: DescribeAutoScalingGroups
 * with one `tag:<key>` filter per tag (AWS ANDs filters), 100 a page. Stops once it
 * has more than `limit`, so a selector matching thousands costs a page or two, not
 * the whole account. AWS faults are thrown for the caller's retry policy.
 */
export async function selectGroups(
  autoScaling: AutoScalingClient,
  selector: Selector,
  limit: number,
): Promise<string[]> {
  const Filters = Object.entries(selector.tags).map(([key, value]) => ({
    Name: `tag:${key}`,
    Values: [value],
  }));
  const names = new Set<string>();
  const pages = paginateDescribeAutoScalingGroups(
    { client: autoScaling, pageSize: 100 },
    { Filters },
  );
  for await (const page of pages) {
    for (const group of page.AutoScalingGroups ?? []) {
      if (group.AutoScalingGroupName) names.add(group.AutoScalingGroupName);
    }
    if (names.size > limit) break;
  }
  return [...names].sort().slice(0, limit + 1);
}
