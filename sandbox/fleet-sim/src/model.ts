/** Plain data the fleet state machine works on. No behaviour lives here. */

export const SCALING_PROCESSES = [
  "Launch",
  "Terminate",
  "AddToLoadBalancer",
  "AlarmNotification",
  "AZRebalance",
  "HealthCheck",
  "InstanceRefresh",
  "ReplaceUnhealthy",
  "ScheduledActions",
] as const;
export type ScalingProcess = (typeof SCALING_PROCESSES)[number];

export type Ec2StateName = "pending" | "running" | "shutting-down" | "terminated";
export const EC2_STATE_CODES: Readonly<Record<Ec2StateName, number>> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
};

export type LifecycleState = "Pending" | "InService" | "Terminating";
export type HealthStatus = "Healthy" | "Unhealthy";
export type ActivityStatus = "InProgress" | "Successful" | "Failed" | "Cancelled";

export interface Ec2Instance {
  id: string;
  reservationId: string;
  imageId: string;
  instanceType: string;
  availabilityZone: string;
  privateIpAddress: string;
  launchTime: number;
  state: Ec2StateName;
  stateTransitionReason: string;
  tags: ReadonlyArray<{ key: string; value: string }>;
  groupName: string | undefined;
}

/** An instance as its Auto Scaling group sees it. */
export interface Member {
  instanceId: string;
  availabilityZone: string;
  lifecycleState: LifecycleState;
  healthStatus: HealthStatus;
  protectedFromScaleIn: boolean;
  /*
   * Timers set the *Due flags and reconcile() acts on them, so transitions never compare
   * timestamps: a test that pins now() still sees the fleet move.
   */
  /** When EC2 stopped the instance behind the group's back. */
  lostAt: number | undefined;
  /** The health check delay has passed since the loss. */
  lossDue: boolean;
  /** The group's health check has noticed the loss. */
  detected: boolean;
  /** The healthy delay after InService has passed. */
  healthyDue: boolean;
  /** Terminating and terminated in EC2: the group lets go once the removal is due. */
  removal: "none" | "scheduled" | "due";
  /** The activity that ends when the instance reaches InService or leaves the group. */
  activity: Activity | undefined;
}

export interface Activity {
  id: string;
  groupName: string;
  description: string;
  cause: string;
  startTime: number;
  endTime: number | undefined;
  statusCode: ActivityStatus;
  statusMessage: string | undefined;
  progress: number;
}

export interface GroupTag {
  key: string;
  value: string;
  propagateAtLaunch: boolean;
}

export interface LaunchTemplateRef {
  id: string | undefined;
  name: string | undefined;
  version: string | undefined;
}

export interface Faults {
  launchFailures: boolean;
  neverHealthy: boolean;
  /** New targets fail their load balancer health checks (the group still calls them Healthy). */
  neverServing: boolean;
  throttleRate: number;
}

export type TargetState = "initial" | "healthy" | "unhealthy" | "draining";

/** An instance registered with a target group. */
export interface Target {
  id: string;
  port: number;
  state: TargetState;
  /** A health-check verdict is on its way (healthyThresholdCount × interval). */
  checking: boolean;
  /** The health checks have run enough times for a verdict. */
  verdictDue: boolean;
  /** The deregistration delay has passed: the target can go. */
  drainDue: boolean;
}

export interface TargetGroup {
  name: string;
  arn: string;
  loadBalancerArn: string;
  /** The Auto Scaling group that registers its instances here. */
  groupName: string;
  port: number;
  healthCheckIntervalSeconds: number;
  healthyThresholdCount: number;
  deregistrationDelaySeconds: number;
  targets: Target[];
}

/** Simulated durations in milliseconds, before the time scale applies. */
export interface Timing {
  bootMs: number;
  healthyMaxMs: number;
  healthCheckDelayMs: number;
}

export interface TimelineEvent {
  at: number;
  instanceId: string | null;
  state: string;
  detail: string;
}

export interface Recovery {
  disruptedAt: number;
  wholeAt: number | null;
  /** Groups behind target groups: every InService instance healthy in each, no victim left registered. */
  servingAt: number | null;
  lostInstanceIds: string[];
  replacementInstanceIds: string[];
}

export interface Group {
  name: string;
  arn: string;
  createdTime: number;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  availabilityZones: string[];
  tags: GroupTag[];
  instanceType: string;
  imageId: string;
  launchTemplate: LaunchTemplateRef | undefined;
  launchConfigurationName: string | undefined;
  healthCheckGracePeriod: number;
  suspended: Map<string, string>;
  timing: Timing;
  faults: Faults;
  members: Member[];
  activities: Activity[];
  timeline: TimelineEvent[];
  recoveries: Recovery[];
  targetGroups: TargetGroup[];
  /** Launch attempts under way that will fail (launchFailures fault); they hold capacity. */
  failingLaunches: number;
  /** After a failed launch the group waits before it tries again, as AWS backs off. */
  launchBackoff: boolean;
}
