/**
 * Spaces calls to at most `perSecond`: each call takes the next free slot,
 * 1/perSecond after the one before, and waits until it comes. Elastic Load
 * Balancing's describe calls share one account-wide budget (about 10 per second)
 * with every other tool in the account, so the monitor keeps well under it
 * rather than relying on throttling and retries.
 */
export interface RateLimiter {
  /** Resolves when the caller may make its call. */
  take(): Promise<void>;
}

export function createRateLimiter(options: {
  perSecond: number;
  /** Epoch ms; in for tests. Default Date.now. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): RateLimiter {
  if (!(options.perSecond > 0)) {
    throw new RangeError(`perSecond must be greater than 0, got ${options.perSecond}`);
  }
  const gap = 1000 / options.perSecond;
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let nextSlot = -Infinity;
  return {
    take: async () => {
      const slot = Math.max(now(), nextSlot);
      nextSlot = slot + gap;
      const wait = slot - now();
      if (wait > 0) await sleep(wait);
    },
  };
}
