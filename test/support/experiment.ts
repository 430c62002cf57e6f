/**
 * One way to write an `ExperimentContext` (what the producer plans and every later
 * event carries) in a test: fixed, readable defaults, changed by field. Unit-test
 * fixtures pin their own values on top; integration tests build one from a group
 * the fleet simulator made (`instanceSnapshots`, `uniqueExperimentId`).
 */
import type {
  ExperimentContext,
  GroupConfiguration,
  GroupObservation,
  InstanceSnapshot,
} from "@macaque/shared";
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
    victims: instanceSnapshots(instanceIdsAtPlan.slice(0, 2).map((instanceId) => ({ instanceId }))),
    ...rest,
    recovery: { deadlineSeconds: 60, checkIntervalSeconds: 5, requireHealthy: true, ...recovery },
  };
}

/** Instances as the producer snapshots them (victims, a group's members): InService and Healthy in us-east-1a unless said otherwise. */
export const instanceSnapshots = (
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

/** What a recovery check saw: by default a whole group of four, nothing replaced. */
export const groupObservation = (changes: Partial<GroupObservation> = {}): GroupObservation => ({
  at: "2030-01-01T00:00:00.000Z",
  desiredCapacity: 4,
  inService: 4,
  inServiceHealthy: 4,
  pending: 0,
  terminating: 0,
  victimsStillInService: [],
  replacements: [],
  instances: [],
  ...changes,
});

/** A group's configuration as the plan snapshots it: launch template `web` version 3, one AMI. */
export function groupConfiguration(changes: Partial<GroupConfiguration> = {}): GroupConfiguration {
  return {
    launchTemplate: { id: "lt-0abc", name: "web", version: "3" },
    imageIds: ["ami-1"],
    instanceTypes: ["t3.micro"],
    healthCheckType: "ELB",
    healthCheckGracePeriodSeconds: 300,
    desiredCapacity: 4,
    minSize: 2,
    maxSize: 8,
    targetGroupArns: ["arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/abc"],
    suspendedProcesses: [],
    ...changes,
  };
}
