import { formatDuration } from "@macaque/shared";
import { median, percentile, type HistoryEntry } from "@macaque/shared/history";

/**
 * Time to recover over time, for `macaque trend`: each recovered run and, at
 * each run, the median and p95 of the last `window` runs (itself included).
 * Pure: the terminal plot and the HTML page (inline SVG) are strings.
 */

export interface TrendPoint {
  experimentId: string;
  at: string;
  seconds: number;
  mode: string;
  regression: boolean;
  rollingMedian: number;
  rollingP95: number;
}

export const rollingWindow = 10;

/** `entries` newest first (as the index lists them); the points are oldest first. */
export function trendPoints(entries: readonly HistoryEntry[]): TrendPoint[] {
  const runs = entries
    .filter((e) => e.outcome === "recovered" && e.timeToRecoverSeconds !== null)
    .reverse();
  return runs.map((e, i) => {
    const window = runs.slice(Math.max(0, i - rollingWindow + 1), i + 1);
    const values = window.map((w) => w.timeToRecoverSeconds!);
    return {
      experimentId: e.experimentId,
      at: e.at,
      seconds: e.timeToRecoverSeconds!,
      mode: e.mode,
      regression: e.regression,
      rollingMedian: median(values),
      rollingP95: percentile(values, 95),
    };
  });
}

/** A round number at or above the largest value, for the chart's top. */
export function axisMax(points: readonly TrendPoint[]): number {
  const max = Math.max(0, ...points.map((p) => Math.max(p.seconds, p.rollingP95)));
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= max)!;
  return step * magnitude;
}

/** The SVG's plot area; the page's points are placed by `chartX` and `chartY`. */
export const chartBox = { width: 880, height: 320, left: 60, right: 20, top: 20, bottom: 40 };
const plotWidth = chartBox.width - chartBox.left - chartBox.right;
const plotHeight = chartBox.height - chartBox.top - chartBox.bottom;
const round1 = (v: number) => Math.round(v * 10) / 10;

export const chartX = (index: number, count: number): number =>
  round1(chartBox.left + (count <= 1 ? plotWidth / 2 : (index * plotWidth) / (count - 1)));
export const chartY = (seconds: number, max: number): number =>
  round1(chartBox.top + plotHeight - (Math.min(seconds, max) / max) * plotHeight);

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained page: one inline SVG, no script, no external resource. */
export function trendHtml(asg: string, points: readonly TrendPoint[], sinceText: string): string {
  const max = axisMax(points);
  const n = points.length;
  const line = (pick: (p: TrendPoint) => number) =>
    points.map((p, i) => `${chartX(i, n)},${chartY(pick(p), max)}`).join(" ");
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = chartY(max * f, max);
    return `<line x1="${chartBox.left}" x2="${chartBox.width - chartBox.right}" y1="${y}" y2="${y}" stroke="#e3e6ea"/><text x="${chartBox.left - 8}" y="${y + 4}" text-anchor="end" font-size="11" fill="#5f6b7a">${esc(formatDuration(max * f))}</text>`;
  });
  const circles = points.map(
    (p, i) =>
      `<circle class="run${p.regression ? " regression" : ""}" data-experiment-id="${esc(p.experimentId)}" data-seconds="${p.seconds}" cx="${chartX(i, n)}" cy="${chartY(p.seconds, max)}" r="${n > 400 ? 1.5 : 3.5}" fill="${p.regression ? "#c0392b" : "#2f80ed"}"><title>${esc(`${p.at.slice(0, 19).replace("T", " ")} UTC  ${p.experimentId}  ${formatDuration(p.seconds)} (${p.mode})${p.regression ? "  REGRESSION" : ""}`)}</title></circle>`,
  );
  const first = points[0]?.at.slice(0, 10) ?? "";
  const last = points.at(-1)?.at.slice(0, 10) ?? "";
  const svg = `<svg id="trend" xmlns="http://www.w3.org/2000/svg" width="${chartBox.width}" height="${chartBox.height}" viewBox="0 0 ${chartBox.width} ${chartBox.height}" data-y-max="${max}" data-runs="${n}" role="img" aria-label="time to recover of ${esc(asg)}">
<rect x="0" y="0" width="${chartBox.width}" height="${chartBox.height}" fill="#ffffff"/>
${ticks.join("\n")}
${n > 0 ? `<polyline id="rolling-p95" fill="none" stroke="#f0a30a" stroke-width="2" stroke-dasharray="6 4" points="${line((p) => p.rollingP95)}"/>` : ""}
${n > 0 ? `<polyline id="rolling-median" fill="none" stroke="#1b6e3c" stroke-width="2" points="${line((p) => p.rollingMedian)}"/>` : ""}
${circles.join("\n")}
<text x="${chartBox.left}" y="${chartBox.height - 12}" font-size="11" fill="#5f6b7a">${esc(first)}</text>
<text x="${chartBox.width - chartBox.right}" y="${chartBox.height - 12}" text-anchor="end" font-size="11" fill="#5f6b7a">${esc(last)}</text>
</svg>`;
  const latest = points.at(-1);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>macaque trend: ${esc(asg)}</title></head>
