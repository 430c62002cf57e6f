import {
  paginateDescribeAlarms,
  type CloudWatchClient,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import { chunk } from "./chunk.ts";
import type { AlarmState } from "./stop-alarms.ts";

/** DescribeAlarms takes at most 100 names per call. */
export const alarmNamesPerCall = 100;

/**
 * DescribeAlarms for any number of names (100 per call, every page). Metric
 * alarms only: CloudWatch returns composite alarms only to a caller whose
 * cloudwatch:DescribeAlarms is granted on `*`, and the roles are granted it on
 * the account's alarm ARNs alone (infra/src/permissions.ts), so a composite alarm
 * named as a stop condition is reported as not existing rather than silently
 * passing. Alarms that do not exist are simply absent. Throws what the SDK
 * throws once its retries are spent.
 */
export async function readAlarms(
  cloudwatch: CloudWatchClient,
  names: readonly string[],
  onCall?: () => void,
): Promise<AlarmState[]> {
  const found: AlarmState[] = [];
  for (const batch of chunk([...new Set(names)], alarmNamesPerCall)) {
    const pages = paginateDescribeAlarms(
      { client: cloudwatch },
      { AlarmNames: batch, AlarmTypes: ["MetricAlarm"] },
    );
    for await (const page of pages) {
      onCall?.();
      for (const alarm of page.MetricAlarms ?? []) {
        const state = alarmStateOf(alarm);
        if (state) found.push(state);
      }
    }
  }
  return found;
}

function alarmStateOf(alarm: MetricAlarm): AlarmState | undefined {
  if (!alarm.AlarmName) return undefined;
  return {
    name: alarm.AlarmName,
    arn: alarm.AlarmArn ?? "",
    state: alarm.StateValue ?? "INSUFFICIENT_DATA",
    reason: alarm.StateReason ?? "",
    updatedAt: (alarm.StateUpdatedTimestamp ?? new Date(0)).toISOString(),
  };
}
