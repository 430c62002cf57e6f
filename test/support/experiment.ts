/**
 * One way to write an `ExperimentContext` (what the producer plans and every later
 * event carries) in a test: fixed, readable defaults, changed by field. Unit-test
 * fixtures pin their own values on top; integration tests build one from a group
 * the fleet simulator made (`victimSnapshots`, `uniqueExperimentId`).
 */
import type { ExperimentContext, InstanceSnapshot } from "@macaque/shared";
import { randomBytes } from "node:crypto";

type Recovery = ExperimentContext["recovery"];

/** Fields to change; `recovery` is merged into the default recovery options. */
export type ExperimentChanges = Partial<Omit<ExperimentContext, "recovery">> & {
  recovery?: Partial<Recovery>;
};

/**
 * An experiment on group `web` planned at 2030-01-01T00:00:00Z: four instances
 * `i-00000001`..`i-00000004`, the first two the victims, recovery checked every
 * 5 s for up to 60 s. `desiredCapacity` follows `instanceIdsAtPlan` unless given.
 */
export function experimentContext(changes: ExperimentChanges = {}): ExperimentContext {
  const { recovery, ...rest } = changes;
  const instanceIdsAtPlan = rest.instanceIdsAtPlan ?? [
    "i-00000001",
    "i-00000002",
    "i-00000003",
    "i-00000004",
  ];
  return {
    id: "exp-1",
    requestId: "req-1",
    asg: "web",
    mode: "ec2",
    dryRun: false,
    notify: { emails: [] },
    seed: "seed",
    plannedAt: "2030-01-01T00:00:00.000Z",
    desiredCapacity: instanceIdsAtPlan.length,
    instanceIdsAtPlan,
    victims: victimSnapshots(instanceIdsAtPlan.slice(0, 2).map((instanceId) => ({ instanceId }))),
    ...rest,
    recovery: { deadlineSeconds: 60, checkIntervalSeconds: 5, requireHealthy: true, ...recovery },
  };
}

/** Victims as the producer snapshots them: InService and Healthy unless the instance says otherwise (zone default us-east-1a). */
export const victimSnapshots = (
  instances: ReadonlyArray<{ instanceId: string } & Partial<InstanceSnapshot>>,
): InstanceSnapshot[] =>
  instances.map((i) => ({
    instanceId: i.instanceId,
    availabilityZone: i.availabilityZone ?? "us-east-1a",
    lifecycleState: i.lifecycleState ?? "InService",
    healthStatus: i.healthStatus ?? "Healthy",
  }));

/** An experiment id no other test uses, shaped like the producer's. */
export const uniqueExperimentId = (): string => `exp-${randomBytes(8).toString("hex")}`;
