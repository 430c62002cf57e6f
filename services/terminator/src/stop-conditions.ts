/**
 * The last look before terminating: the experiment's alarms (carried in its
 * context) are read again right before the terminate calls, since minutes may
 * pass between planning and the order's delivery. An alarm in ALARM, missing or
 * unreadable refuses the order: nothing is terminated (fail closed).
 */
import { checkAlarms, describeBreach, type AlarmBreach, type AlarmState } from "@macaque/shared";

export const stopConditionCode = "stop-condition-in-alarm";

/** Breaches of the experiment's alarms; none when it names no alarm. */
export type StopConditionGate = (experiment: {
  stopConditions?: { alarms: string[] } | undefined;
}) => Promise<AlarmBreach[]>;

export function createStopConditionGate(
  readAlarms: (names: string[]) => Promise<AlarmState[]>,
): StopConditionGate {
  return (experiment) => checkAlarms(experiment.stopConditions?.alarms ?? [], readAlarms);
}

/** Why the order was refused, in the words of `termination.failed`'s reason. */
export function describeRefusal(breaches: readonly AlarmBreach[]): string {
  return `not terminating (${stopConditionCode}): ${breaches.map(describeBreach).join("; ")}`;
}
