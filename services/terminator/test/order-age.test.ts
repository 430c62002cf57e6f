import { experimentLifetime, orderWindowSeconds } from "@macaque/shared";
import { describe, expect, it } from "vitest";
import { judgeOrderAge } from "../src/order-age.ts";

const plannedAt = "2025-01-01T00:00:00.000Z";
const experiment = { plannedAt, recovery: { deadlineSeconds: 900 } };
const after = (seconds: number) => new Date(Date.parse(plannedAt) + seconds * 1000);
const why = (age: string) =>
  `the order is ${age} old (planned at ${plannedAt}), past the 2 min in which an order is carried out; its safety checks and the group's lease no longer hold`;

describe("judgeOrderAge", () => {
  it.each([
    ["a fresh order", 5, undefined],
    ["an order at the end of its window", orderWindowSeconds, undefined],
    ["an order from a clock a little ahead", -3, undefined],
    ["an order one second past its window", orderWindowSeconds + 1, why("2 min 01 s")],
    ["an order a fraction of a second past its window", orderWindowSeconds + 0.4, why("2 min")],
    ["an order redriven hours later", 3 * 3600 + 59, why("3 h")],
  ])("judges %s", (_name, ageSeconds, reason) => {
    expect(judgeOrderAge(experiment, after(ageSeconds))).toBe(reason);
  });

  it("refuses exactly when the experiment's lifetime says the order has expired", () => {
    const { orderExpiresAt } = experimentLifetime(experiment);
    expect(judgeOrderAge(experiment, new Date(orderExpiresAt))).toBeUndefined();
    expect(judgeOrderAge(experiment, new Date(orderExpiresAt + 1))).toBeDefined();
  });
});
