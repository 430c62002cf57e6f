import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../src/rate-limit.ts";

/** A clock that only moves when the limiter sleeps: no wall-clock time passes. */
function fakeClock() {
  let t = 1_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

describe("createRateLimiter", () => {
  it("lets the first call through at once and spaces the rest 1/perSecond apart", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ perSecond: 5, ...clock });
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      await limiter.take();
      times.push(clock.now());
    }
    expect(times).toEqual([1_000, 1_200, 1_400, 1_600]);
  });

  it("never exceeds the rate when calls arrive together", async () => {
    const waits: number[] = [];
    const limiter = createRateLimiter({
      perSecond: 10,
      now: () => 0,
      sleep: async (ms) => void waits.push(ms),
    });
    await Promise.all([limiter.take(), limiter.take(), limiter.take()]);
    expect(waits).toEqual([100, 200]);
  });

  it("does not bank unused slots: after a pause the next call goes at once", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ perSecond: 2, ...clock });
    await limiter.take();
    await clock.sleep(10_000);
    clock.sleeps.length = 0;
    await limiter.take();
    await limiter.take();
    expect(clock.sleeps).toEqual([500]);
  });

  it("refuses a rate that is not positive", () => {
    expect(() => createRateLimiter({ perSecond: 0 })).toThrow(/perSecond must be greater than 0/);
  });
});
