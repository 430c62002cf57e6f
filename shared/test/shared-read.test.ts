import { describe, expect, it } from "vitest";
import { receiveSizes, shareRecentRead } from "@macaque/shared";

/** A read that counts its calls and answers with the call's number, or fails when told. */
function countingRead() {
  let calls = 0;
  let failNext = false;
  return {
    read: async () => {
      calls++;
      if (failNext) {
        failNext = false;
        throw new Error("unreadable");
      }
      return calls;
    },
    calls: () => calls,
    failNext: () => void (failNext = true),
  };
}

describe("shareRecentRead", () => {
  it("serves every caller within the window from one read, and reads again after it", async () => {
    let now = 1_000;
    const r = countingRead();
    const read = shareRecentRead(r.read, 500, () => now);
    expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1]);
    now += 499;
    expect(await read()).toBe(1);
    now += 1;
    expect(await read()).toBe(2);
    expect(r.calls()).toBe(2);
  });

  it("reads for every caller with a window of 0", async () => {
    const r = countingRead();
    const read = shareRecentRead(r.read, 0, () => 0);
    expect(await Promise.all([read(), read()])).toEqual([1, 2]);
  });

  it("does not serve a failed read to the callers after it", async () => {
    const r = countingRead();
    const read = shareRecentRead(r.read, 10_000, () => 0);
    r.failNext();
    await expect(read()).rejects.toThrow("unreadable");
    expect(await read()).toBe(2);
    expect(await read()).toBe(2);
  });
});

describe("receiveSizes", () => {
  it.each([
    [1, [1]],
    [10, [10]],
    [25, [10, 10, 5]],
    [100, Array.from({ length: 10 }, () => 10)],
  ])("splits a concurrency of %i into receives of at most 10: %j", (concurrency, sizes) => {
    expect(receiveSizes(concurrency)).toEqual(sizes);
  });
});
