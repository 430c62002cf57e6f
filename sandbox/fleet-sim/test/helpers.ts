import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import type { AutoScalingGroup } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { createFleetSimControl, startFleetSim } from "@macaque/fleet-sim";
import type { FleetSim, FleetSimControl, FleetSimOptions } from "@macaque/fleet-sim";
import { pollUntil } from "../../../test/support/wait.ts";

export interface Harness {
  sim: FleetSim;
  control: FleetSimControl;
  autoscaling: AutoScalingClient;
  ec2: EC2Client;
  elb: ElasticLoadBalancingV2Client;
  close(): Promise<void>;
}

export async function startHarness(
  options: FleetSimOptions = {},
  clientConfig: { maxAttempts?: number; retryMode?: string } = {},
): Promise<Harness> {
  const sim = await startFleetSim({ port: 0, timeScale: 0.01, ...options });
  const config = {
    region: "us-east-1",
    endpoint: sim.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    ...clientConfig,
  };
  const autoscaling = new AutoScalingClient(config);
  const ec2 = new EC2Client(config);
  const elb = new ElasticLoadBalancingV2Client(config);
  return {
    sim,
    control: createFleetSimControl(sim.url),
    autoscaling,
    ec2,
    elb,
    async close() {
      autoscaling.destroy();
      ec2.destroy();
      elb.destroy();
      await sim.close();
    },
  };
}

/**
 * Polls the simulator until `done` holds for what `read` returns. At the tests'
 * time scale its states change every few ms, so it is asked often.
 */
export const waitForSim = <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean) =>
  pollUntil(what, read, done, { timeoutMs: 10_000, everyMs: 20 });

export async function describeGroup(h: Harness, name: string): Promise<AutoScalingGroup> {
  const out = await h.autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  const group = out.AutoScalingGroups?.[0];
  if (!group) throw new Error(`group ${name} not described`);
  return group;
}

export const inServiceHealthy = (group: AutoScalingGroup): number =>
  (group.Instances ?? []).filter(
    (i) => i.LifecycleState === "InService" && i.HealthStatus === "Healthy",
  ).length;

/** Whole again: InService+Healthy at desired and nothing else in the group. */
export const isWhole = (group: AutoScalingGroup): boolean =>
  inServiceHealthy(group) === group.DesiredCapacity &&
  (group.Instances ?? []).length === group.DesiredCapacity;

let counter = 0;
export const uniqueName = (prefix: string): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** A seeded PRNG (mulberry32): the throttling decisions repeat run after run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
