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
      groups: ["web"],
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
      groups: ["web"],
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

  it("draws each group of a selector on its own, and names the group of each line", () => {
    const groups = ["api", "web", "worker"];
    const entries = previewSchedule({
      expression: parseScheduleExpression("cron(* 9-14 ? * MON-FRI *)"),
      run: { ...run, random: { window: "09:00-15:00", meanDaysBetween: 2 } },
      groups,
      from: new Date("2031-01-06T00:00:00Z"),
      days: 7,
    });
    expect(entries).toHaveLength(5 * groups.length);
    // The same draws as each group's schedule alone: a selector changes nothing per group.
    for (const asg of groups) {
      const alone = previewSchedule({
        expression: parseScheduleExpression("cron(* 9-14 ? * MON-FRI *)"),
        run: { ...run, random: { window: "09:00-15:00", meanDaysBetween: 2 } },
        groups: [asg],
        from: new Date("2031-01-06T00:00:00Z"),
        days: 7,
      });
      expect(entries.filter((e) => e.asg === asg)).toEqual(alone);
    }
    const text = formatPreview(entries, "every group tagged team=web", "Europe/Dublin", 3);
    const drawn = entries.find((e) => e.outcome === "runs")!;
    expect(text).toContain(`runs on ${drawn.asg}`);
    expect(text).toMatch(/not-drawn: (api|web|worker)/);
    expect(text).toContain("in 5 day(s) with slots over 3 groups");
  });
});

describe("schedule add --tag", () => {
  const flags = { count: "1", cron: "0 10 ? * MON-FRI *" };

  it("puts a selector in the job instead of a group", () => {
    const checked = checkScheduleFlags(
      "every-web",
      { ...flags, tag: ["macaque:enabled=true", "team=web"] },
      "seed-1",
    );
    expect(checked.ok).toBe(true);
    const { spec } = checked as Extract<typeof checked, { ok: true }>;
    const input = JSON.parse(spec.input);
    expect(input.selector).toEqual({ tags: { "macaque:enabled": "true", team: "web" } });
    expect(input).not.toHaveProperty("asg");
    expect(spec.description).toContain(
      "terminate 1 of every group tagged macaque:enabled=true, team=web",
    );
  });

  it.each([
    [{ asg: "web", tag: ["team=web"] }, "--asg: give --asg or --tag, not both"],
    [{}, "--asg: give --asg NAME (one group) or --tag Key=Value"],
    [{ tag: ["team"] }, '--tag: "team" is not Key=Value'],
    [{ tag: ["team=a", "team=b"] }, "--tag: team is given twice"],
  ])("refuses %j", (extra, message) => {
    const checked = checkScheduleFlags("bad", { ...flags, ...extra }, "seed-1");
    expect(checked.ok).toBe(false);
    const reasons = (checked as Extract<typeof checked, { ok: false }>).reasons;
    expect(reasons.map((r) => r.message).join("\n")).toContain(message);
  });
});
