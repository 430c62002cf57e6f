/**
 * Stop conditions as plain data: the CloudWatch alarms an experiment must respect
 * (named in the job message's `stopConditions.alarms` or the producer's
 * STOP_ALARMS, carried in the experiment context), what DescribeAlarms said of
 * them, and the judgement read the same way by the producer (before planning),
 * the terminator (right before terminating), the monitor (at every check) and
 * the notifier (the report). Pure: no SDK types, no zod.
 *
 * Only ALARM stops an experiment: OK and INSUFFICIENT_DATA do not (as AWS Fault
 * Injection Service judges its stop conditions). An alarm that does not exist,
 * or that could not be read, counts as in ALARM: a chaos tool that cannot see
 * the service hurting must not go on hurting it.
 */

/** One alarm as DescribeAlarms reported it. */
export interface AlarmState {
  name: string;
  arn: string;
  /** OK, ALARM or INSUFFICIENT_DATA. */
  state: string;
  reason: string;
  /** When the alarm last changed state (StateUpdatedTimestamp), ISO 8601. */
  updatedAt: string;
}

/** Why an alarm stops an experiment. */
export interface AlarmBreach {
  /** The alarm as the experiment names it (a name or an ARN). */
  alarm: string;
  kind: "in-alarm" | "missing" | "unreadable";
  /** The alarm's state, when it was read. */
  state?: string;
  /** CloudWatch's state reason, or what went wrong reading the alarm. */
  reason: string;
  /** When it went into ALARM (StateUpdatedTimestamp), when it did. */
  firedAt?: string;
}

const alarmArn = /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:(.+)$/;

/** The alarm's name: the ref itself, or the part of an alarm ARN after `:alarm:`. */
export function alarmNameOf(ref: string): string {
  return alarmArn.exec(ref)?.[1] ?? ref;
}

/** Each alarm once, in the order first named: the job's alarms, then the operator's. */
export function unionOfAlarms(...lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

/**
 * The breaches among `refs`, given what DescribeAlarms returned for their names.
 * An ARN must match the alarm's own ARN (another account's alarm of the same
 * name is not it); a ref nothing matches is missing.
 */
export function judgeAlarms(refs: readonly string[], found: readonly AlarmState[]): AlarmBreach[] {
  return refs.flatMap((ref): AlarmBreach[] => {
    const isArn = alarmArn.test(ref);
    const alarm = found.find((a) => (isArn ? a.arn === ref : a.name === ref));
    if (!alarm) return [{ alarm: ref, kind: "missing", reason: "the alarm does not exist" }];
    if (alarm.state !== "ALARM") return [];
    return [
      {
        alarm: ref,
        kind: "in-alarm",
        state: alarm.state,
        reason: alarm.reason,
        firedAt: alarm.updatedAt,
      },
    ];
  });
}

/** Every ref counts as in ALARM when DescribeAlarms failed: fail closed. */
export function unreadableAlarms(refs: readonly string[], error: unknown): AlarmBreach[] {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return refs.map((alarm) => ({ alarm, kind: "unreadable", reason: detail }));
}

/** One breach in words, the same in a refusal, a termination failure and a report. */
export function describeBreach(breach: AlarmBreach): string {
  switch (breach.kind) {
    case "in-alarm":
      return `alarm "${breach.alarm}" is in ${breach.state ?? "ALARM"} since ${breach.firedAt}: ${breach.reason}`;
    case "missing":
      return `alarm "${breach.alarm}" does not exist`;
    case "unreadable":
      return `alarm "${breach.alarm}" could not be read (${breach.reason}); an alarm that cannot be read counts as in ALARM`;
  }
}

/**
 * Reads `refs` with `read` (DescribeAlarms by name) and judges them; a read that
 * fails, once the SDK's retries are spent, makes every one of them unreadable.
 */
export async function checkAlarms(
  refs: readonly string[],
  read: (names: string[]) => Promise<AlarmState[]>,
): Promise<AlarmBreach[]> {
  if (refs.length === 0) return [];
  try {
    return judgeAlarms(refs, await read(refs.map(alarmNameOf)));
  } catch (err) {
    return unreadableAlarms(refs, err);
  }
}
