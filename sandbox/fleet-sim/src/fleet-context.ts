/** What every part of the state machine works with: the fleet's state and its injected world. */
import type { EmitEvent } from "./aws-events.ts";
import type { Ids } from "./ids.ts";
import type { Ec2Instance, Group } from "./model.ts";
import type { Scheduler } from "./scheduler.ts";

export interface FleetContext {
  groups: Map<string, Group>;
  instances: Map<string, Ec2Instance>;
  now: () => number;
  random: () => number;
  ids: Ids;
  scheduler: Scheduler;
  /** AWS's own events about launches, terminations and EC2 states (aws-events.ts). */
  emit: EmitEvent;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
