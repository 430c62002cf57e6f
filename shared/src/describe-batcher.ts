/**
 * Collects the group names that concurrent checks ask for and describes them
 * together: DescribeAutoScalingGroups takes up to 100 names per call, so a hundred
 * experiments checked in the same moment cost one call instead of a hundred (and
 * stay clear of the API's rate limit).
 */

export interface DescribeBatcherOptions<G> {
  /** Describes up to `maxBatch` groups by name; groups that do not exist are simply absent. */
  describe(names: string[]): Promise<G[]>;
  /** The name of a described group, to hand it to the right waiter. */
  nameOf(group: G): string | undefined;
  /** How long to wait for more names after the first one arrives. Default 25 ms. */
  windowMs?: number;
  /** Names per call; a full batch goes out at once. Default 100 (the API's limit). */
  maxBatch?: number;
  /**
   * Most calls under way at once; names asked for while that many are out wait
   * for one to end and go out together then. Default unlimited. With `windowMs` 0
   * this is a fresh read shared: every waiter's call starts after it asked.
   */
  maxInFlight?: number;
}

export interface DescribeBatcher<G> {
  /** Resolves with the group, or undefined when no group has that name. */
  describeGroup(name: string): Promise<G | undefined>;
}

interface Waiter<G> {
  resolve(group: G | undefined): void;
  reject(err: unknown): void;
}

export function createDescribeBatcher<G>(options: DescribeBatcherOptions<G>): DescribeBatcher<G> {
  const windowMs = options.windowMs ?? 25;
  const maxBatch = options.maxBatch ?? 100;
  const maxInFlight = options.maxInFlight ?? Infinity;
  for (const [name, value] of Object.entries({ maxBatch, maxInFlight })) {
    if (value !== Infinity && (!Number.isInteger(value) || value < 1)) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  // Several checks may ask for the same group (a retry beside a fresh check): one name, many waiters.
  const waiting = new Map<string, Waiter<G>[]>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;

  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    while (waiting.size > 0 && inFlight < maxInFlight) {
      const batch = new Map([...waiting].slice(0, maxBatch));
      for (const name of batch.keys()) waiting.delete(name);
      inFlight++;
      void send(batch).finally(() => {
        inFlight--;
        // What waited for this call goes out now, unless a window is still gathering it.
        if (waiting.size > 0 && timer === undefined) flush();
      });
    }
  };

  const send = async (batch: Map<string, Waiter<G>[]>): Promise<void> => {
    const names = [...batch.keys()];
    try {
      const groups = await options.describe(names);
      const byName = new Map(groups.map((g) => [options.nameOf(g), g]));
      for (const [name, waiters] of batch) for (const w of waiters) w.resolve(byName.get(name));
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    }
  };

  return {
    describeGroup: (name) =>
      new Promise((resolve, reject) => {
        const waiters = waiting.get(name);
        if (waiters) waiters.push({ resolve, reject });
        else waiting.set(name, [{ resolve, reject }]);
        if (waiting.size >= maxBatch) flush();
        else timer ??= setTimeout(flush, windowMs);
      }),
  };
}
