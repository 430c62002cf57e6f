import { describe, expect, it } from "vitest";
import { createRandomStream, shuffleIds } from "../src/shuffle.ts";

const ids = Array.from({ length: 12 }, (_, i) => `i-${(0x100 + i).toString(16).padStart(8, "0")}`);

describe("shuffleIds", () => {
  it("gives the same order for the same seed and candidates", () => {
    expect(shuffleIds(ids, "seed-1")).toEqual(shuffleIds(ids, "seed-1"));
  });

  it("does not depend on the order the candidates arrive in", () => {
    expect(shuffleIds([...ids].reverse(), "seed-1")).toEqual(shuffleIds(ids, "seed-1"));
  });

  it("gives different orders for different seeds", () => {
    const orders = new Set(
      Array.from({ length: 20 }, (_, i) => shuffleIds(ids, `seed-${i}`).join()),
    );
    expect(orders.size).toBe(20);
  });

  it("keeps every candidate exactly once", () => {
    for (let s = 0; s < 50; s += 1) {
      const out = shuffleIds(ids, String(s));
      expect([...out].sort()).toEqual([...ids].sort());
    }
  });

  it("handles no and one candidate", () => {
    expect(shuffleIds([], "x")).toEqual([]);
    expect(shuffleIds(["i-00000001"], "x")).toEqual(["i-00000001"]);
  });

  it("is pinned: a replay years later must choose the same victims", () => {
    expect(shuffleIds(["i-1", "i-2", "i-3", "i-4", "i-5"], "replay")).toMatchInlineSnapshot(`
      [
        "i-3",
        "i-2",
        "i-1",
        "i-4",
        "i-5",
      ]
    `);
  });

  it("puts every candidate first about equally often over many seeds", () => {
    const four = ["i-a", "i-b", "i-c", "i-d"];
    const runs = 8_000;
    const first = new Map<string, number>();
    const orders = new Map<string, number>();
    for (let s = 0; s < runs; s += 1) {
      const out = shuffleIds(four, `s${s}`);
      first.set(out[0]!, (first.get(out[0]!) ?? 0) + 1);
      orders.set(out.join(), (orders.get(out.join()) ?? 0) + 1);
    }
    // 2000 expected each; 5 standard deviations (~194) of slack keeps this from flaking.
    for (const id of four) expect(Math.abs(first.get(id)! - runs / 4)).toBeLessThan(200);
    // All 24 permutations appear, each near 333 times.
    expect(orders.size).toBe(24);
    const chiSquare = [...orders.values()].reduce(
      (sum, n) => sum + (n - runs / 24) ** 2 / (runs / 24),
      0,
    );
    // 23 degrees of freedom: p = 0.0001 at about 56.
    expect(chiSquare).toBeLessThan(56);
  });
});

describe("createRandomStream", () => {
  it("draws integers inside the bound, uniformly for a bound that does not divide 2^32", () => {
    const random = createRandomStream("uniform");
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i += 1) counts[random.nextInt(3)]! += 1;
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(450);
  });

  it("refuses a bound it cannot draw from", () => {
    const random = createRandomStream("x");
    expect(() => random.nextInt(0)).toThrow(RangeError);
    expect(() => random.nextInt(1.5)).toThrow(RangeError);
  });
});
