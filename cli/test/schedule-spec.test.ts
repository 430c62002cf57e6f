import { describe, expect, it } from "vitest";
import { parseScheduleExpression } from "@macaque/shared/schedule";
import { checkScheduleFlags, rateExpression, tickExpression } from "../src/schedule-spec.ts";
import { formatPreview, previewSchedule } from "../src/schedule-preview.ts";

describe("schedule add flags", () => {
  it.each([
    ["1d", "rate(1 day)"],
    ["12h", "rate(12 hours)"],
    ["30m", "rate(30 minutes)"],
    ["5 days", "rate(5 days)"],
  ])("reads --rate %s as %s", (flag, expression) => expect(rateExpression(flag)).toBe(expression));

  it.each([
    ["09:00-15:00", "cron(* 9-14 ? * MON-FRI *)"],
    ["09:30-15:15", "cron(* 9-15 ? * MON-FRI *)"],
    ["13:00-13:30", "cron(* 13 ? * MON-FRI *)"],
  ])("ticks every minute of the hours of the window %s", (window, expression) =>
    expect(tickExpression(window, "MON-FRI")).toBe(expression),
  );

  it("puts the job, the schedule field and the slot placeholder in the target input", () => {
    const checked = checkScheduleFlags(
      "weekday-web",
      {
        asg: "web",
        count: "1",
        cron: "0 10 ? * MON-FRI *",
        timeZone: "Europe/Dublin",
        blackout: ["2026-12-24..2027-01-02"],
      },
      "seed-1",
    );
    expect(checked.ok).toBe(true);
    const { spec } = checked as Extract<typeof checked, { ok: true }>;
    expect(spec.expression.text).toBe("cron(0 10 ? * MON-FRI *)");
    expect(JSON.parse(spec.input)).toEqual({
      version: 1,
      asg: "web",
      count: 1,
      requestedBy: "schedule:weekday-web",
      schedule: {
        name: "weekday-web",
        slot: "<aws.scheduler.scheduled-time>",
        timeZone: "Europe/Dublin",
        seed: "seed-1",
        blackouts: [{ from: "2026-12-24", to: "2027-01-02" }],
      },
    });
    expect(spec.description).toContain("terminate 1 of web");
  });

  it("names every problem at once, in flag terms", () => {
    const checked = checkScheduleFlags(
      "no spaces allowed",
      {
        asg: "web",
        window: "09:00-15:00",
        meanDaysBetween: "0",
        timeZone: "Nowhere",
        deadline: "soon",
      },
      "s",
    );
    expect(checked.ok).toBe(false);
    const messages = (checked as { reasons: { message: string }[] }).reasons.map((r) => r.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('schedule name "no spaces allowed"'),
        expect.stringContaining("--count: give --count N or --percent P"),
        expect.stringContaining("--mean-days-between"),
        expect.stringContaining("--time-zone"),
        expect.stringContaining("--deadline"),
      ]),
    );
  });
});

describe("schedule preview", () => {
  const run = { name: "monkey", timeZone: "Europe/Dublin", seed: "e2e-seed", blackouts: [] };

  it("lists a fixed schedule's slots, marking blackout days as refused", () => {
    const entries = previewSchedule({
      expression: parseScheduleExpression("cron(0 10 ? * MON-FRI *)"),
      run: { ...run, blackouts: [{ from: "2026-12-24", to: "2026-12-25" }] },
      asg: "web",
      from: new Date("2026-12-22T00:00:00Z"),
      days: 4,
    });
    expect(entries.map((e) => [e.date, e.outcome])).toEqual([
      ["2026-12-22", "runs"],
      ["2026-12-23", "runs"],
      ["2026-12-24", "blackout"],
      ["2026-12-25", "blackout"],
    ]);
    expect(formatPreview(entries, "web", "Europe/Dublin")).toContain(
      "10:00 local (2026-12-22T10:00:00Z)",
    );
  });

  it("gives random mode one line a day with its draw, the drawn ones at their minute", () => {
    const entries = previewSchedule({
      expression: parseScheduleExpression("cron(* 9-14 ? * MON-FRI *)"),
      run: { ...run, random: { window: "09:00-15:00", meanDaysBetween: 2 } },
      asg: "web",
      from: new Date("2031-01-06T00:00:00Z"),
      days: 14,
    });
    expect(entries).toHaveLength(10);
    for (const e of entries) {
      expect(e.outcome).toBe(e.draw!.drawn ? "runs" : "not-drawn");
      if (e.slot) expect(e.slot.slice(11, 16)).toBe(e.draw!.at); // GMT in January
    }
    expect(entries.some((e) => e.outcome === "runs")).toBe(true);
  });
});
