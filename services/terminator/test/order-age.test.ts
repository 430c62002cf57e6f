import { describe, expect, it } from "vitest";
import { formatAge, judgeOrderAge } from "../src/order-age.ts";

const plannedAt = "2025-01-01T00:00:00.000Z";
const after = (seconds: number) => new Date(Date.parse(plannedAt) + seconds * 1000);

describe("judgeOrderAge", () => {
  it.each([
    ["a fresh order", 5, undefined],
    ["an order exactly at the limit", 600, undefined],
    ["an order from a clock a little ahead", -3, undefined],
    [
      "an order one second past the limit",
      601,
      `the order is 601 s old (planned at ${plannedAt}), older than ORDER_MAX_AGE_SECONDS=600; its safety checks no longer hold`,
    ],
    [
      "an order redriven hours later",
      3 * 3600 + 59,
      `the order is 3 h old (planned at ${plannedAt}), older than ORDER_MAX_AGE_SECONDS=600; its safety checks no longer hold`,
    ],
  ])("judges %s", (_name, ageSeconds, reason) => {
    expect(
      judgeOrderAge({
        orderedAt: plannedAt,
        plannedAt,
        now: after(ageSeconds),
        maxAgeSeconds: 600,
      }),
    ).toBe(reason);
  });

  it("counts from when the order was sent, not planned", () => {
    const orderedAt = after(400).toISOString();
    const options = { orderedAt, plannedAt, maxAgeSeconds: 600 };
    expect(judgeOrderAge({ ...options, now: after(900) })).toBeUndefined();
    expect(judgeOrderAge({ ...options, now: after(1100) })).toContain("is 700 s old");
  });

  it("falls back to the planning time when the order has no time", () => {
    expect(
      judgeOrderAge({ orderedAt: undefined, plannedAt, now: after(700), maxAgeSeconds: 600 }),
    ).toContain("is 700 s old");
  });
});

describe("formatAge", () => {
  it.each([
    [0, "0 s"],
    [601_999, "601 s"],
    [3_599_999, "3599 s"],
    [3_600_000, "60 min"],
    [7_199_999, "119 min"],
    [7_200_000, "2 h"],
    [47 * 3_600_000, "47 h"],
    [14 * 86_400_000 + 1, "14 d"],
  ])("writes %i ms as %s", (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
