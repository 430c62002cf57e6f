import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { targetGroupHealthOf, type TargetGroupHealth } from "@macaque/shared";
import type { RateLimiter } from "@macaque/shared";

/**
 * Reads each target group's targets, one DescribeTargetHealth per target group
 * (the API takes one), each call waiting for the rate limiter. `onCall` counts
 * the calls. A target group ELB does not know fails the whole read.
 */
export async function describeTargetHealth(
  client: ElasticLoadBalancingV2Client,
  arns: readonly string[],
  limiter: RateLimiter,
  onCall: () => void,
): Promise<TargetGroupHealth[]> {
  return Promise.all(
    arns.map(async (arn) => {
      await limiter.take();
      onCall();
      const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      return targetGroupHealthOf(arn, out.TargetHealthDescriptions ?? []);
    }),
  );
}
