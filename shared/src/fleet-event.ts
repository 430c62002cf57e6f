import { z } from "zod";

/**
 * AWS's own events about the fleet, as an EventBridge rule delivers them to SQS
 * (the envelope itself is the body): Auto Scaling's `EC2 Instance Launch
 * Successful` / `EC2 Instance Terminate Successful` and EC2's `EC2 Instance
 * State-change Notification`. Anything else is not a wake-up.
 */
const envelope = z.object({
  version: z.string(),
  id: z.string(),
  "detail-type": z.string(),
  source: z.string(),
  time: z.iso.datetime({ offset: true }),
  detail: z.record(z.string(), z.unknown()),
});

const activityDetail = z.object({
  AutoScalingGroupName: z.string().min(1),
  EC2InstanceId: z.string().min(1),
  EndTime: z.iso.datetime({ offset: true }).optional(),
});

const stateDetail = z.object({ "instance-id": z.string().min(1), state: z.string() });

export const fleetDetailTypes = {
  launched: "EC2 Instance Launch Successful",
  terminated: "EC2 Instance Terminate Successful",
  stateChanged: "EC2 Instance State-change Notification",
} as const;

/**
 * What the rule routes to the fleet-events queue: Auto Scaling's two. An EC2 state
 * change never completes a recovery (the group must notice a crash first, and its
 * own events say when it did), and an account has one for every transition of
 * every instance: at 1,000 experiments they were two thirds of the queue's
 * messages and held the wake-ups back by seconds.
 */
export const wakeDetailTypes = [fleetDetailTypes.launched, fleetDetailTypes.terminated] as const;

/** One event, reduced to what a wake-up needs. */
export interface FleetSignal {
  kind: "launched" | "terminated" | "state-changed";
  /** The group, when the event names it (Auto Scaling's do, EC2's do not). */
  group?: string;
  instanceId: string;
  /** When it happened: the activity's end (milliseconds), else the event's time (seconds). */
  at: string;
  state?: string;
}

export class NotAFleetEventError extends Error {
  override name = "NotAFleetEventError";
}

/**
 * Reads an SQS body: undefined for an EventBridge event of another kind; a body
 * that is not such an event, or one of these without its fields, is a
 * NotAFleetEventError saying why.
 */
export function parseFleetEvent(body: string): FleetSignal | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new NotAFleetEventError("the body is not JSON");
  }
  const event = envelope.safeParse(json);
  if (!event.success) {
    throw new NotAFleetEventError(`not an EventBridge event: ${event.error.issues[0]?.message}`);
  }
  const { detail, time } = event.data;
  const type = event.data["detail-type"];
  if (type === fleetDetailTypes.stateChanged) {
    const d = stateDetail.safeParse(detail);
    if (!d.success) throw new NotAFleetEventError(`${type}: detail lacks instance-id or state`);
    return {
      kind: "state-changed",
      instanceId: d.data["instance-id"],
      at: time,
      state: d.data.state,
    };
  }
  const kind =
    type === fleetDetailTypes.launched
      ? "launched"
      : type === fleetDetailTypes.terminated
        ? "terminated"
        : undefined;
  if (!kind) return undefined;
  const d = activityDetail.safeParse(detail);
  if (!d.success) {
    throw new NotAFleetEventError(`${type}: detail lacks AutoScalingGroupName or EC2InstanceId`);
  }
  return {
    kind,
    group: d.data.AutoScalingGroupName,
    instanceId: d.data.EC2InstanceId,
    at: new Date(d.data.EndTime ?? time).toISOString(),
  };
}
