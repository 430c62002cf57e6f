import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleetSimControl, startFleetSim, type FleetSim } from "@macaque/fleet-sim";
import { createGroupDescriber, type DescribeClients } from "../src/describe-group.ts";
import { ec2QueryAt, sandboxClient, uniquePrefix } from "../../../test/support/aws.ts";

let sim: FleetSim;
let control: ReturnType<typeof createFleetSimControl>;
let clients: DescribeClients;

beforeAll(async () => {
  sim = await startFleetSim({ port: 0, timeScale: 0.01 });
  control = createFleetSimControl(sim.url);
  clients = {
    autoScaling: sandboxClient(AutoScalingClient, sim.url),
    ec2: ec2QueryAt(sim.url),
    elb: sandboxClient(ElasticLoadBalancingV2Client, sim.url),
  };
});
afterAll(async () => {
  clients?.autoScaling.destroy();
  clients?.elb.destroy();
  await sim?.close();
});

describe("describing the groups of requests that arrive together", () => {
  it("shares one DescribeAutoScalingGroups and one DescribeInstances among them", async () => {
    const names = Array.from({ length: 3 }, (_, i) => uniquePrefix(`batch-${i}`));
    for (const name of names) {
      await control.createGroup({ name, desiredCapacity: 2, tags: { team: name } });
    }
    const describe = createGroupDescriber(clients);
    await control.resetCounters();

    const [a, b, c, missing] = await Promise.all([...names, "no-such-group"].map(describe));

    // Nothing per request: no DescribeScalingActivities (the group shows its activities).
    expect((await control.counters()).calls).toEqual({
      DescribeAutoScalingGroups: 1,
      DescribeInstances: 1,
    });
    expect(missing).toBeUndefined();
    for (const [group, name] of [
      [a, names[0]],
      [b, names[1]],
      [c, names[2]],
    ] as const) {
      expect(group?.name).toBe(name);
      expect(group?.instances).toHaveLength(2);
      // Each instance got its own tags from the shared DescribeInstances.
      for (const instance of group!.instances) expect(instance.tags?.team).toBe(name);
    }
  });

  it("describes a group asked for alone, and again when asked again later", async () => {
    const name = uniquePrefix("alone");
    await control.createGroup({ name, desiredCapacity: 1 });
    const describe = createGroupDescriber(clients, { windowMs: 1 });
    await control.resetCounters();
    expect((await describe(name))?.instances).toHaveLength(1);
    expect((await describe(name))?.instances).toHaveLength(1);
    expect((await control.counters()).calls.DescribeAutoScalingGroups).toBe(2);
  });
});
