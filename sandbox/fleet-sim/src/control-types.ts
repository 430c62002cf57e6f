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
  /**
   * Target groups behind one load balancer, created with the group. Its instances are
   * registered when they come into service (those it starts with are healthy at once).
   */
  targetGroups?: TargetGroupRequest[];
}

export interface TargetGroupRequest {
  /** Unique among the simulator's target groups; 1–32 letters, digits and hyphens. */
  name: string;
  /** The port targets are registered on. Default 80. */
  port?: number;
  /** Simulated seconds between health checks, 5–300. Default 30. */
  healthCheckIntervalSeconds?: number;
  /** Passing checks before a new target is healthy, 2–10. Default 5. */
  healthyThresholdCount?: number;
  /** Simulated seconds a deregistered target drains before it goes, 0–3600. Default 300. */
  deregistrationDelaySeconds?: number;
}

export interface GroupFaultsRequest {
  /** Launch activities fail and no instance appears. */
  launchFailures?: boolean;
  /** New instances reach InService but never report Healthy. */
  neverHealthy?: boolean;
  /**
   * New targets fail the load balancer's health checks (unhealthy,
   * Target.FailedHealthChecks) while Auto Scaling keeps calling them InService+Healthy.
   * Switched off, they turn healthy after the next healthyThresholdCount checks.
   */
  neverServing?: boolean;
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
  neverServing: boolean;
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
  targetGroups: TargetGroupView[];
}

export interface TargetView {
  id: string;
  port: number;
  /** initial, healthy, unhealthy or draining, as DescribeTargetHealth reports it. */
  state: string;
}

export interface TargetGroupView {
  name: string;
  arn: string;
  loadBalancerArn: string;
  port: number;
  healthCheckIntervalSeconds: number;
  healthyThresholdCount: number;
  deregistrationDelaySeconds: number;
  targets: TargetView[];
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
  /**
   * Only for groups with target groups: when every InService instance of the desired
   * capacity was healthy in every target group again, with no lost instance still
   * registered other than draining. Such a recovery stays open until both are set.
   */
  servingAt?: string | null;
  /** servingAt − disruptedAt, beside servingAt. */
  servingDurationMs?: number | null;
  lostInstanceIds: string[];
  replacementInstanceIds: string[];
}

export interface TimelineView {
  events: TimelineEventView[];
  recoveries: RecoveryView[];
}

/** A CloudWatch alarm for DescribeAlarms, created through `POST /_sim/alarms`. */
export interface CreateAlarmRequest {
  /** 1–255 characters, unique among the simulator's alarms. */
  name: string;
  /** Default "MetricAlarm". */
  type?: "MetricAlarm" | "CompositeAlarm";
  /** Default "OK". */
  state?: AlarmStateValue;
  /** Default a reason naming the state, as CloudWatch writes one. */
  reason?: string;
}

export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** `PUT /_sim/alarms/:name/state`: what SetAlarmState does, dated now. */
export interface AlarmStateRequest {
  state: AlarmStateValue;
  reason: string;
}

/** `PUT /_sim/alarms/:name/faults`. */
export interface AlarmFaultsRequest {
  /** Every DescribeAlarms that would return this alarm answers Throttling instead. */
  unreadable?: boolean;
}

export interface AlarmView {
  name: string;
  arn: string;
  type: "MetricAlarm" | "CompositeAlarm";
  state: AlarmStateValue;
  reason: string;
  /** When the state last changed (StateUpdatedTimestamp), ISO 8601. */
  stateUpdatedAt: string;
  faults: { unreadable: boolean };
}

/** `PUT /_sim/groups/NAME/timing`: simulated seconds for launches from now on. */
export interface TimingRequest {
  bootSeconds?: number;
  healthySeconds?: number;
  healthCheckDelaySeconds?: number;
}

/** `PUT /_sim/events`: where AWS's events go (an SQS queue, an EventBridge endpoint, or nowhere). */
export interface EventTargetRequest {
  queueUrl?: string;
  /** Where to send the SQS calls when the queue URL's own host does not resolve (fauxqs). */
  sqsEndpoint?: string;
  /** Only these detail types go out (a rule's pattern); default all. */
  detailTypes?: string[];
  busUrl?: string;
}
