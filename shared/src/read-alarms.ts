import {
  paginateDescribeAlarms,
  type CloudWatchClient,
  type CompositeAlarm,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import { chunk } from "./chunk.ts";
import type { AlarmState } from "./stop-alarms.ts";

/** DescribeAlarms takes at most 100 names per call. */
export const alarmNamesPerCall = 100;

/**
 * DescribeAlarms for up to any number of names (100 per call, every page), metric
 * and composite alarms alike: a composite alarm is as good a stop condition as
 * the alarms it combines. Alarms that do not exist are simply absent. Throws
 * what the SDK throws once its retries are spent.
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
      { AlarmNames: batch, AlarmTypes: ["MetricAlarm", "CompositeAlarm"] },
    );
    for await (const page of pages) {
      onCall?.();
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        const state = alarmStateOf(alarm);
        if (state) found.push(state);
      }
    }
  }
  return found;
}

function alarmStateOf(alarm: MetricAlarm | CompositeAlarm): AlarmState | undefined {
  if (!alarm.AlarmName) return undefined;
  return {
    name: alarm.AlarmName,
    arn: alarm.AlarmArn ?? "",
    state: alarm.StateValue ?? "INSUFFICIENT_DATA",
    reason: alarm.StateReason ?? "",
    updatedAt: (alarm.StateUpdatedTimestamp ?? new Date(0)).toISOString(),
  };
}
