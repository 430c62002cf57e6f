/** API calls per action, how many of them the simulator throttled, and when each terminate call came. */
export interface CountersView {
  calls: Record<string, number>;
  /**
   * The same calls by caller, then action. The caller is the app id the AWS SDK
   * puts in its user agent (`app/<id>`, the client's `userAgentAppId` or
   * AWS_SDK_UA_APP_ID); `unknown` when there is none.
   */
  byCaller: Record<string, Record<string, number>>;
  throttled: Record<string, number>;
  /**
   * Every TerminateInstances and TerminateInstanceInAutoScalingGroup call, in
   * order, with its arrival time (ISO): a test can tell whether one came after a
   * moment (a halt), not only how many came.
   */
  terminateCalls: Array<{ action: string; at: string }>;
}

export interface Counters {
  call(action: string, caller?: string): void;
  throttle(action: string): void;
  view(): CountersView;
  reset(): void;
}

const terminateActions = new Set(["TerminateInstances", "TerminateInstanceInAutoScalingGroup"]);

export function createCounters(now: () => number = Date.now): Counters {
  let calls = new Map<string, number>();
  let byCaller = new Map<string, Map<string, number>>();
  let throttled = new Map<string, number>();
  let terminateCalls: CountersView["terminateCalls"] = [];
  const bump = (counts: Map<string, number>, action: string): void => {
    counts.set(action, (counts.get(action) ?? 0) + 1);
  };
  return {
    call(action, caller = "unknown") {
      bump(calls, action);
      const callers = byCaller.get(caller) ?? new Map<string, number>();
      byCaller.set(caller, callers);
      bump(callers, action);
      if (terminateActions.has(action)) {
        terminateCalls.push({ action, at: new Date(now()).toISOString() });
      }
    },
    throttle: (action) => bump(throttled, action),
    view: () => ({
      calls: Object.fromEntries(calls),
      byCaller: Object.fromEntries([...byCaller].map(([c, m]) => [c, Object.fromEntries(m)])),
      throttled: Object.fromEntries(throttled),
      terminateCalls: [...terminateCalls],
    }),
    reset() {
      calls = new Map();
      byCaller = new Map();
      throttled = new Map();
      terminateCalls = [];
    },
  };
}

/** The app id in an AWS SDK user agent (`... app/macaque-producer ...`), if it names one. */
export function callerOf(userAgent: string | undefined): string | undefined {
  return /(?:^|\s)app\/([^\s]+)/.exec(userAgent ?? "")?.[1];
}
