/**
 * Stop conditions at every recovery check: the experiment's alarms (carried in
 * its context) are read through one batcher shared by every check, so the
 * experiments checked in the same moment share one DescribeAlarms call (100
 * names per call) as they share DescribeAutoScalingGroups.
 *
 * An alarm that cannot be read stops the experiment (fail closed), but only
 * once the monitor's ordinary retries are spent: the SDK retries each call
 * (AWS_MAX_ATTEMPTS, adaptive back-off) before the check sees it fail. A missed
 * group describe is only a missed check, because the next check looks again;
 * a missed alarm read is not, because the alarm may have fired unseen meanwhile.
 */
import { checkAlarms, type AlarmBreach, type AlarmState, type Logger } from "@macaque/shared";

export interface AlarmLookDependencies {
  /** Batched DescribeAlarms: the alarm, or undefined when none has that name. */
  describeAlarm(name: string): Promise<AlarmState | undefined>;
}

/** The experiment's alarms that stop it now; none when it names no alarm. */
export async function lookAtAlarms(
  deps: AlarmLookDependencies,
  experiment: { stopConditions?: { alarms: string[] } | undefined },
  logger: Logger,
): Promise<AlarmBreach[]> {
  const refs = experiment.stopConditions?.alarms ?? [];
  const breaches = await checkAlarms(refs, async (names) => {
    const found = await Promise.all(names.map((name) => deps.describeAlarm(name)));
    return found.filter((alarm): alarm is AlarmState => alarm !== undefined);
  });
  for (const breach of breaches) {
    logger.warn(
      { event: "recovery.stop-condition", alarm: breach.alarm, kind: breach.kind },
      `stop condition: alarm ${breach.alarm} ${breach.kind}: ${breach.reason}`,
    );
  }
  return breaches;
}
