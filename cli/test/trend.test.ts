import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "@macaque/shared/history";
import { formatHistoryTable, parseSince } from "../src/history-table.ts";
import { axisMax, chartX, chartY, trendHtml, trendPlot, trendPoints } from "../src/trend.ts";

const run = (
  i: number,
  seconds: number | null,
  changes: Partial<HistoryEntry> = {},
): HistoryEntry => ({
  at: new Date(Date.UTC(2026, 11, 1) + i * 3_600_000).toISOString(),
  experimentId: `exp-${String(i).padStart(16, "0")}`,
  asg: "web",
  outcome: seconds === null ? "rejected" : "recovered",
  verdict: seconds === null ? "none" : "pass",
  mode: "ec2",
  victims: 2,
  timeToRecoverSeconds: seconds,
  precisionSeconds: seconds === null ? null : 5,
  regression: false,
  ...changes,
});

describe("trendPoints", () => {
  it("keeps recovered runs, oldest first, with the rolling median and p95 of the last 10", () => {
    const newestFirst = [
      ...[40, 42, 38, 41, 39, 40, 43, 37, 40, 41, 84].map((s, i) => run(i, s)),
      run(20, null),
    ].reverse();
    const points = trendPoints(newestFirst);
    expect(points.map((p) => p.seconds)).toEqual([40, 42, 38, 41, 39, 40, 43, 37, 40, 41, 84]);
    expect(points[0]).toMatchObject({ rollingMedian: 40, rollingP95: 40 });
    expect(points[2]).toMatchObject({ rollingMedian: 40, rollingP95: 42 });
    // The last window is runs 1..10: 42 38 41 39 40 43 37 40 41 84.
    expect(points[10]).toMatchObject({ rollingMedian: 40.5, rollingP95: 84 });
  });
});

describe("the chart", () => {
  it.each([
    [[0.4], 0.5],
    [[40, 84], 100],
    [[12], 20],
    [[250], 250],
    [[], 1],
  ])("tops %j at %s", (values, max) => {
    expect(axisMax(trendPoints(values.map((s, i) => run(i, s)).reverse()))).toBe(max);
  });

  it("places each run's circle by its index and seconds, and draws both rolling lines", () => {
    const points = trendPoints([run(0, 40), run(1, 84, { regression: true })].reverse());
    const html = trendHtml("web", points, "since 2026-11-01");
    expect(html).toContain(`cx="${chartX(0, 2)}" cy="${chartY(40, 100)}"`);
    expect(html).toContain(`class="run regression" data-experiment-id="exp-0000000000000001"`);
    expect(html).toMatch(/<polyline id="rolling-median"[^>]*points="60,\S+ 860,\S+"/);
    expect(html).toContain('data-y-max="100"');
  });

  it("escapes the group name", () => {
    expect(trendHtml("<b>web</b>", [], "")).not.toContain("<b>web</b>");
  });

  it("plots in characters with the regression marked", () => {
    const lines = trendPlot(
      trendPoints([run(0, 40), run(1, 41), run(2, 84, { regression: true })].reverse()),
    );
    expect(lines.some((l) => l.includes("!"))).toBe(true);
    expect(lines.at(-1)).toContain("rolling median");
    expect(trendPlot([])).toEqual(["no recovered runs in this period"]);
  });
});

describe("the history table", () => {
  it("shows a row per experiment with the time to recover and its precision", () => {
    const lines = formatHistoryTable([
      run(1, 84, { regression: true, requestedBy: "alice" }),
      run(0, null),
    ]);
    expect(lines[0]).toMatch(
      /^when \(UTC\)\s+group\s+victims\s+mode\s+outcome\s+time to recover\s+verdict\s+requested by\s+experiment$/,
    );
    expect(lines[1]).toMatch(
      /2026-12-01 01:00\s+web\s+2\s+ec2\s+recovered\s+1 min 24 s ± 5 s REGRESSION\s+PASS\s+alice\s+exp-0+1$/,
    );
    expect(lines[2]).toMatch(/rejected\s+-\s+-\s+-\s+exp-0+$/);
    expect(formatHistoryTable([])).toEqual(["no experiments in the archive match"]);
  });

  it.each([
    ["30d", "2026-11-06T12:00:00.000Z"],
    ["12h", "2026-12-06T00:00:00.000Z"],
    ["90m", "2026-12-06T10:30:00.000Z"],
    ["2026-11-01", "2026-11-01T00:00:00.000Z"],
  ])("reads --since %s", (text, expected) => {
    expect(parseSince(text, new Date("2026-12-06T12:00:00Z")).toISOString()).toBe(expected);
  });

  it("refuses a --since it cannot read, naming the forms it takes", () => {
    expect(() => parseSince("last week", new Date())).toThrow(
      /--since last week: must be a period such as 30d/,
    );
  });
});