<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1f2933;margin:24px;">
<h1 style="font-size:20px;">Time to recover: ${esc(asg)}</h1>
<p style="font-size:13px;color:#5f6b7a;">${n} recovered run${n === 1 ? "" : "s"} ${esc(sinceText)}${latest ? `; latest ${esc(formatDuration(latest.seconds))}, rolling median ${esc(formatDuration(latest.rollingMedian))}, p95 ${esc(formatDuration(latest.rollingP95))} (last ${rollingWindow} runs)` : ""}.
Dots: each run (red: judged a regression). Solid line: rolling median. Dashed: rolling p95.</p>
${svg}
</body></html>
`;
}

/** The same chart in characters: `•` a run, `m` the rolling median, `p` the p95. */
export function trendPlot(points: readonly TrendPoint[], width = 72, height = 12): string[] {
  if (points.length === 0) return ["no recovered runs in this period"];
  const max = axisMax(points);
  const columns = Math.min(width, points.length);
  const grid = Array.from({ length: height }, () => Array<string>(columns).fill(" "));
  const row = (seconds: number) =>
    height - 1 - Math.min(height - 1, Math.floor((seconds / max) * (height - 1) + 0.5));
  points.forEach((p, i) => {
    const col = Math.floor((i * columns) / points.length);
    const mark = (r: number, ch: string) => {
      if (grid[r]![col] === " " || ch === "•" || ch === "!") grid[r]![col] = ch;
    };
    mark(row(p.rollingP95), "p");
    mark(row(p.rollingMedian), "m");
    mark(row(p.seconds), p.regression ? "!" : "•");
  });
  const label = (r: number) =>
    r === 0
      ? formatDuration(max)
      : r === height - 1
        ? "0 s"
        : r === Math.floor(height / 2)
          ? formatDuration(max / 2)
          : "";
  const labelWidth = Math.max(
    ...[0, Math.floor(height / 2), height - 1].map((r) => label(r).length),
  );
  const lines = grid.map((cells, r) => `${label(r).padStart(labelWidth)} |${cells.join("")}`);
  lines.push(`${"".padStart(labelWidth)} +${"-".repeat(columns)}`);
  const first = points[0]!.at.slice(0, 10);
  const last = points.at(-1)!.at.slice(0, 10);
  lines.push(
    `${"".padStart(labelWidth)}  ${first}${last.padStart(Math.max(0, columns - first.length))}`,
  );
  lines.push(
    `${"".padStart(labelWidth)}  • run  ! regression  m rolling median  p rolling p95 (last ${rollingWindow} runs)`,
  );
  return lines;
}
