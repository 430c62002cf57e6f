/** API calls per action, how many of them the simulator throttled, and when each terminate call came. */
export interface CountersView {
  calls: Record<string, number>;
  throttled: Record<string, number>;
  /**
   * Every TerminateInstances and TerminateInstanceInAutoScalingGroup call, in
   * order, with its arrival time (ISO): a test can tell whether one came after a
   * moment (a halt), not only how many came.
   */
  terminateCalls: Array<{ action: string; at: string }>;
}

export interface Counters {
  call(action: string): void;
  throttle(action: string): void;
  view(): CountersView;
  reset(): void;
}

const terminateActions = new Set(["TerminateInstances", "TerminateInstanceInAutoScalingGroup"]);

export function createCounters(now: () => number = Date.now): Counters {
  let calls = new Map<string, number>();
  let throttled = new Map<string, number>();
  let terminateCalls: CountersView["terminateCalls"] = [];
  const bump = (counts: Map<string, number>, action: string): void => {
    counts.set(action, (counts.get(action) ?? 0) + 1);
  };
  return {
    call(action) {
      bump(calls, action);
      if (terminateActions.has(action)) {
        terminateCalls.push({ action, at: new Date(now()).toISOString() });
      }
    },
    throttle: (action) => bump(throttled, action),
    view: () => ({
      calls: Object.fromEntries(calls),
      throttled: Object.fromEntries(throttled),
      terminateCalls: [...terminateCalls],
    }),
    reset() {
      calls = new Map();
      throttled = new Map();
      terminateCalls = [];
    },
  };
}
