import { describe, expect, it } from "vitest";
import {
  experimentLifetime,
  leaseTtlMs,
  orderWindowSeconds,
  recoveryDeadlineAt,
  reportMarginSeconds,
  terminationBudgetSeconds,
} from "../src/lifetime.ts";

const plannedAt = "2026-01-01T00:00:00.000Z";
const t0 = Date.parse(plannedAt);
const experiment = (deadlineSeconds: number) => ({ plannedAt, recovery: { deadlineSeconds } });
const s = (seconds: number) => seconds * 1000;

describe("experiment lifetime", () => {
  it.each([30, 900, 3600])(
    "keeps the lease until every later stage has ended (deadline %i s)",
    (deadline) => {
      const life = experimentLifetime(experiment(deadline));
      // The latest possible order, terminated at the very end of its budget...
      const latestTerminatedAt = new Date(
        life.orderExpiresAt + s(terminationBudgetSeconds),
      ).toISOString();
      // ...is measured to its full deadline, and that ends before the lease does.
      const deadlineAt = recoveryDeadlineAt(experiment(deadline), latestTerminatedAt);
      expect(deadlineAt).toBe(Date.parse(latestTerminatedAt) + s(deadline));
      expect(deadlineAt).toBe(life.measurementEndsBy);
      expect(life.endsBy - life.measurementEndsBy).toBe(s(reportMarginSeconds));
      expect(t0 + leaseTtlMs(deadline)).toBe(life.endsBy);
      expect(life.orderExpiresAt).toBe(t0 + s(orderWindowSeconds));
    },
  );

  it("runs the monitor's deadline from the termination", () => {
    const terminatedAt = new Date(t0 + s(5)).toISOString();
    expect(recoveryDeadlineAt(experiment(60), terminatedAt)).toBe(t0 + s(65));
  });

  it("never lets a late termination measure past the lease", () => {
    const life = experimentLifetime(experiment(60));
    const tooLate = new Date(life.endsBy).toISOString();
    expect(recoveryDeadlineAt(experiment(60), tooLate)).toBe(life.measurementEndsBy);
    expect(life.measurementEndsBy).toBeLessThan(life.endsBy);
  });
});
