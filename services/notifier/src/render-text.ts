import { formatOffset, formatDuration } from "@macaque/shared";
import { printable, printableLines } from "./escape.ts";
import type { Fact, Report, Section } from "./report.ts";
import type { TimelineChart } from "./timeline.ts";

/**
 * The plain-text part of the email: the same report, readable in any terminal or
 * client. Every line is made printable on its way out, so a value with a line
 * break in it stays on its own line; only preformatted blocks keep their breaks,
 * each of their lines indented.
 */
export function renderText(report: Report): string {
  const lines: string[] = [report.title, report.status.label, "", ...factLines(report.facts)];
  for (const section of report.sections) {
    lines.push(
      "",
      section.title,
      "-".repeat(Math.min(section.title.length, 72)),
      ...sectionLines(section),
    );
  }
  lines.push("", `-- macaque, experiment ${report.experimentId}`);
  return `${lines.map(printable).join("\n")}\n`;
}

function sectionLines(section: Section): string[] {
  switch (section.kind) {
    case "facts":
      return factLines(section.facts);
    case "list":
      return section.items.length === 0
        ? [section.empty]
        : section.items.map((item) => `- ${item}`);
    case "table":
      return section.rows.length === 0
        ? [section.empty]
        : tableLines(section.columns, section.rows);
    case "preformatted":
      return printableLines(section.text).map((line) => `  ${line}`);
    case "note":
      return [section.text];
    case "timeline":
      return timelineLines(section.chart);
    case "bars": {
      const width = Math.max(0, ...section.bars.map((b) => b.label.length));
      return [
        ...section.bars.map((b) => {
          const n = Math.round((b.percent / 100) * barColumns);
          return `${b.label.padEnd(width)} |${(b.tone === "bad" ? "!" : "#").repeat(n).padEnd(barColumns)}| ${b.value}`;
        }),
        ...(section.note ? [section.note] : []),
      ];
    }
  }
}

function factLines(facts: Fact[]): string[] {
  const width = Math.max(0, ...facts.map((f) => f.label.length));
  return facts.map((f) => `${f.label.padEnd(width)}  ${f.value}`);
}

function tableLines(columns: string[], rows: string[][]): string[] {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

const barColumns = 40;
const barChar = {
  launch: "=",
  boot: "#",
  health: "+",
  serving: "~",
  settle: "*",
  missing: ".",
} as const;

const column = (seconds: number, total: number): number =>
  total > 0 ? Math.round((seconds / total) * barColumns) : 0;

/** The same bars as the HTML chart, drawn with characters over 40 columns. */
function timelineLines(chart: TimelineChart): string[] {
  const labelWidth = Math.max(0, ...chart.phases.map((p) => p.label.length));
  const lines = chart.phases.map((p) => {
    const start = column(p.startSeconds, chart.totalSeconds);
    const end = column(p.endSeconds, chart.totalSeconds);
    const width = p.endSeconds > p.startSeconds ? Math.max(1, end - start) : 0;
    const bar = `${" ".repeat(start)}${barChar[p.style].repeat(width)}`.slice(0, barColumns);
    const span = p.reached
      ? `${formatOffset(p.startSeconds)} to ${formatOffset(p.endSeconds)}, ${formatDuration(p.endSeconds - p.startSeconds)}`
      : `from ${formatOffset(p.startSeconds)}, not reached by ${formatOffset(p.endSeconds)}`;
    return `${p.label.padEnd(labelWidth)} |${bar.padEnd(barColumns)}| ${span}`;
  });
  return [
    ...lines,
    `${"".padEnd(labelWidth)}  0 s${formatDuration(chart.totalSeconds).padStart(barColumns - 3)}`,
  ];
}
