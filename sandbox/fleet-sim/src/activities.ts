/** Scaling activities: every launch and termination is one, InProgress until it ends. */
import type { FleetContext } from "./fleet-context.ts";
import type { Activity, ActivityStatus, Group } from "./model.ts";

export function startActivity(
  ctx: FleetContext,
  group: Group,
  description: string,
  cause: string,
): Activity {
  const activity: Activity = {
    id: ctx.ids.uuid(),
    groupName: group.name,
    description,
    cause,
    startTime: ctx.now(),
    endTime: undefined,
    statusCode: "InProgress",
    statusMessage: undefined,
    progress: 0,
  };
  group.activities.push(activity);
  return activity;
}

export function finishActivity(
  ctx: FleetContext,
  activity: Activity | undefined,
  status: ActivityStatus,
  message?: string,
): void {
  if (!activity || activity.statusCode !== "InProgress") return;
  activity.statusCode = status;
  activity.statusMessage = message;
  activity.endTime = ctx.now();
  activity.progress = 100;
}
