/**
 * Stop conditions before planning: every alarm the job names and every alarm in
 * STOP_ALARMS is read (one DescribeAlarms per 100 names) and judged. An alarm
 * in ALARM refuses the request; one that cannot be read counts as in ALARM (fail
 * closed) and says so; one that does not exist is a mistake in the request or
 * the configuration, refused with its own code so it is not taken for an outage.
 */
import {
  checkAlarms,
  describeBreach,
  unionOfAlarms,
  type AlarmBreach,
  type AlarmState,
  type JobMessage,
  type Reason,
} from "@macaque/shared";
import type { Plan } from "./plan.ts";

export const StopConditionCode = {
  inAlarm: "stop-condition-in-alarm",
  notFound: "stop-condition-not-found",
} as const;

export interface StopConditionOptions {
  /** DescribeAlarms by name; throws once the SDK's retries are spent. */
  readAlarms(names: string[]): Promise<AlarmState[]>;
  /** STOP_ALARMS: alarms every experiment respects. */
  operatorAlarms: readonly string[];
  region: string;
}

export interface StopConditionCheck {
  /** The experiment's alarms: the job's, then STOP_ALARMS, each once. */
  alarms: string[];
  /** Empty when the experiment may go ahead. */
  reasons: Reason[];
}

export function createStopConditionCheck(options: StopConditionOptions) {
  return async (job: JobMessage): Promise<StopConditionCheck> => {
    const alarms = unionOfAlarms(job.stopConditions.alarms, options.operatorAlarms);
    const breaches = await checkAlarms(alarms, options.readAlarms);
    return { alarms, reasons: stopConditionReasons(breaches, job, options.region) };
  };
}

/** One reason per breach, naming where the alarm came from: the job's field, or STOP_ALARMS. */
export function stopConditionReasons(
  breaches: readonly AlarmBreach[],
  job: Pick<JobMessage, "stopConditions">,
  region: string,
): Reason[] {
  return breaches.map((breach) => {
    const index = job.stopConditions.alarms.indexOf(breach.alarm);
    const where = index >= 0 ? `stopConditions.alarms.${index}` : undefined;
    const named = where ? `named in ${where}` : "named in STOP_ALARMS";
    if (breach.kind === "missing") {
      return {
        code: StopConditionCode.notFound,
        message: `not planning: ${describeBreach(breach)} in ${region} (${named}); check its name, account and region`,
        ...(where && { path: where }),
      };
    }
    return {
      code: StopConditionCode.inAlarm,
      message: `not planning: ${describeBreach(breach)} (${named})`,
      ...(where && { path: where }),
    };
  });
}

/** The plan, carrying its alarms so the terminator and the monitor watch them too. */
export function withStopConditions(plan: Plan, alarms: readonly string[]): Plan {
  if (alarms.length === 0) return plan;
  return { ...plan, experiment: { ...plan.experiment, stopConditions: { alarms: [...alarms] } } };
}
