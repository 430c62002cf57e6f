import { describe, expect, it } from "vitest";
import { formatDuration, formatFlagDuration, parseDuration } from "../src/duration.ts";

describe("parseDuration", () => {
  it.each([
    ["90s", 90],
    ["5m", 300],
    ["1h30m", 5_400],
    ["1h30m15s", 5_415],
    ["120", 120],
    ["0.5", 0.5],
    ["1.5s", 1.5],
    ["500ms", 0.5],
    ["2m30s250ms", 150.25],
    [" 5M ", 300],
  ])("reads %j as %d seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["", "5x", "m", "5m1h", "5s5s", "1h 30m", "-5s", "5 m", "1e3", "abc"])(
    "refuses %j",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe("formatDuration", () => {
  it.each([
    [0, "0.0s"],
    [4.23, "4.2s"],
    [59.9, "59.9s"],
    [65, "1m 05s"],
    [3_725, "1h 02m"],
  ])("shows %d seconds as %j", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe("formatFlagDuration", () => {
  it.each([
    [900, "15m"],
    [10, "10s"],
    [5_400, "1h30m"],
    [3_600, "1h"],
    [90.5, "1m30.5s"],
    [0.5, "0.5s"],
  ])("writes %d seconds as %j, which reads back", (seconds, text) => {
    expect(formatFlagDuration(seconds)).toBe(text);
    expect(parseDuration(text)).toBe(seconds);
  });
});
