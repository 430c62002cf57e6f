import type { AutoScalingGroup } from "@aws-sdk/client-auto-scaling";
import type { ExperimentContext, GroupObservation } from "@macaque/shared";
import { experimentContext } from "../../../test/support/experiment.ts";
import { startMonitorJob, type MonitorJob } from "../src/monitor-job.ts";
import { observeGroup } from "../src/observe-group.ts";

export const t0 = new Date("2030-01-01T00:00:00.000Z");
export const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);

/** A group of four planned at t0; i-...01 and i-...02 are the victims. */
export const planned = ["i-00000001", "i-00000002", "i-00000003", "i-00000004"];
export const victims = ["i-00000001", "i-00000002"];

export const experiment = (recovery: Partial<ExperimentContext["recovery"]> = {}) =>
  experimentContext({ plannedAt: t0.toISOString(), instanceIdsAtPlan: planned, recovery });

/** The monitor job of `experiment(recovery)`, both victims terminated at t0. */
export const startedJob = (recovery: Partial<ExperimentContext["recovery"]> = {}): MonitorJob =>
  startMonitorJob(
    {
      experiment: experiment(recovery),
      terminations: victims.map((instanceId) => ({
        instanceId,
        outcome: "terminated",
        at: t0.toISOString(),
      })),
      terminatedAt: t0.toISOString(),
    },
    t0,
  );

/** `"i-00000001:InService:Healthy"` per instance: compact table rows. */
export function group(members: string[], desiredCapacity = 4): AutoScalingGroup {
  return {
    AutoScalingGroupName: "web",
    DesiredCapacity: desiredCapacity,
    MinSize: 0,
    MaxSize: 10,
    Instances: members.map((m) => {
      const [InstanceId, LifecycleState, HealthStatus] = m.split(":") as [string, string, string];
      return {
        InstanceId,
        LifecycleState: LifecycleState as "InService",
        HealthStatus,
        AvailabilityZone: "us-east-1a",
        ProtectedFromScaleIn: false,
      };
    }),
  } as AutoScalingGroup;
}

export const observe = (
  members: string[],
  when: Date = at(10),
  desiredCapacity = 4,
): GroupObservation =>
  observeGroup(
    group(members, desiredCapacity),
    { instanceIdsAtPlan: planned, terminated: victims },
    when,
  );

/** The two survivors, healthy. */
export const survivors = ["i-00000003:InService:Healthy", "i-00000004:InService:Healthy"];
