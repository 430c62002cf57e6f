import { groupConfigurationOf, maxCarriedCandidates } from "@macaque/shared";
import type {
  EventData,
  EventType,
  ExperimentContext,
  GroupSnapshot,
  InstanceSnapshot,
  JobMessage,
  GroupState,
  InstanceState,
  Reason,
} from "@macaque/shared";
import { checkGuardrails, type GuardrailPolicy } from "./guardrails.ts";
import { shuffleIds } from "./shuffle.ts";

/** What `macaque.experiment.planned` carries: the experiment plus how its victims were chosen. */
export type Plan = EventData<typeof EventType.experimentPlanned>;

export type PlanResult =
  { ok: true; plan: Plan; ignoredTags: Reason[] } | { ok: false; reasons: Reason[] };

export interface PlanInput {
  job: JobMessage;
  requestId: string;
  experimentId: string;
  group: GroupState | undefined;
  /** The experiment holding the group's lease, if any. */
  leaseHolder: string | undefined;
  /** When the group's last experiment ended, as the producer recorded it. */
  lastEndedAt: Date | undefined;
  region: string;
  policy: GuardrailPolicy;
  /** The seed to shuffle with: the job's, or a fresh random one. */
  seed: string;
  now: Date;
}

/** Checks the guardrails, shuffles the candidates and takes the first N as victims. */
export function planExperiment(input: PlanInput): PlanResult {
  const { job } = input;
  const checked = checkGuardrails({
    request: job,
    group: input.group,
    region: input.region,
    policy: input.policy,
    experimentId: input.experimentId,
    leaseHolder: input.leaseHolder,
    lastEndedAt: input.lastEndedAt,
    now: input.now,
  });
  if (!checked.ok) return checked;
  const { group } = checked;

  const byId = new Map(checked.candidates.map((i) => [i.instanceId, i]));
  const order = shuffleIds([...byId.keys()], input.seed);
  const victims = order.slice(0, checked.count).map((id) => snapshotOf(byId.get(id)!));
  const experiment: ExperimentContext = {
    id: input.experimentId,
    requestId: input.requestId,
    asg: group.name,
    mode: job.mode,
    dryRun: job.dryRun,
    ...(job.requestedBy !== undefined && { requestedBy: job.requestedBy }),
    notify: { emails: [...job.notify.emails] },
    recovery: { ...job.recovery },
    ...(job.availabilityZone !== undefined && { availabilityZone: job.availabilityZone }),
    seed: input.seed,
    plannedAt: input.now.toISOString(),
    desiredCapacity: group.desiredCapacity,
    instanceIdsAtPlan: group.instances.map((i) => i.instanceId).sort(),
    victims,
    ...(group.targetGroupArns?.length && { targetGroupArns: [...group.targetGroupArns] }),
    ...(job.fanOut && { fanOut: job.fanOut }),
    plan: {
      job: { ...job },
      group: group.configuration ?? configurationFromState(group),
      candidates: order.slice(0, maxCarriedCandidates),
      candidateCount: order.length,
    },
  };
  return {
    ok: true,
    ignoredTags: checked.ignoredTags,
    plan: {
      experiment,
      group: snapshotGroup(group),
      candidates: order,
      excluded: checked.excluded,
    },
  };
}

function snapshotGroup(group: GroupState): GroupSnapshot {
  return {
    name: group.name,
    desiredCapacity: group.desiredCapacity,
    minSize: group.minSize,
    maxSize: group.maxSize,
    suspendedProcesses: [...group.suspendedProcesses],
    instances: [...group.instances]
      .sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1))
      .map(snapshotOf),
    ...(group.targetGroups?.length && {
      targetGroups: group.targetGroups.map((g) => ({ ...g, targets: [...g.targets] })),
    }),
  };
}

/** A group read without its configuration (tests, older callers): what the state itself says. */
const configurationFromState = (group: GroupState) =>
  groupConfigurationOf({
    DesiredCapacity: group.desiredCapacity,
    MinSize: group.minSize,
    MaxSize: group.maxSize,
    SuspendedProcesses: group.suspendedProcesses.map((ProcessName) => ({ ProcessName })),
    TargetGroupARNs: [...(group.targetGroupArns ?? [])],
  });

const snapshotOf = (i: InstanceState): InstanceSnapshot => ({
  instanceId: i.instanceId,
  availabilityZone: i.availabilityZone,
  lifecycleState: i.lifecycleState,
  healthStatus: i.healthStatus,
});
