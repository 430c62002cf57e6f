import { describe, expect, it } from "vitest";
import { chunk } from "../src/chunk.ts";

describe("chunk", () => {
  it.each([
    { items: [], size: 3, want: [] },
    { items: [1, 2], size: 3, want: [[1, 2]] },
    { items: [1, 2, 3], size: 3, want: [[1, 2, 3]] },
    { items: [1, 2, 3, 4, 5], size: 2, want: [[1, 2], [3, 4], [5]] },
    { items: [1, 2, 3], size: 1, want: [[1], [2], [3]] },
  ])("splits $items into runs of $size", ({ items, size, want }) => {
    expect(chunk(items, size)).toEqual(want);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses a size of %s", (size) => {
    expect(() => chunk([1], size)).toThrow(/chunk size must be a whole number of at least 1/);
  });
});
