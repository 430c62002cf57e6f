import type { GroupChange, GroupConfiguration } from "../events.ts";
import { targetGroupNameOf } from "../target-health.ts";

/**
 * What changed on a group between two plan snapshots, field by field, in the
 * words a report uses. Pure; the order is the order an SRE would look in.
 */

const list = (values: readonly string[]): string => (values.length ? values.join(", ") : "none");

function launchTemplate(config: GroupConfiguration): string {
  const t = config.launchTemplate;
  if (!t)
    return config.launchConfigurationName
      ? `launch configuration ${config.launchConfigurationName}`
      : "none";
  const name = t.id ?? t.name ?? "?";
  const both = t.id && t.name ? `${t.id} (${t.name})` : name;
  return `${both} version ${t.version ?? "$Default"}`;
}

const fields: ReadonlyArray<{
  field: string;
  label: string;
  read: (c: GroupConfiguration) => string;
}> = [
  { field: "launchTemplate", label: "launch template", read: launchTemplate },
  { field: "imageIds", label: "AMI", read: (c) => list(c.imageIds) },
  { field: "instanceTypes", label: "instance types", read: (c) => list(c.instanceTypes) },
  { field: "healthCheckType", label: "health check type", read: (c) => c.healthCheckType ?? "?" },
  {
    field: "healthCheckGracePeriodSeconds",
    label: "health check grace period",
    read: (c) =>
      c.healthCheckGracePeriodSeconds === undefined ? "?" : `${c.healthCheckGracePeriodSeconds} s`,
  },
  { field: "desiredCapacity", label: "desired capacity", read: (c) => String(c.desiredCapacity) },
  {
    field: "targetGroupArns",
    label: "target groups",
    read: (c) => list(c.targetGroupArns.map(targetGroupNameOf)),
  },
  {
    field: "suspendedProcesses",
    label: "suspended processes",
    read: (c) => list(c.suspendedProcesses),
  },
];

export function diffGroupConfiguration(
  before: GroupConfiguration,
  after: GroupConfiguration,
): GroupChange[] {
  return fields.flatMap(({ field, label, read }) => {
    const [was, now] = [read(before), read(after)];
    return was === now ? [] : [{ field, label, before: was, after: now }];
  });
}

/** "launch template lt-0abc version 3 → 4" */
export const describeChange = (change: GroupChange): string =>
  `${change.label}: ${change.before} → ${change.after}`;
