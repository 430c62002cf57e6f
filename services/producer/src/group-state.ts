/**
 * An Auto Scaling group as the producer sees it when planning: plain data read
 * from the Auto Scaling and EC2 APIs, so every decision about it is a pure function.
 */

export interface InstanceState {
  instanceId: string;
  availabilityZone: string;
  /** Auto Scaling lifecycle state: InService, Pending, Pending:Wait, Terminating, ... */
  lifecycleState: string;
  /** Healthy or Unhealthy, as the group sees it. */
  healthStatus: string;
  /** EC2 tags; undefined when EC2 did not return the instance, so its tags are unknown. */
  tags: Readonly<Record<string, string>> | undefined;
}

export interface ActivityState {
  id: string;
  description: string;
  statusCode: string;
}

export interface GroupState {
  name: string;
  desiredCapacity: number;
  minSize: number;
  maxSize: number;
  tags: Readonly<Record<string, string>>;
  suspendedProcesses: readonly string[];
  instances: readonly InstanceState[];
  /** Scaling activities that have not finished. */
  activitiesInProgress: readonly ActivityState[];
}

/** A tag as configured: `macaque:enabled=true`. */
export interface TagMatch {
  key: string;
  value: string;
}

export const formatTag = (tag: TagMatch): string => `${tag.key}=${tag.value}`;
