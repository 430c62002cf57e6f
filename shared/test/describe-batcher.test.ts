import { describe, expect, it } from "vitest";
import { createDescribeBatcher } from "../src/describe-batcher.ts";

interface FakeGroup {
  name: string;
}

/** A describe function over an in-memory set of names, recording each call's names. */
function fleet(existing: (name: string) => boolean, fail?: (names: string[]) => boolean) {
  const calls: string[][] = [];
  const describe = async (names: string[]): Promise<FakeGroup[]> => {
    calls.push(names);
    await new Promise((r) => setTimeout(r, 1));
    if (fail?.(names)) throw new Error("Throttling: Rate exceeded");
    return names.filter(existing).map((name) => ({ name }));
  };
  return { calls, describe };
}

const make = (f: ReturnType<typeof fleet>, windowMs = 25) =>
  createDescribeBatcher({ describe: f.describe, nameOf: (g) => g.name, windowMs });

describe("createDescribeBatcher", () => {
  it.each([1, 99, 100, 101, 250])(
    "describes %i concurrent groups in ceil(n/100) calls",
    async (n) => {
      const f = fleet(() => true);
      const batcher = make(f);
      const names = Array.from({ length: n }, (_, i) => `g-${i}`);
      const groups = await Promise.all(names.map((name) => batcher.describeGroup(name)));
      expect(groups.map((g) => g?.name)).toEqual(names);
      expect(f.calls).toHaveLength(Math.ceil(n / 100));
      expect(Math.max(...f.calls.map((c) => c.length))).toBeLessThanOrEqual(100);
    },
  );

  it("sends a full batch of 100 at once instead of waiting for the window", async () => {
    const f = fleet(() => true);
    const batcher = make(f, 60_000);
    const started = Date.now();
    await Promise.all(Array.from({ length: 100 }, (_, i) => batcher.describeGroup(`g-${i}`)));
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("asks once for a name several checks want", async () => {
    const f = fleet(() => true);
    const batcher = make(f);
    const [a, b] = await Promise.all([batcher.describeGroup("web"), batcher.describeGroup("web")]);
    expect(a).toEqual({ name: "web" });
    expect(b).toEqual({ name: "web" });
    expect(f.calls).toEqual([["web"]]);
  });

  it("resolves undefined for a group that is gone", async () => {
    const f = fleet((name) => name !== "gone");
    const batcher = make(f);
    const [web, gone] = await Promise.all([
      batcher.describeGroup("web"),
      batcher.describeGroup("gone"),
    ]);
    expect(web).toEqual({ name: "web" });
    expect(gone).toBeUndefined();
  });

  it("rejects only the waiters of the call that failed", async () => {
    const f = fleet(
      () => true,
      (names) => names.includes("g-150"),
    );
    const batcher = make(f);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => batcher.describeGroup(`g-${i}`)),
    );
    expect(results.slice(0, 100).every((r) => r.status === "fulfilled")).toBe(true);
    expect(results.slice(100).every((r) => r.status === "rejected")).toBe(true);
  });

  it("starts a new window after a batch went out", async () => {
    const f = fleet(() => true);
    const batcher = make(f, 5);
    await batcher.describeGroup("a");
    await batcher.describeGroup("b");
    expect(f.calls).toEqual([["a"], ["b"]]);
  });

  it("with one call at a time, gathers what asked meanwhile into the next call", async () => {
    const f = fleet(() => true);
    const batcher = createDescribeBatcher({
      describe: f.describe,
      nameOf: (g: FakeGroup) => g.name,
      windowMs: 0,
      maxBatch: 3,
      maxInFlight: 1,
    });
    const first = batcher.describeGroup("a");
    // "a" goes out alone on the next turn; the rest ask while it is under way.
    await new Promise((r) => setTimeout(r, 0));
    const rest = ["b", "c", "d", "e"].map((name) => batcher.describeGroup(name));
    const groups = await Promise.all([first, ...rest]);
    expect(groups.map((g) => g?.name)).toEqual(["a", "b", "c", "d", "e"]);
    // Never two at once, and every name asked after "a" went out waited for it.
    expect(f.calls).toEqual([["a"], ["b", "c", "d"], ["e"]]);
  });

  it("refuses a maxInFlight that is not a positive integer", () => {
    const f = fleet(() => true);
    expect(() =>
      createDescribeBatcher({ describe: f.describe, nameOf: (g) => g.name, maxInFlight: 0 }),
    ).toThrow(/maxInFlight must be a positive integer, got 0/);
  });
});
