import { describe, expect, it } from "vitest";
import { formatDuration, formatInstant, secondsBetween } from "../src/format.ts";

describe("formatDuration", () => {
  it.each([
    [0, "0 s"],
    [0.25, "0.25 s"],
    [0.5, "0.5 s"],
    [4, "4 s"],
    [9.94, "9.9 s"],
    [42, "42 s"],
    [42.4, "42 s"],
    [59.6, "1 min"],
    [60, "1 min"],
    [185, "3 min 05 s"],
    [900, "15 min"],
    [3600, "1 h"],
    [3720, "1 h 02 min"],
    [-1, "n/a"],
    [Number.NaN, "n/a"],
  ])("%s s reads %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe("formatInstant", () => {
  it("shows UTC to the second", () => {
    expect(formatInstant("2025-11-26T10:00:42.512+01:00")).toBe("2025-11-26 09:00:42 UTC");
  });
  it("leaves what is not a time as it is", () => {
    expect(formatInstant("soon")).toBe("soon");
  });
});

describe("secondsBetween", () => {
  it("never goes negative when clocks disagree", () => {
    expect(secondsBetween("2025-11-26T10:00:10Z", "2025-11-26T10:00:00Z")).toBe(0);
    expect(secondsBetween("2025-11-26T10:00:00Z", "2025-11-26T10:00:01.5Z")).toBe(1.5);
  });
});
