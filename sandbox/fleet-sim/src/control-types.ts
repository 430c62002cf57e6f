/** Bodies and answers of the control endpoint (`/_sim/`), shared by server and client. */
import type { ScalingProcess } from "./model.ts";

export type { CountersView } from "./counters.ts";

export interface CreateGroupRequest {
  name: string;
  /** Instances the group starts with, already InService and Healthy. */
  desiredCapacity: number;
  /** Default 0. */
  minSize?: number;
  /** Default twice the desired capacity (at least 1). */
  maxSize?: number;
  /** Default ["us-east-1a", "us-east-1b", "us-east-1c"]. */
  availabilityZones?: string[];
  /** Group tags; all propagate to the instances at launch. */
  tags?: Record<string, string>;
  /** Default "t3.micro". */
  instanceType?: string;
  /** Simulated seconds from launch to InService. Default 30. */
  bootSeconds?: number;
  /** Upper bound of the random extra delay from InService to Healthy. Default 5. */
  healthySeconds?: number;
  /** Simulated seconds before the group notices an instance EC2 terminated. Default 10. */
  healthCheckDelaySeconds?: number;
  suspendedProcesses?: ScalingProcess[];
}

export interface GroupFaultsRequest {
  /** Launch activities fail and no instance appears. */
  launchFailures?: boolean;
  /** New instances reach InService but never report Healthy. */
  neverHealthy?: boolean;
  /** Fraction (0..1) of API calls touching the group that get the throttling error. */
  throttleRate?: number;
}

export interface GlobalFaultsRequest {
  /** Fraction (0..1) of all API calls that get the throttling error. */
  throttleRate: number;
}

export interface FaultsView {
  launchFailures: boolean;
  neverHealthy: boolean;
  throttleRate: number;
}

export interface InstanceView {
  instanceId: string;
  availabilityZone: string;
  lifecycleState: string;
  healthStatus: string;
  ec2State: string;
}

export interface GroupView {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  availabilityZones: string[];
  tags: Record<string, string>;
  instanceType: string;
  suspendedProcesses: string[];
  faults: FaultsView;
  instances: InstanceView[];
}

export interface TimelineEventView {
  at: string;
  instanceId: string | null;
  state: string;
  detail: string;
}

export interface RecoveryView {
  disruptedAt: string;
  wholeAt: string | null;
  durationMs: number | null;
  lostInstanceIds: string[];
  replacementInstanceIds: string[];
}

export interface TimelineView {
  events: TimelineEventView[];
  recoveries: RecoveryView[];
}
