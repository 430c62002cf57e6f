/**
 * What only the terminator's tests need, on top of test/support: groups in the
 * fleet simulator, experiments planned on them, and orders sent for them.
 */
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { createFleetSimControl, type FleetSimControl, type GroupView } from "@macaque/fleet-sim";
import type { Stack } from "@macaque/sandbox";
import { sendJson, terminationOrderKind, type ExperimentContext } from "@macaque/shared";
import { randomBytes } from "node:crypto";
import { sandboxClient, sqsAt, uniquePrefix } from "../../../test/support/aws.ts";
import {
  experimentContext,
  instanceSnapshots,
  uniqueExperimentId,
} from "../../../test/support/experiment.ts";

/** The fleet simulator at `url` (a stack's `endpoints.fleetSim`): its control API and a real EC2 client. */
export function fleetOf(url: string) {
  const control: FleetSimControl = createFleetSimControl(url);
  const ec2 = sandboxClient(EC2Client, url);
  return {
    control,
    ec2,
    /** A warm, opted-in group with a unique name; its instances are InService and Healthy. */
    async createGroup(label: string, desiredCapacity: number, tags: Record<string, string> = {}) {
      return control.createGroup({
        name: `${label}-${randomBytes(3).toString("hex")}`,
        desiredCapacity,
        tags: { "macaque:enabled": "true", ...tags },
      });
    },
    /** Each instance's EC2 state (`running`, `shutting-down`, ...), by id. */
    async ec2States(instanceIds: string[]): Promise<Record<string, string>> {
      const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
      const states: Record<string, string> = {};
      for (const r of out.Reservations ?? []) {
        for (const i of r.Instances ?? []) states[i.InstanceId!] = i.State?.Name ?? "";
      }
      return states;
    },
    /** How many calls of `action` the simulator has answered so far. */
    async calls(action: string): Promise<number> {
      return (await control.counters()).calls[action] ?? 0;
    },
    close() {
      ec2.destroy();
    },
  };
}

/**
 * An experiment planned just now on a whole group, as the producer plans it:
 * its victims the group's first `count` instances, ids no other test uses.
 */
export const plannedExperiment = (
  group: GroupView,
  mode: ExperimentContext["mode"],
  count: number,
): ExperimentContext =>
  experimentContext({
    id: uniqueExperimentId(),
    requestId: uniquePrefix("req"),
    asg: group.name,
    mode,
    plannedAt: new Date().toISOString(),
    instanceIdsAtPlan: group.instances.map((i) => i.instanceId),
    victims: instanceSnapshots(group.instances.slice(0, count)),
  });

export const orderFor = (experiment: ExperimentContext) => ({
  kind: terminationOrderKind,
  experiment,
  orderedAt: new Date().toISOString(),
});

export async function sendOrder(stack: Stack, body: unknown): Promise<string> {
  const sqs = sqsAt(stack.endpoints.sqs);
  try {
    return await sendJson(sqs, stack.topology.queues.terminations.url, body);
  } finally {
    sqs.destroy();
  }
}
