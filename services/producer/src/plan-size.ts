import type { InstanceSnapshot, Reason } from "@macaque/shared";
import type { Plan } from "./plan.ts";

/**
 * Keeps every event of an experiment under SNS's 256 KB. The experiment context
 * travels in every event after planning, with per-victim data added (the
 * terminations, the replacements), so it gets a budget of its own; the planned
 * event adds the group's snapshot and the shuffled candidates, which for a large
 * group list only what a reader needs and count the rest.
 */
export const contextBudgetBytes = 100 * 1024;
export const plannedBudgetBytes = 200 * 1024;
/** Candidates always listed: the victims and a few hundred after them. */
const candidatesListed = 500;

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
const inServiceHealthy = (i: InstanceSnapshot): boolean =>
  i.lifecycleState === "InService" && i.healthStatus === "Healthy";

export type BoundedPlan = { ok: true; plan: Plan } | { ok: false; reason: Reason };

export function boundPlan(plan: Plan): BoundedPlan {
  const contextBytes = bytes(plan.experiment);
  if (contextBytes > contextBudgetBytes) {
    const { victims, instanceIdsAtPlan } = plan.experiment;
    return {
      ok: false,
      reason: {
        code: "plan-too-large",
        message: `${victims.length} victims of a group of ${instanceIdsAtPlan.length} make an experiment too large for its events (${Math.round(contextBytes / 1024)} KB, at most ${contextBudgetBytes / 1024} KB, under SNS's 256 KB): ask for fewer instances`,
      },
    };
  }
  if (bytes(plan) <= plannedBudgetBytes) return { ok: true, plan };
  const victims = new Set(plan.experiment.victims.map((v) => v.instanceId));
  const listed = plan.group.instances.filter(
    (i) => victims.has(i.instanceId) || !inServiceHealthy(i),
  );
  const bounded: Plan = {
    ...plan,
    group: { ...plan.group, instances: listed, instanceCount: plan.group.instances.length },
    candidates: plan.candidates.slice(0, Math.max(victims.size, candidatesListed)),
    candidateCount: plan.candidates.length,
    excluded: plan.excluded.slice(0, candidatesListed),
    excludedCount: plan.excluded.length,
  };
  return { ok: true, plan: bounded };
}
