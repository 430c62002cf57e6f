import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleetSimControl, startFleetSim, type FleetSim } from "@macaque/fleet-sim";
import { createRecheck } from "../src/recheck.ts";
import { ec2QueryAt, sandboxClient, uniquePrefix } from "../../../test/support/aws.ts";

let sim: FleetSim;
let control: ReturnType<typeof createFleetSimControl>;
let autoScaling: AutoScalingClient;

beforeAll(async () => {
  sim = await startFleetSim({ port: 0, timeScale: 0.01 });
  control = createFleetSimControl(sim.url);
  autoScaling = sandboxClient(AutoScalingClient, sim.url);
});
afterAll(async () => {
  autoScaling?.destroy();
  await sim?.close();
});

describe("the recheck of orders carried out together", () => {
  it("shares one DescribeAutoScalingInstances and one DescribeInstances among them", async () => {
    const names = [uniquePrefix("recheck-a"), uniquePrefix("recheck-b")];
    const victims: string[][] = [];
    for (const name of names) {
      await control.createGroup({ name, desiredCapacity: 2 });
      victims.push((await control.group(name)).instances.map((i) => i.instanceId));
    }
    const recheck = createRecheck({ autoScaling, ec2: ec2QueryAt(sim.url) });
    await control.resetCounters();

    const [first, second] = await Promise.all(victims.map((ids) => recheck(ids)));

    expect((await control.counters()).calls).toEqual({
      DescribeAutoScalingInstances: 1,
      DescribeInstances: 1,
    });
    for (const [facts, ids, name] of [
      [first, victims[0], names[0]],
      [second, victims[1], names[1]],
    ] as const) {
      expect(facts!.map((f) => f.instanceId)).toEqual(ids);
      for (const f of facts!) {
        expect(f.membership?.group).toBe(name);
        expect(f.instance?.state).toMatch(/^(pending|running)$/);
      }
    }
  });

  it("leaves an instance neither API knows without facts", async () => {
    const recheck = createRecheck({ autoScaling, ec2: ec2QueryAt(sim.url) });
    expect(await recheck(["i-0123456789abcdef0"])).toEqual([
      { instanceId: "i-0123456789abcdef0", membership: undefined, instance: undefined },
    ]);
  });
});
