import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { seeded, startHarness } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

/**
 * Any seed gives a correct run; this one happens to throttle in short streaks, which keeps
 * the SDK's exponential back-off (and the suite) short.
 */
const THROTTLE_SEED = 2;

async function withHarness(
  clientConfig: { maxAttempts?: number; retryMode?: string },
  test: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await startHarness({ random: seeded(THROTTLE_SEED) }, clientConfig);
  try {
    await h.control.createGroup({ name: "web", desiredCapacity: 2 });
    await test(h);
  } finally {
    await h.close();
  }
}

/**
 * Calls until the simulator has throttled at least one (bounded): the SDK backs off up to
 * 2^n × 500 ms per throttled attempt, and adaptive mode also slows itself down afterwards,
 * so a handful of calls is all the suite can afford.
 */
async function callThroughThrottling(h: Harness, action: string, call: () => Promise<void>) {
  for (let i = 0; i < 12; i++) {
    await call();
    if (i >= 1 && ((await h.control.counters()).throttled[action] ?? 0) > 0) return;
  }
}

// Each case runs its own simulator, so they overlap: the time goes into the SDK's back-off.
describe("throttling", () => {
  it.concurrent.each(["standard", "adaptive"])(
    "lets calls succeed through the SDK's %s retries at a 0.5 throttle rate",
    (retryMode) =>
      withHarness({ maxAttempts: 10, retryMode }, async (h) => {
        await h.control.setFaults("web", { throttleRate: 0.5 });
        await callThroughThrottling(h, "DescribeAutoScalingGroups", async () => {
          const out = await h.autoscaling.send(
            new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["web"] }),
          );
          expect(out.AutoScalingGroups).toHaveLength(1);
        });
        await h.control.setFaults("web", { throttleRate: 0 });

        // A global rate reaches EC2 too, which answers RequestLimitExceeded (HTTP 503).
        await h.control.setGlobalFaults({ throttleRate: 0.5 });
        await callThroughThrottling(h, "DescribeInstances", async () => {
          const out = await h.ec2.send(new DescribeInstancesCommand({}));
          expect(out.Reservations).toHaveLength(2);
        });
        await h.control.setGlobalFaults({ throttleRate: 0 });

        const { calls, throttled } = await h.control.counters();
        expect(throttled.DescribeAutoScalingGroups).toBeGreaterThan(0);
        expect(throttled.DescribeInstances).toBeGreaterThan(0);
        expect(calls.DescribeAutoScalingGroups).toBeGreaterThan(
          throttled.DescribeAutoScalingGroups ?? 0,
        );
      }),
  );

  it.concurrent("surfaces the SDK's Throttling error once the attempts run out", () =>
    withHarness({}, async (h) => {
      const client = new AutoScalingClient({
        region: "us-east-1",
        endpoint: h.sim.url,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
        maxAttempts: 2,
      });
      await h.control.setGlobalFaults({ throttleRate: 1 });
      const err: unknown = await client
        .send(new DescribeAutoScalingGroupsCommand({}))
        .catch((e: unknown) => e);
      client.destroy();
      expect(err).toMatchObject({
        name: "Throttling",
        message: "Rate exceeded",
        $metadata: { httpStatusCode: 400, attempts: 2 },
      });
      expect((await h.control.counters()).throttled.DescribeAutoScalingGroups).toBe(2);
    }),
  );

  it.concurrent("does not get a ValidationError retried, unlike throttling", () =>
    withHarness({ maxAttempts: 10 }, async (h) => {
      await expect(
        h.autoscaling.send(
          new SetDesiredCapacityCommand({ AutoScalingGroupName: "web", DesiredCapacity: 99 }),
        ),
      ).rejects.toMatchObject({ name: "ValidationError" });
      expect((await h.control.counters()).calls.SetDesiredCapacity).toBe(1);
    }),
  );
});
