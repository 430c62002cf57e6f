/** API calls per action, and how many of them the simulator throttled. */
export interface CountersView {
  calls: Record<string, number>;
  throttled: Record<string, number>;
}

export interface Counters {
  call(action: string): void;
  throttle(action: string): void;
  view(): CountersView;
  reset(): void;
}

export function createCounters(): Counters {
  let calls = new Map<string, number>();
  let throttled = new Map<string, number>();
  const bump = (counts: Map<string, number>, action: string): void => {
    counts.set(action, (counts.get(action) ?? 0) + 1);
  };
  return {
    call: (action) => bump(calls, action),
    throttle: (action) => bump(throttled, action),
    view: () => ({ calls: Object.fromEntries(calls), throttled: Object.fromEntries(throttled) }),
    reset() {
      calls = new Map();
      throttled = new Map();
    },
  };
}
